using System.Security.Cryptography;
using System.Text;

namespace ContainerSec.Audit;

/// <summary>
/// Keeps an event's canonical JSON within <see cref="AuditEventSerializer.MaxEntryBytes"/>: the
/// free-text fields (<c>reason</c>, <c>requestURI</c>, <c>objectID</c>, annotation values) are cut
/// to one common length, the largest that fits, and the SHA-256 of each full value is recorded
/// in an annotation <c>containersec.io/truncated-&lt;field&gt;-sha256</c>.
/// </summary>
/// <remarks>
/// Deterministic: the cut length is found by a binary search over the serialised size, so the same
/// event is always cut the same way. A value is cut after a whole UTF-16 code point (never inside a
/// surrogate pair) and ends with <see cref="Marker"/>.
/// </remarks>
internal static class AuditEventTruncation
{
    /// <summary>Appended to a cut value.</summary>
    internal const string Marker = "...[truncated]";

    /// <summary>The annotation key prefix of the SHA-256 of a cut value; the field name and <c>-sha256</c> follow.</summary>
    internal const string AnnotationPrefix = "containersec.io/truncated-";

    private const int Limit = AuditEventSerializer.MaxEntryBytes;

    /// <summary>Returns <paramref name="auditEvent"/>, or a copy with its free-text fields cut so that its canonical JSON fits.</summary>
    /// <exception cref="ArgumentException">Even with every free-text field cut to nothing the event does not fit (the user, groups, annotation keys or object reference are too long), or a string holds a lone surrogate.</exception>
    internal static AuditEvent Fit(AuditEvent auditEvent)
    {
        if (UpperBound(auditEvent) <= Limit)
        {
            return auditEvent; // the usual case: no serialisation here, the sink serialises once
        }

        bool anyHuge = Huge(auditEvent.Reason) || Huge(auditEvent.RequestUri) || Huge(auditEvent.ObjectId);
        foreach (var (_, value) in auditEvent.Annotations ?? new Dictionary<string, string>())
        {
            anyHuge |= Huge(value);
        }

        if (!anyHuge && AuditEventSerializer.ToCanonicalJson(auditEvent).Length <= Limit)
        {
            return auditEvent;
        }

        // A field longer than Limit characters serialises to more than Limit bytes, so cut == Limit never fits;
        // find the largest cut that does (lo always fits, hi never does).
        AuditEvent? fitting = Fits(Cut(auditEvent, 0));
        if (fitting is null)
        {
            throw new ArgumentException(
                $"The audit event does not fit in {Limit} bytes even with its reason, request URI, object id and annotation values truncated: its user, groups, annotation keys or object reference are too long.",
                nameof(auditEvent));
        }

        int lo = 0, hi = Limit;
        while (hi - lo > 1)
        {
            int mid = lo + ((hi - lo) / 2);
            if (Fits(Cut(auditEvent, mid)) is { } candidate)
            {
                (lo, fitting) = (mid, candidate);
            }
            else
            {
                hi = mid;
            }
        }

        return fitting;
    }

    private static bool Huge(string? value) => value is not null && value.Length > Limit;

    private static AuditEvent? Fits(AuditEvent candidate) => AuditEventSerializer.ToCanonicalJson(candidate).Length <= Limit ? candidate : null;

    /// <summary>The event with every free-text value longer than <paramref name="length"/> UTF-16 code units cut to it, and the hashes of the full values annotated.</summary>
    private static AuditEvent Cut(AuditEvent e, int length)
    {
        var notes = new Dictionary<string, string>(StringComparer.Ordinal);
        var hashes = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in e.Annotations ?? new Dictionary<string, string>())
        {
            notes[key] = Cut(value, length, "annotations." + key, hashes);
        }

        string? reason = Cut(e.Reason, length, "reason", hashes);
        string? requestUri = Cut(e.RequestUri, length, "requestURI", hashes);
        string? objectId = Cut(e.ObjectId, length, "objectID", hashes);
        foreach (var (field, hash) in hashes)
        {
            notes[AnnotationPrefix + field + "-sha256"] = hash;
        }

        return e with { Reason = reason, RequestUri = requestUri, ObjectId = objectId, Annotations = notes.Count > 0 ? notes : null };
    }

    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(value))]
    private static string? Cut(string? value, int length, string field, SortedDictionary<string, string> hashes)
    {
        if (value is null || value.Length <= length)
        {
            return value;
        }

        byte[] utf8 = new UTF8Encoding(false, throwOnInvalidBytes: true).GetBytes(value);
        hashes[field] = Convert.ToHexStringLower(SHA256.HashData(utf8));
        int keep = length > 0 && char.IsHighSurrogate(value[length - 1]) ? length - 1 : length;
        return string.Concat(value.AsSpan(0, keep), Marker);
    }

    /// <summary>
    /// A bound on the canonical JSON's length: each UTF-16 code unit is at most 6 bytes (<c>\u00xx</c>
    /// or 3 bytes of UTF-8), each string adds quotes, a name and separators (≤ 32 bytes), and the
    /// fixed members (kind, stage, level, timestamps, status) take less than 1,024 bytes.
    /// </summary>
    private static long UpperBound(AuditEvent e)
    {
        long chars = 0, strings = 0;
        void Add(string? value)
        {
            if (value is not null)
            {
                chars += value.Length;
                strings++;
            }
        }

        Add(e.AuditId);
        Add(e.Tenant);
        Add(e.EventType);
        Add(e.Verb);
        Add(e.RequestUri);
        Add(e.ObjectId);
        Add(e.Reason);
        foreach (string ip in e.SourceIps ?? [])
        {
            Add(ip);
        }

        if (e.User is { } user)
        {
            Add(user.Username);
            Add(user.Uid);
            foreach (string group in user.Groups ?? [])
            {
                Add(group);
            }
        }

        if (e.ObjectRef is { } o)
        {
            Add(o.Resource);
            Add(o.Namespace);
            Add(o.Name);
            Add(o.ApiGroup);
            Add(o.ApiVersion);
            Add(o.Subresource);
            Add(o.Uid);
        }

        foreach (var (key, value) in e.Annotations ?? new Dictionary<string, string>())
        {
            Add(key);
            Add(value);
        }

        return 1024 + (6 * chars) + (32 * strings);
    }
}
