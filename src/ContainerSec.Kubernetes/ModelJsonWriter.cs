using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;

namespace ContainerSec.Kubernetes;

/// <summary>
/// Converts a YAML tree to the JSON of a KubernetesClient model, checking it against the model's
/// source-generated JSON metadata (<see cref="SourceGenerationContext"/>: every <see cref="JsonTypeInfo"/>
/// lists its properties with their JSON names and types). One recursive mechanism serves every kind:
/// an object refuses keys that are not properties of its model type, a list and a map want a YAML
/// sequence and mapping, and each scalar becomes the JSON type the property has — string, boolean,
/// integer (range-checked), number, int-or-string (<c>port: 8080</c> or <c>port: http</c>) or quantity
/// (<c>cpu: 1</c>, <c>cpu: 0.5</c> and <c>cpu: 500m</c> all become JSON strings, as the API server
/// writes them). A scalar whose YAML type does not fit is refused as the API server refuses it
/// (<c>value: 8080</c> for an env var is a number, not a string). Null is accepted for a property
/// (unset) and refused as a list item or map value.
/// </summary>
internal sealed partial class ModelJsonWriter
{
    private static readonly ConcurrentDictionary<Type, Dictionary<string, JsonPropertyInfo>> Properties = new();

    private readonly string _source;
    private readonly int _document;

    private ModelJsonWriter(string source, int document)
    {
        _source = source;
        _document = document;
    }

    /// <summary>
    /// Writes <paramref name="root"/> as JSON of <paramref name="model"/>, adding <c>apiVersion</c> and
    /// <c>kind</c> first when the YAML lacks them (items of a typed list), then deserialises the JSON
    /// into the model as a last check (dates, base64, anything the metadata walk does not see).
    /// </summary>
    /// <exception cref="ManifestException">A field is unknown or has the wrong type or value.</exception>
    public static byte[] Write(YamlMap root, JsonTypeInfo model, string apiVersion, string kind, string source, int document, string path)
    {
        var writer = new ModelJsonWriter(source, document);
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (root.Get("apiVersion") is null)
            {
                json.WriteString("apiVersion", apiVersion);
            }

            if (root.Get("kind") is null)
            {
                json.WriteString("kind", kind);
            }

            writer.WriteProperties(json, root, model, path);
            json.WriteEndObject();
        }

        byte[] bytes = buffer.WrittenSpan.ToArray();
        try
        {
            _ = JsonSerializer.Deserialize(bytes, model);
        }
        catch (JsonException ex)
        {
            string field = ex.Path is { Length: > 1 } jsonPath ? YamlTreeReader.Join(path, jsonPath.TrimStart('$').TrimStart('.')) : path;
            throw new ManifestException(source, document, field, $"cannot be read as {model.Type.Name}: {ex.Message.Split(" Path:", 2)[0]}", ex);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException or InvalidOperationException)
        {
            // The models' converters (dates, quantities) throw these without a path; the checks above should leave none.
            throw new ManifestException(source, document, path, $"cannot be read as {model.Type.Name}: {ex.Message}", ex);
        }

