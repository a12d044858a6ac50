using System.Globalization;
using System.Text.Json;

namespace ContainerSec.Policy;

/// <summary>
/// The user an image runs as by default: the <c>config.User</c> string of its OCI (or Docker)
/// image config — <c>""</c>, <c>root</c>, <c>0</c>, <c>0:0</c>, <c>1000</c>, <c>app:app</c>,
/// <c>1000:0</c>, … — read the way the container runtimes and the kubelet read it.
/// </summary>
/// <remarks>
/// <para>Only the part before the first <c>:</c> names the user; the group does not make a
/// process root (<c>1000:0</c> runs as UID 1000). A user part of ASCII digits only is a numeric
/// UID (<c>0</c>, <c>00</c> and <c>0:0</c> are UID 0); an empty user part (<c>""</c>, <c>:1000</c>)
/// means the runtime's default, root; anything else is a user name, looked up in the image's
/// <c>/etc/passwd</c> at start, which the kubelet cannot check before it starts the container.
/// The name <c>root</c> is taken as UID 0.</para>
/// </remarks>
public sealed class ImageUser
{
    /// <summary>The longest <c>config.User</c> accepted: 256 characters.</summary>
    public const int MaxUserLength = 256;

    /// <summary>The largest image config parsed by <see cref="FromImageConfig"/>: 4 MiB.</summary>
    public const int MaxImageConfigSizeInBytes = 4 * 1024 * 1024;

    private const string UserPath = "config.User";

    private ImageUser(string value, long? uid, string? userName)
    {
        Value = value;
        Uid = uid;
        UserName = userName;
    }

    /// <summary>The <c>config.User</c> string as written in the image config (<c>""</c> when unset).</summary>
    public string Value { get; }

    /// <summary>The numeric UID when the user part is digits only (0 for an empty user part); otherwise <see langword="null"/>.</summary>
    public long? Uid { get; }

    /// <summary>The user name when the user part is not numeric (for example <c>app</c> or <c>root</c>); otherwise <see langword="null"/>.</summary>
    public string? UserName { get; }

    /// <summary>Whether the image runs as root by default: an empty user part, UID 0, or the name <c>root</c>.</summary>
    public bool IsRoot => Uid == 0 || UserName == "root";

    /// <summary>Whether the UID is known without reading the image's <c>/etc/passwd</c>: a numeric or empty user part.</summary>
    public bool IsNumeric => Uid is not null;

    /// <summary>Parses a <c>config.User</c> value.</summary>
    /// <param name="user">The value; <c>""</c> for an image config without a user.</param>
    /// <returns>The parsed user.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="user"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">Longer than <see cref="MaxUserLength"/> characters, a control character,
    /// or a numeric UID above 4294967295.</exception>
    public static ImageUser Parse(string user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return Parse(user, nameof(user), "user");
    }

