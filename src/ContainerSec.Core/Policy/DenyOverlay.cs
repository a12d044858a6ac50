using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ContainerSec.Policy;

/// <summary>A policy document that is not valid: names the field (a JSON path such as <c>spec.rules[0].verbs</c>) and what is wrong.</summary>
public sealed class PolicyFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public PolicyFormatException()
        : this("", "the document is not valid")
    {
    }

    /// <summary>Creates the exception.</summary>
    public PolicyFormatException(string message)
        : this("", message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public PolicyFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        Field = "";
    }

    /// <summary>Creates the exception for <paramref name="field"/>.</summary>
    /// <param name="field">The JSON path of the offending field (empty for the whole document).</param>
    /// <param name="problem">What is wrong with it.</param>
    /// <param name="innerException">The parser's exception, if any.</param>
    public PolicyFormatException(string field, string problem, Exception? innerException = null)
        : base(field.Length == 0 ? problem : $"{field}: {problem}", innerException)
    {
        Field = field ?? "";
    }

    /// <summary>The JSON path of the offending field; empty when the whole document is at fault.</summary>
    public string Field { get; }
}

/// <summary>
/// A named set of <see cref="ForbidRule"/>s, read from a JSON document of kind <c>DenyOverlay</c>
/// (format in docs/policy.md). Parsing is strict: unknown fields, wrong types, unknown verbs of
/// the format (operators, days) and documents over <see cref="MaxDocumentBytes"/> are refused with
/// a <see cref="PolicyFormatException"/> naming the field, because a misspelt condition would
/// silently change what is forbidden.
/// </summary>
public sealed class DenyOverlay
{
    /// <summary>The <c>apiVersion</c> of the document.</summary>
    public const string ApiVersion = "policy.containersec.io/v1";

    /// <summary>The <c>kind</c> of the document.</summary>
    public const string Kind = "DenyOverlay";

    /// <summary>Documents larger than this are refused before they are parsed (4 MiB).</summary>
    public const int MaxDocumentBytes = 4 * 1024 * 1024;

    /// <summary>Creates an overlay.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="rules"/> holds a <see langword="null"/> entry.</exception>
    public DenyOverlay(string name, IEnumerable<ForbidRule> rules)
    {
        ArgumentNullException.ThrowIfNull(name);
        Name = name;
        Rules = RbacPolicy.CopyList(rules, nameof(rules));
    }

    /// <summary>The overlay's name (<c>metadata.name</c>).</summary>
    public string Name { get; }

    /// <summary>The rules, in document order.</summary>
    public ImmutableArray<ForbidRule> Rules { get; }

    /// <summary>Parses a <c>DenyOverlay</c> JSON document.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="json"/> is <see langword="null"/>.</exception>
    /// <exception cref="PolicyFormatException">The document is not valid JSON, too large, or not a valid overlay.</exception>
    public static DenyOverlay Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (json.Length > MaxDocumentBytes || Encoding.UTF8.GetByteCount(json) > MaxDocumentBytes)
        {
            throw new PolicyFormatException("", $"the document is larger than {MaxDocumentBytes} bytes");
        }

