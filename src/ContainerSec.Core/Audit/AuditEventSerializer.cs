using System.Globalization;
using System.Text;

namespace ContainerSec.Audit;

/// <summary>
/// The canonical serialisation of an <see cref="AuditEvent"/>: RFC 8785 (JSON Canonicalization
/// Scheme) JSON in UTF-8, with Kubernetes <c>audit.k8s.io/v1</c> field names. These bytes are the
/// Merkle leaf input, so the same event always hashes the same.
/// </summary>
/// <remarks>
/// Rules: members sorted by their names' UTF-16 code units (RFC 8785 section 3.2.3); no white
/// space; strings escaped as ECMAScript <c>JSON.stringify</c> does (<c>\"</c>, <c>\\</c>,
/// <c>\b \f \n \r \t</c>, other characters below U+0020 as <c>\u00xx</c> lower-case, everything
/// else literal UTF-8); integers in decimal; absent (<see langword="null"/>) fields, empty lists
/// and empty maps omitted, as Kubernetes' <c>omitempty</c>; timestamps as RFC 3339 UTC with
/// microseconds (Kubernetes MicroTime), e.g. <c>2026-11-28T19:00:00.123456Z</c>; enums by their
/// Kubernetes names. Strings with lone surrogates are refused (they have no UTF-8 form).
/// </remarks>
public static class AuditEventSerializer
{
    /// <summary>
    /// The largest canonical JSON an audit log accepts, in bytes: 65,535, the largest entry a
    /// c2sp.org/tlog-tiles entry bundle can hold (a 16-bit length prefix). The sinks refuse larger
    /// events; <see cref="Auditor"/> truncates free-text fields so that it never produces one.
    /// </summary>
    public const int MaxEntryBytes = TileMath.MaxEntryBytes;

    /// <summary>Returns the canonical UTF-8 JSON of <paramref name="auditEvent"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="auditEvent"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A string holds a lone surrogate, or a list holds <see langword="null"/>.</exception>
    public static byte[] ToCanonicalJson(AuditEvent auditEvent)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        var members = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["apiVersion"] = Str("audit.k8s.io/v1"),
            ["kind"] = Str("Event"),
            ["auditID"] = Str(auditEvent.AuditId),
            ["tenant"] = Str(auditEvent.Tenant),
            ["eventType"] = Str(auditEvent.EventType),
            ["stage"] = Str(auditEvent.Stage.ToString()),
            ["level"] = Str(auditEvent.Level.ToString()),
            ["requestReceivedTimestamp"] = Str(Time(auditEvent.RequestReceivedTimestamp)),
            ["stageTimestamp"] = Str(Time(auditEvent.StageTimestamp)),
        };
        AddString(members, "verb", auditEvent.Verb);
        AddString(members, "requestURI", auditEvent.RequestUri);
        AddString(members, "objectID", auditEvent.ObjectId);
        AddString(members, "reason", auditEvent.Reason);
        AddList(members, "sourceIPs", auditEvent.SourceIps);
        if (auditEvent.ResponseCode is int code)
        {
            members["responseStatus"] = "{\"code\":" + code.ToString(CultureInfo.InvariantCulture) + "}";
        }

        if (auditEvent.User is { } user)
        {
            var u = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["username"] = Str(user.Username) };
            AddString(u, "uid", user.Uid);
            AddList(u, "groups", user.Groups);
            members["user"] = Obj(u);
        }

        if (auditEvent.ObjectRef is { } o)
        {
            var r = new SortedDictionary<string, string>(StringComparer.Ordinal);
            AddString(r, "resource", o.Resource);
            AddString(r, "namespace", o.Namespace);
            AddString(r, "name", o.Name);
            AddString(r, "apiGroup", o.ApiGroup);
            AddString(r, "apiVersion", o.ApiVersion);
            AddString(r, "subresource", o.Subresource);
            AddString(r, "uid", o.Uid);
            if (r.Count > 0)
            {
                members["objectRef"] = Obj(r);
            }
        }

        if (auditEvent.Annotations is { Count: > 0 } annotations)
        {
            var a = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, value) in annotations)
            {
                a[Checked(key, nameof(auditEvent))] = Str(value);
            }

            members["annotations"] = Obj(a);
        }

        return new UTF8Encoding(false, throwOnInvalidBytes: true).GetBytes(Obj(members));
    }

    /// <summary>The canonical JSON of <paramref name="auditEvent"/>, refused when it is longer than <see cref="MaxEntryBytes"/> (what a sink appends).</summary>
    /// <exception cref="ArgumentException">As <see cref="ToCanonicalJson"/>, or the JSON is longer than <see cref="MaxEntryBytes"/>.</exception>
    internal static byte[] ToLogEntry(AuditEvent auditEvent)
    {
        byte[] entry = ToCanonicalJson(auditEvent);
        if (entry.Length > MaxEntryBytes)
        {
            throw new ArgumentException(
                $"The audit event's canonical JSON is {entry.Length} bytes; a log entry holds at most {MaxEntryBytes} (a tlog-tiles entry bundle's limit). Shorten its fields, or record it through Auditor, which truncates them.",
                nameof(auditEvent));
        }

        return entry;
    }

    private static string Time(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'ffffff'Z'", CultureInfo.InvariantCulture);

    private static void AddString(SortedDictionary<string, string> members, string name, string? value)
    {
        if (value is not null)
        {
            members[name] = Str(value);
        }
    }

    private static void AddList(SortedDictionary<string, string> members, string name, IReadOnlyList<string>? values, string paramName = "auditEvent")
    {
        if (values is { Count: > 0 })
        {
            foreach (string? value in values)
            {
                if (value is null)
                {
                    throw new ArgumentException($"'{name}' holds null.", paramName);
                }
            }

            members[name] = "[" + string.Join(",", values.Select(Str)) + "]";
        }
    }

    private static string Obj(SortedDictionary<string, string> members) =>
        "{" + string.Join(",", members.Select(m => Str(m.Key) + ":" + m.Value)) + "}";

    private static string Checked(string? value, string paramName)
    {
        ArgumentNullException.ThrowIfNull(value, paramName);
        for (int i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                throw new ArgumentException("An audit event string holds a lone surrogate, which has no UTF-8 form.", paramName);
            }
        }

        return value;
    }

    /// <summary>A JSON string literal escaped as RFC 8785 requires.</summary>
    private static string Str(string? value)
    {
        Checked(value, "auditEvent");
        var sb = new StringBuilder(value!.Length + 2).Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20)
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.Append('"').ToString();
    }
}