    /// <summary>
    /// Reads <c>config.User</c> from an OCI image config (<c>application/vnd.oci.image.config.v1+json</c>)
    /// or a Docker image config; every other field is ignored. An absent or <see langword="null"/>
    /// <c>config</c> or <c>User</c> is the empty user (root).
    /// </summary>
    /// <param name="utf8Json">The image config JSON, UTF-8.</param>
    /// <returns>The user the image runs as.</returns>
    /// <exception cref="ArgumentException">Larger than <see cref="MaxImageConfigSizeInBytes"/> (checked before
    /// parsing), not JSON, not an object, <c>config</c> not an object, <c>config.User</c> not a string or
    /// not a valid user (see <see cref="Parse(string)"/>), or <c>config</c> or <c>User</c> present twice
    /// under names a Go JSON decoder would treat as the same field (case-insensitively, as the runtimes
    /// read it): ambiguous, so refused. The message names the field.</exception>
    public static ImageUser FromImageConfig(ReadOnlySpan<byte> utf8Json)
    {
        if (utf8Json.Length > MaxImageConfigSizeInBytes)
        {
            throw new ArgumentException($"The image config is {utf8Json.Length} bytes; at most {MaxImageConfigSizeInBytes} are accepted.", nameof(utf8Json));
        }

        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = 64 });
            document = JsonDocument.ParseValue(ref reader);
            if (reader.BytesConsumed != utf8Json.Length && !IsWhiteSpace(utf8Json[(int)reader.BytesConsumed..]))
            {
                throw new ArgumentException("Malformed image config: trailing data after the JSON value.", nameof(utf8Json));
            }
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"Malformed image config: not valid JSON ({e.Message}).", nameof(utf8Json), e);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ArgumentException($"Malformed image config: the root must be an object, not {root.ValueKind}.", nameof(utf8Json));
            }

            if (Field(root, "config", "config", nameof(utf8Json)) is not { } config)
            {
                return Parse("", nameof(utf8Json), UserPath);
            }

            if (config.ValueKind != JsonValueKind.Object)
            {
                throw new ArgumentException($"Malformed image config: 'config' must be an object, not {config.ValueKind}.", nameof(utf8Json));
            }

            if (Field(config, "user", UserPath, nameof(utf8Json)) is not { } user)
            {
                return Parse("", nameof(utf8Json), UserPath);
            }

            return user.ValueKind == JsonValueKind.String
                ? Parse(user.GetString()!, nameof(utf8Json), UserPath)
                : throw new ArgumentException($"Malformed image config: '{UserPath}' must be a string, not {user.ValueKind}.", nameof(utf8Json));
        }
    }

    /// <summary>Returns <see cref="Value"/>.</summary>
    public override string ToString() => Value;

    /// <summary>
    /// The one property whose name folds to <paramref name="folded"/> as Go's encoding/json matches
    /// struct fields (ASCII case-insensitive, with the Kelvin sign and long s folding to k and s, as bytes.EqualFold);
    /// null when absent or JSON null. Two such names are ambiguous (Go keeps the last) and refused.
    /// </summary>
    private static JsonElement? Field(JsonElement parent, string folded, string path, string paramName)
    {
        JsonElement? found = null;
        foreach (JsonProperty property in parent.EnumerateObject())
        {
            if (!FoldsTo(property.Name, folded))
            {
                continue;
            }

            if (found is not null)
            {
                throw new ArgumentException($"Malformed image config: '{path}' appears more than once (names are matched case-insensitively by the runtimes).", paramName);
            }

            found = property.Value;
        }

        return found is { ValueKind: not JsonValueKind.Null } value ? value : null;
    }

    private static bool FoldsTo(string name, string folded)
    {
        if (name.Length != folded.Length)
        {
            return false;
        }

        for (int i = 0; i < name.Length; i++)
        {
            // Exactly Go's simple folding for these ASCII names: A-Z, plus the two non-ASCII letters
            // whose fold orbit holds an ASCII letter. Any other non-ASCII character matches nothing
            // (a broader fold, such as 'İ' → 'i', would read a field the runtime ignores).
            char c = name[i] switch
            {
                '\u212A' => 'k',
                '\u017F' => 's',
                >= 'A' and <= 'Z' => (char)(name[i] + ('a' - 'A')),
                char other => other,
            };
            if (c != folded[i])
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsWhiteSpace(ReadOnlySpan<byte> rest) => rest.IndexOfAnyExcept(" \t\r\n"u8) < 0;

    private static ImageUser Parse(string user, string paramName, string field)
    {
        if (user.Length > MaxUserLength)
        {
            throw new ArgumentException($"'{field}' has {user.Length} characters; at most {MaxUserLength} are accepted.", paramName);
        }

        foreach (char c in user)
        {
            if (char.IsControl(c))
            {
                throw new ArgumentException($"'{field}' contains a control character.", paramName);
            }
        }

        int colon = user.IndexOf(':', StringComparison.Ordinal);
        string name = colon < 0 ? user : user[..colon];
        if (name.Length == 0)
        {
            return new ImageUser(user, 0, null);
        }

        if (!name.AsSpan().ContainsAnyExceptInRange('0', '9'))
        {
            if (!uint.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out uint uid))
            {
                throw new ArgumentException($"'{field}' has the UID {name}, above 4294967295.", paramName);
            }

            return new ImageUser(user, uid, null);
        }

        return new ImageUser(user, null, name);
    }
}