        return Parse(Encoding.UTF8.GetBytes(json));
    }

    /// <summary>Parses a <c>DenyOverlay</c> JSON document from UTF-8 bytes.</summary>
    /// <exception cref="PolicyFormatException">The document is not valid JSON, too large, or not a valid overlay.</exception>
    public static DenyOverlay Parse(ReadOnlySpan<byte> utf8Json)
    {
        if (utf8Json.Length > MaxDocumentBytes)
        {
            throw new PolicyFormatException("", $"the document is {utf8Json.Length} bytes; at most {MaxDocumentBytes} are read");
        }

        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = 32 });
        try
        {
            using JsonDocument document = JsonDocument.ParseValue(ref reader);
            return Read(document.RootElement);
        }
        catch (JsonException ex)
        {
            throw new PolicyFormatException("", $"not valid JSON ({ex.Message})", ex);
        }
    }

    private static DenyOverlay Read(JsonElement root)
    {
        var doc = new Fields(root, "", "apiVersion", "kind", "metadata", "spec");
        if (doc.Text("apiVersion") != ApiVersion)
        {
            throw new PolicyFormatException("apiVersion", $"must be \"{ApiVersion}\"");
        }

        if (doc.Text("kind") != Kind)
        {
            throw new PolicyFormatException("kind", $"must be \"{Kind}\"");
        }

        var metadata = new Fields(doc.Required("metadata"), "metadata", "name", "labels", "annotations");
        string name = metadata.Text("name");
        if (name.Length == 0)
        {
            throw new PolicyFormatException("metadata.name", "is required");
        }

        var spec = new Fields(doc.Required("spec"), "spec", "rules");
        var rules = new List<ForbidRule>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int i = 0;
        foreach (JsonElement rule in spec.List("rules"))
        {
            string path = $"spec.rules[{i++}]";
            ForbidRule parsed = ReadRule(rule, path);
            if (!seen.Add(parsed.Name))
            {
                throw new PolicyFormatException($"{path}.name", $"\"{parsed.Name}\" is used twice");
            }

            rules.Add(parsed);
        }

        return new DenyOverlay(name, rules);
    }

    private static ForbidRule ReadRule(JsonElement element, string path)
    {
        var rule = new Fields(element, path, "name", "description", "subjects", "verbs", "apiGroups", "resources", "namespaces", "names", "nonResourceURLs", "objectLabels", "namespaceLabels", "timeWindow");
        string name = rule.Text("name");
        if (name.Length == 0)
        {
            throw new PolicyFormatException($"{path}.name", "is required");
        }

        ForbidSubjects? subjects = null;
        if (rule.Optional("subjects") is { } s)
        {
            var f = new Fields(s, $"{path}.subjects", "users", "groups", "serviceAccountNamespaces", "exceptUsers", "exceptGroups", "exceptServiceAccountNamespaces");
            subjects = new ForbidSubjects(f.Strings("users"), f.Strings("groups"), f.Strings("serviceAccountNamespaces"), f.Strings("exceptUsers"), f.Strings("exceptGroups"), f.Strings("exceptServiceAccountNamespaces"));
        }

        List<string> resources = rule.Strings("resources"), urls = rule.Strings("nonResourceURLs");
        if (resources.Count > 0 && urls.Count > 0)
        {
            throw new PolicyFormatException($"{path}.nonResourceURLs", "a rule names resources or non-resource URLs, not both");
        }

        return new ForbidRule(
            name,
            subjects,
            rule.Strings("verbs"),
            rule.Strings("apiGroups"),
            resources,
            rule.Strings("namespaces"),
            rule.Strings("names"),
            urls,
            rule.Optional("objectLabels") is { } o ? ReadSelector(o, $"{path}.objectLabels") : null,
            rule.Optional("namespaceLabels") is { } n ? ReadSelector(n, $"{path}.namespaceLabels") : null,
            rule.Optional("timeWindow") is { } t ? ReadWindow(t, $"{path}.timeWindow") : null,
            rule.Text("description"));
    }

    /// <summary>Reads a Kubernetes label selector (<c>matchLabels</c>, <c>matchExpressions</c>).</summary>
    internal static LabelSelector ReadSelector(JsonElement element, string path)
    {
        var selector = new Fields(element, path, "matchLabels", "matchExpressions");
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (selector.Optional("matchLabels") is { } map)
        {
            if (map.ValueKind != JsonValueKind.Object)
            {
                throw new PolicyFormatException($"{path}.matchLabels", "must be an object of strings");
            }

            foreach (JsonProperty label in map.EnumerateObject())
            {
                labels[label.Name] = label.Value.ValueKind == JsonValueKind.String
                    ? label.Value.GetString()!
                    : throw new PolicyFormatException($"{path}.matchLabels.{label.Name}", "must be a string");
            }
        }

        var expressions = new List<LabelSelectorRequirement>();
        int i = 0;
        foreach (JsonElement e in selector.List("matchExpressions"))
        {
            string at = $"{path}.matchExpressions[{i++}]";
            var x = new Fields(e, at, "key", "operator", "values");
            string op = x.Text("operator");
            LabelSelectorOperator parsed = op switch
            {
                "In" => LabelSelectorOperator.In,
                "NotIn" => LabelSelectorOperator.NotIn,
                "Exists" => LabelSelectorOperator.Exists,
                "DoesNotExist" => LabelSelectorOperator.DoesNotExist,
                _ => throw new PolicyFormatException($"{at}.operator", $"\"{op}\" is not In, NotIn, Exists or DoesNotExist"),
            };
            try
            {
                expressions.Add(new LabelSelectorRequirement(x.Text("key"), parsed, x.Strings("values")));
            }
            catch (ArgumentException ex)
            {
                throw new PolicyFormatException($"{at}.values", ex.Message.Split(" (Parameter", 2)[0], ex);
            }
        }

        return new LabelSelector(labels, expressions);
    }

    private static ForbidTimeWindow ReadWindow(JsonElement element, string path)
    {
        var w = new Fields(element, path, "notBefore", "notAfter", "dailyFrom", "dailyTo", "daysOfWeek");
        DateTimeOffset? Instant(string field) => w.Text(field) is { Length: > 0 } text
            ? DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value) && text.Contains('T', StringComparison.Ordinal)
                ? value
                : throw new PolicyFormatException($"{path}.{field}", $"\"{text}\" is not an RFC 3339 date-time")
            : null;
        TimeOnly? Clock(string field) => w.Text(field) is { Length: > 0 } text
            ? TimeOnly.TryParseExact(text, ["HH:mm", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var value)
                ? value
                : throw new PolicyFormatException($"{path}.{field}", $"\"{text}\" is not a UTC time of day HH:mm")
            : null;

        var days = new List<DayOfWeek>();
        int i = 0;
        foreach (string day in w.Strings("daysOfWeek"))
        {
            days.Add(Enum.TryParse(day, ignoreCase: false, out DayOfWeek d) && Enum.IsDefined(d) && !char.IsDigit(day[0])
                ? d
                : throw new PolicyFormatException($"{path}.daysOfWeek[{i}]", $"\"{day}\" is not a day name (Monday … Sunday)"));
            i++;
        }

        try
        {
            return new ForbidTimeWindow(Instant("notBefore"), Instant("notAfter"), Clock("dailyFrom"), Clock("dailyTo"), days);
        }
        catch (ArgumentException ex)
        {
            throw new PolicyFormatException(path, ex.Message.Split(" (Parameter", 2)[0], ex);
        }
    }

    /// <summary>An object's fields with strict checking: unknown names and wrong types are refused with their path.</summary>
    private readonly struct Fields
    {
        private readonly JsonElement _element;
        private readonly string _path;

        public Fields(JsonElement element, string path, params string[] allowed)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw new PolicyFormatException(path, "must be an object");
            }

            foreach (JsonProperty property in element.EnumerateObject())
            {
                if (Array.IndexOf(allowed, property.Name) < 0)
                {
                    throw new PolicyFormatException(Join(path, property.Name), $"unknown field (allowed: {string.Join(", ", allowed)})");
                }
            }

            _element = element;
            _path = path;
        }

        public JsonElement? Optional(string name) =>
            _element.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null ? value : null;

        public JsonElement Required(string name) => Optional(name) ?? throw new PolicyFormatException(Join(_path, name), "is required");

        public string Text(string name) => Optional(name) switch
        {
            null => "",
            { ValueKind: JsonValueKind.String } value => value.GetString()!,
            _ => throw new PolicyFormatException(Join(_path, name), "must be a string"),
        };

        public List<JsonElement> List(string name) => Optional(name) switch
        {
            null => [],
            { ValueKind: JsonValueKind.Array } value => value.EnumerateArray().ToList(),
            _ => throw new PolicyFormatException(Join(_path, name), "must be a list"),
        };

        public List<string> Strings(string name)
        {
            var values = new List<string>();
            int i = 0;
            foreach (JsonElement value in List(name))
            {
                values.Add(value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new PolicyFormatException($"{Join(_path, name)}[{i}]", "must be a string"));
                i++;
            }

            return values;
        }

        private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";
    }
}
