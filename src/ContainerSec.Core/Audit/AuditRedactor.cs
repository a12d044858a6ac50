using System.Text;
using ContainerSec.Cryptography;

namespace ContainerSec.Audit;

/// <summary>
/// Removes or hides fields of an <see cref="AuditEvent"/> before it is logged: configurable field
/// redaction by path, and optional keyed pseudonymisation (HMAC) of user names so that a tenant's
/// analyst can correlate one user's events without learning who the user is.
/// </summary>
/// <remarks>
/// <para>Field paths: <c>verb</c>, <c>requestURI</c>, <c>objectID</c>, <c>reason</c>,
/// <c>sourceIPs</c>, <c>user.username</c>, <c>user.uid</c>, <c>user.groups</c>,
/// <c>objectRef.name</c>, <c>objectRef.namespace</c>, <c>objectRef.uid</c>, <c>annotations</c> (all)
/// and <c>annotations.&lt;key&gt;</c>. A redacted string becomes <see cref="RedactedValue"/>; a
/// redacted list or map is dropped. Unknown paths are refused when the redactor is created.</para>
/// <para>Secret data never reaches the log at any level: <see cref="AuditEvent"/> has no request or
/// response body, so object contents (a Secret's <c>data</c>) cannot be recorded; for requests on
/// core <c>secrets</c> the request URI's query string is also dropped, since it may carry
/// values.</para>
/// <para>Pseudonyms are <c>pseudonym:</c> followed by the first 16 bytes of
/// HMAC(key, <c>"user\0" ‖ name</c>) in lower-case hex: stable per key, unlinkable without it.
/// The redactor does not own the key; it must outlive the redactor.</para>
/// </remarks>
public sealed class AuditRedactor
{
    /// <summary>The value written in place of a redacted string.</summary>
    public const string RedactedValue = "[REDACTED]";

    private static readonly HashSet<string> KnownPaths = new(StringComparer.Ordinal)
    {
        "verb", "requestURI", "objectID", "reason", "sourceIPs", "user.username", "user.uid", "user.groups",
        "objectRef.name", "objectRef.namespace", "objectRef.uid", "annotations",
    };

    private readonly HashSet<string> _paths;
    private readonly MacKey? _pseudonymKey;

    /// <summary>Creates a redactor.</summary>
    /// <param name="redactedPaths">The field paths to redact (see the remarks).</param>
    /// <param name="pseudonymKey">When given, user names (and <c>user.uid</c>) are replaced by keyed pseudonyms.</param>
    /// <exception cref="ArgumentNullException"><paramref name="redactedPaths"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A path is unknown.</exception>
    public AuditRedactor(IEnumerable<string> redactedPaths, MacKey? pseudonymKey = null)
    {
        ArgumentNullException.ThrowIfNull(redactedPaths);
        _paths = new HashSet<string>(StringComparer.Ordinal);
        foreach (string path in redactedPaths)
        {
            if (path is null || !(KnownPaths.Contains(path) || (path.StartsWith("annotations.", StringComparison.Ordinal) && path.Length > 12)))
            {
                throw new ArgumentException($"Unknown audit field path '{path}'.", nameof(redactedPaths));
            }

            _paths.Add(path);
        }

        _pseudonymKey = pseudonymKey;
    }

    /// <summary>Returns the pseudonym of <paramref name="username"/> under this redactor's key.</summary>
    /// <exception cref="InvalidOperationException">The redactor has no pseudonymisation key.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="username"/> is <see langword="null"/>.</exception>
    public string Pseudonymize(string username)
    {
        ArgumentNullException.ThrowIfNull(username);
        if (_pseudonymKey is null)
        {
            throw new InvalidOperationException("This redactor was created without a pseudonymisation key.");
        }

        byte[] mac = _pseudonymKey.Compute(Encoding.UTF8.GetBytes("user\0" + username));
        return "pseudonym:" + Convert.ToHexStringLower(mac.AsSpan(0, 16));
    }

    /// <summary>Returns a redacted copy of <paramref name="auditEvent"/>; the original is unchanged.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="auditEvent"/> is <see langword="null"/>.</exception>
    public AuditEvent Redact(AuditEvent auditEvent)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        AuditEvent e = auditEvent with
        {
            Verb = String("verb", auditEvent.Verb),
            RequestUri = String("requestURI", StripSecretQuery(auditEvent)),
            ObjectId = String("objectID", auditEvent.ObjectId),
            Reason = String("reason", auditEvent.Reason),
            SourceIps = _paths.Contains("sourceIPs") ? null : auditEvent.SourceIps,
            Annotations = Annotations(auditEvent.Annotations),
        };

        if (auditEvent.User is { } user)
        {
            string name = _paths.Contains("user.username") ? RedactedValue : _pseudonymKey is null ? user.Username : Pseudonymize(user.Username);
            string? uid = _paths.Contains("user.uid") || user.Uid is null ? String("user.uid", user.Uid) : _pseudonymKey is null ? user.Uid : Pseudonymize(user.Uid);
            e = e with { User = new AuditUser(name, uid, _paths.Contains("user.groups") ? null : user.Groups) };
        }

        if (auditEvent.ObjectRef is { } o)
        {
            e = e with
            {
                ObjectRef = o with
                {
                    Name = String("objectRef.name", o.Name),
                    Namespace = String("objectRef.namespace", o.Namespace),
                    Uid = String("objectRef.uid", o.Uid),
                },
            };
        }

        return e;
    }

    private static string? StripSecretQuery(AuditEvent e)
    {
        bool secret = e.ObjectRef is { Resource: "secrets" } o && string.IsNullOrEmpty(o.ApiGroup);
        int query = e.RequestUri?.IndexOf('?', StringComparison.Ordinal) ?? -1;
        return secret && query >= 0 ? e.RequestUri![..query] : e.RequestUri;
    }

    private string? String(string path, string? value) => value is not null && _paths.Contains(path) ? RedactedValue : value;

    private Dictionary<string, string>? Annotations(IReadOnlyDictionary<string, string>? annotations)
    {
        if (annotations is null || _paths.Contains("annotations"))
        {
            return null;
        }

        var copy = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in annotations)
        {
            copy[key] = _paths.Contains("annotations." + key) ? RedactedValue : value;
        }

        return copy;
    }
}