        return bytes;
    }

    private void WriteProperties(Utf8JsonWriter json, YamlMap map, JsonTypeInfo model, string path)
    {
        Dictionary<string, JsonPropertyInfo> properties = Properties.GetOrAdd(model.Type, _ => model.Properties.ToDictionary(p => p.Name, StringComparer.Ordinal));
        foreach (var (key, value) in map.Entries)
        {
            string field = Key(key, path);
            if (!properties.TryGetValue(key.Value, out JsonPropertyInfo? property))
            {
                throw Error(field, key.Value == "<<"
                    ? $"YAML merge keys are not supported ({key.Where})"
                    : $"unknown field at {key.Where}{Suggest(key.Value, properties.Keys)}");
            }

            json.WritePropertyName(property.Name);
            WriteValue(json, value, property.PropertyType, field, allowNull: true);
        }
    }

    private void WriteValue(Utf8JsonWriter json, YamlValue node, Type type, string path, bool allowNull)
    {
        if (node is YamlText { IsNull: true })
        {
            if (!allowNull)
            {
                throw Error(path, $"must not be null ({node.Where})");
            }

            json.WriteNullValue();
            return;
        }

        Type target = Nullable.GetUnderlyingType(type) ?? type;
        if (target == typeof(string) || target == typeof(bool) || target == typeof(int) || target == typeof(long) || target == typeof(double)
            || target == typeof(IntOrString) || target == typeof(ResourceQuantity) || target == typeof(DateTime) || target == typeof(DateTimeOffset) || target == typeof(byte[]))
        {
            WriteScalar(json, node as YamlText ?? throw Error(path, $"must be {Expected(target)}, not a {(node is YamlMap ? "mapping" : "list")} ({node.Where})"), target, path);
            return;
        }

        JsonTypeInfo? info = SourceGenerationContext.Default.GetTypeInfo(target);
        switch (info?.Kind)
        {
            case JsonTypeInfoKind.Object:
                json.WriteStartObject();
                WriteProperties(json, node as YamlMap ?? throw Mismatch(path, "a mapping", node), info, path);
                json.WriteEndObject();
                break;
            case JsonTypeInfoKind.Enumerable:
                var list = node as YamlList ?? throw Mismatch(path, "a list", node);
                json.WriteStartArray();
                for (int i = 0; i < list.Items.Count; i++)
                {
                    WriteValue(json, list.Items[i], info.ElementType!, string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]"), allowNull: false);
                }

                json.WriteEndArray();
                break;
            case JsonTypeInfoKind.Dictionary:
                var map = node as YamlMap ?? throw Mismatch(path, "a mapping", node);
                json.WriteStartObject();
                foreach (var (key, value) in map.Entries)
                {
                    string field = Key(key, path);
                    json.WritePropertyName(key.Value);
                    WriteValue(json, value, info.ElementType!, field, allowNull: false);
                }

                json.WriteEndObject();
                break;
            default:
                WriteUntyped(json, node, path);
                break;
        }
    }

    private void WriteScalar(Utf8JsonWriter json, YamlText text, Type target, string path)
    {
        YamlScalar scalar;
        try
        {
            scalar = YamlScalars.Resolve(text);
        }
        catch (FormatException ex)
        {
            throw Error(path, $"{ex.Message} ({text.Where})");
        }

        switch (scalar.Kind)
        {
            case YamlScalarKind.String when target == typeof(string) || target == typeof(IntOrString) || target == typeof(byte[]):
                json.WriteStringValue(scalar.Text);
                return;
            case YamlScalarKind.String when target == typeof(DateTime) || target == typeof(DateTimeOffset):
                if (!TimestampPattern().IsMatch(scalar.Text) || !DateTimeOffset.TryParse(scalar.Text[..19], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _))
                {
                    throw Error(path, $"\"{scalar.Text}\" is not an RFC 3339 date and time such as 2024-05-01T12:00:00Z ({text.Where})");
                }

                json.WriteStringValue(scalar.Text);
                return;
            case YamlScalarKind.Bool when target == typeof(bool):
                json.WriteBooleanValue(scalar.Bool);
                return;
            case YamlScalarKind.Int when target == typeof(long) || target == typeof(double):
                json.WriteNumberValue(scalar.Int);
                return;
            case YamlScalarKind.Int when target == typeof(int) || target == typeof(IntOrString):
                json.WriteNumberValue(scalar.Int is >= int.MinValue and <= int.MaxValue ? (int)scalar.Int : throw Error(path, $"{scalar.Text} is outside the 32-bit integer range ({text.Where})"));
                return;
            case YamlScalarKind.Float when target == typeof(double) && double.IsFinite(scalar.Float):
                json.WriteNumberValue(scalar.Float);
                return;
            case YamlScalarKind.Int when target == typeof(ResourceQuantity):
                // Kubernetes reads the resolved integer (0100 is 64, 0x10 is 16, 1_000 is 1000), not the text.
                json.WriteStringValue(Quantity(scalar.Int.ToString(CultureInfo.InvariantCulture), path, text));
                return;
            case YamlScalarKind.Float when target == typeof(ResourceQuantity):
                json.WriteStringValue(FloatQuantity(scalar, Quantity(scalar.Text, path, text), path, text));
                return;
            case YamlScalarKind.String when target == typeof(ResourceQuantity):
                json.WriteStringValue(Quantity(scalar.Text, path, text));
                return;
        }

        string hint = target == typeof(string) && scalar.Kind is YamlScalarKind.Bool or YamlScalarKind.Int or YamlScalarKind.Float
            ? "; quote it to make it a string, as Kubernetes requires"
            : "";
        throw Error(path, $"must be {Expected(target)}, not {scalar.Describe()} ({text.Where}){hint}");
    }

    /// <summary>
    /// Checks a quantity's grammar, and bounds it: at most 30 digits and an exponent of at most two digits.
    /// Kubernetes stores larger ones, but no resource needs them, and the KubernetesClient model's parser
    /// takes seconds on <c>1e99999</c>.
    /// </summary>
    private string Quantity(string quantity, string path, YamlText text)
    {
        Match match = QuantityPattern().Match(quantity);
        if (!match.Success)
        {
            throw Error(path, $"\"{quantity}\" is not a quantity such as 2, 0.5, 500m, 128Mi or 1e3 ({text.Where})");
        }

        if (match.Groups["digits"].Value.Replace(".", "", StringComparison.Ordinal).Length > 30 || match.Groups["exponent"].Length > 2)
        {
            throw Error(path, $"\"{quantity}\" is out of the range accepted here (at most 30 digits and an exponent of at most two digits) ({text.Where})");
        }

        return quantity;
    }

    /// <summary>
    /// An unquoted float used as a quantity. Kubernetes reads it as a 64-bit float and writes that as a
    /// JSON number before parsing the quantity, so <c>0.1</c> stays 0.1 but <c>0.30000000000000001</c>
    /// becomes 0.3 and 20 significant digits lose the last ones. The text is kept when its decimal value
    /// is exactly the value of the float's shortest round-trip form (then both read the same quantity);
    /// otherwise it is refused with a hint to quote it (a quoted quantity is read exactly).
    /// </summary>
    /// <param name="scalar">The float.</param>
    /// <param name="quantity">Its text, already checked by <see cref="Quantity"/> (so the float is finite).</param>
    /// <param name="path">The field, for the message.</param>
    /// <param name="text">The scalar, for the message.</param>
    private string FloatQuantity(YamlScalar scalar, string quantity, string path, YamlText text)
    {
        string shortest = scalar.Float.ToString("R", CultureInfo.InvariantCulture);
        if (!DecimalValue.TryParse(quantity, out DecimalValue written)
            || !DecimalValue.TryParse(shortest, out DecimalValue read) || written != read)
        {
            throw Error(path, $"the unquoted number {scalar.Text} is read by Kubernetes as the 64-bit float {shortest}, not exactly as written ({text.Where}); quote it to make it an exact quantity");
        }

        return quantity;
    }

    /// <summary>
    /// The name of a mapping key, joined to <paramref name="path"/>. sigs.k8s.io/yaml turns a plain key
    /// that YAML 1.1 resolves to a boolean, number or null into the string of its value (<c>on</c> and
    /// <c>y</c> become "true", <c>010</c> becomes "8", <c>1.0</c> becomes "1") or refuses it, so such a
    /// key is refused here unless its text already is that string (<c>true</c>, <c>80</c>): reading it
    /// verbatim would evaluate labels and selectors the cluster does not have.
    /// </summary>
    private string Key(YamlText key, string path)
    {
        string field = YamlTreeReader.Join(path, key.Value);
        YamlScalar scalar;
        try
        {
            scalar = YamlScalars.Resolve(key);
        }
        catch (FormatException ex)
        {
            throw Error(field, $"{ex.Message} ({key.Where})");
        }

        return YamlScalars.IsVerbatimKey(key.Value, scalar)
            ? field
            : throw Error(field, $"the unquoted key {key.Value} is {scalar.Describe()} in YAML 1.1, which Kubernetes does not read as the text \"{key.Value}\" ({key.Where}); quote it to make it a string");
    }

    /// <summary>A value whose model type is open (<c>object</c>): scalars resolved as YAML 1.1, structure kept.</summary>
    private void WriteUntyped(Utf8JsonWriter json, YamlValue node, string path)
    {
        switch (node)
        {
            case YamlMap map:
                json.WriteStartObject();
                foreach (var (key, value) in map.Entries)
                {
                    string field = Key(key, path);
                    json.WritePropertyName(key.Value);
                    WriteValue(json, value, typeof(object), field, allowNull: true);
                }

                json.WriteEndObject();
                break;
            case YamlList list:
                json.WriteStartArray();
                for (int i = 0; i < list.Items.Count; i++)
                {
                    WriteValue(json, list.Items[i], typeof(object), string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]"), allowNull: true);
                }

                json.WriteEndArray();
                break;
            case YamlText text:
                YamlScalar scalar = YamlScalars.Resolve(text);
                switch (scalar.Kind)
                {
                    case YamlScalarKind.Bool: json.WriteBooleanValue(scalar.Bool); break;
                    case YamlScalarKind.Int: json.WriteNumberValue(scalar.Int); break;
                    case YamlScalarKind.Float when double.IsFinite(scalar.Float): json.WriteNumberValue(scalar.Float); break;
                    case YamlScalarKind.Float: throw Error(path, $"{scalar.Text} has no JSON form ({text.Where})");
                    default: json.WriteStringValue(scalar.Text); break;
                }

                break;
        }
    }

    private static string Expected(Type target) =>
        target == typeof(string) ? "a string"
        : target == typeof(bool) ? "a boolean (true or false)"
        : target == typeof(int) || target == typeof(long) ? "an integer"
        : target == typeof(double) ? "a number"
        : target == typeof(IntOrString) ? "an integer or a string"
        : target == typeof(ResourceQuantity) ? "a quantity (a number or a string such as 500m or 2Gi)"
        : target == typeof(DateTime) || target == typeof(DateTimeOffset) ? "a date and time string"
        : target == typeof(byte[]) ? "a base64 string"
        : "a value";

    private ManifestException Mismatch(string path, string expected, YamlValue node) => Error(path, $"must be {expected}, not {node switch
    {
        YamlMap => "a mapping",
        YamlList => "a list",
        YamlText text => Describe(text),
        _ => "this",
    }} ({node.Where})");

    private static string Describe(YamlText text)
    {
        try
        {
            return YamlScalars.Resolve(text).Describe();
        }
        catch (FormatException)
        {
            return $"\"{text.Value}\"";
        }
    }

    private ManifestException Error(string path, string problem) => new(_source, _document, path, problem);

    /// <summary>"; did you mean "privileged"?" when a field name is within two edits of the unknown one (or differs only in case).</summary>
    private static string Suggest(string name, IEnumerable<string> known)
    {
        string? best = null;
        int bestDistance = 3;
        foreach (string candidate in known)
        {
            int distance = string.Equals(candidate, name, StringComparison.OrdinalIgnoreCase) ? 0 : Distance(name, candidate);
            if (distance < bestDistance)
            {
                (best, bestDistance) = (candidate, distance);
            }
        }

        return best is null ? "" : $"; did you mean \"{best}\"?";
    }

    /// <summary>Levenshtein distance (names are short).</summary>
    private static int Distance(string a, string b)
    {
        if (Math.Abs(a.Length - b.Length) > 2)
        {
            return int.MaxValue;
        }

        int[] previous = new int[b.Length + 1];
        int[] current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    /// <summary>
    /// An exact decimal value for comparing two number texts: sign, significant digits without leading or
    /// trailing zeros, and the power of ten of the last one (zero is ("", 0), unsigned). Linear in the text.
    /// </summary>
    private readonly record struct DecimalValue(bool Negative, string Digits, long Exponent)
    {
        /// <summary>Reads <c>[+-]?(digits[.digits]|.digits)([eE][+-]?digits)?</c>; false for anything else.</summary>
        public static bool TryParse(string text, out DecimalValue value)
        {
            value = default;
            ReadOnlySpan<char> s = text;
            bool negative = s.Length > 0 && s[0] == '-';
            if (s.Length > 0 && s[0] is '+' or '-')
            {
                s = s[1..];
            }

            int exponentAt = s.IndexOfAny('e', 'E');
            ReadOnlySpan<char> mantissa = exponentAt < 0 ? s : s[..exponentAt];
            long exponent = 0;
            if (exponentAt >= 0 && !long.TryParse(s[(exponentAt + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out exponent))
            {
                return false;
            }

            int point = mantissa.IndexOf('.');
            ReadOnlySpan<char> whole = point < 0 ? mantissa : mantissa[..point];
            ReadOnlySpan<char> fraction = point < 0 ? [] : mantissa[(point + 1)..];
            if ((whole.IsEmpty && fraction.IsEmpty) || whole.ContainsAnyExceptInRange('0', '9') || fraction.ContainsAnyExceptInRange('0', '9')
                || Math.Abs(exponent) > int.MaxValue)
            {
                return false;
            }

            string digits = string.Concat(whole, fraction).TrimStart('0');
            exponent -= fraction.Length;
            int significant = digits.TrimEnd('0').Length;
            exponent += digits.Length - significant;
            value = significant == 0 ? default : new DecimalValue(negative, digits[..significant], exponent);
            return true;
        }
    }

    /// <summary>Kubernetes' quantity grammar: a signed decimal, then a binary (Ki…Ei) or decimal (n u m k M G T P E) suffix or an exponent.</summary>
    [GeneratedRegex(@"^[+-]?(?<digits>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?0*(?<exponent>[0-9]+)|[KMGTPE]i|[numkMGTPE])?\z", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex QuantityPattern();

    /// <summary>RFC 3339 as the models' converter reads it (seconds, up to nanoseconds, Z or an offset).</summary>
    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?(?:Z|[+-][0-9]{2}:[0-9]{2})\z", RegexOptions.CultureInvariant)]
    private static partial Regex TimestampPattern();
}
