using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ContainerSec.Kubernetes;

/// <summary>
/// The structural-check helpers shared by the manifest loaders: reading YAML with a size limit,
/// and reading fields of a YamlDotNet mapping so that unknown fields, wrong types and missing
/// required fields become a <see cref="ManifestException"/> naming the file, the document and the field path.
/// </summary>
internal static class ManifestYaml
{
    /// <summary>Reads a file as UTF-8, refusing it before reading when it is longer than <see cref="ManifestLoader.MaxFileBytes"/>.</summary>
    public static string ReadFile(string path)
    {
        long length = new FileInfo(path).Length;
        if (length > ManifestLoader.MaxFileBytes)
        {
            throw new ManifestException(path, -1, "", $"the file is {length} bytes; at most {ManifestLoader.MaxFileBytes} are read");
        }

        return File.ReadAllText(path, Encoding.UTF8);
    }

    /// <summary>Refuses text longer than <see cref="ManifestLoader.MaxFileBytes"/> characters.</summary>
    public static void CheckLength(string text, string source)
    {
        if (text.Length > ManifestLoader.MaxFileBytes)
        {
            throw new ManifestException(source, -1, "", $"the text is longer than {ManifestLoader.MaxFileBytes} characters");
        }
    }

    /// <summary>Parses YAML (or JSON) into documents; a syntax error names the line and column.</summary>
    public static YamlStream Parse(string text, string source)
    {
        // YamlStream recurses once per nesting level: a few hundred kilobytes of "[[[[" would overflow the
        // stack and end the process. The event-based reader refuses nesting deeper than 64 levels and alias
        // bombs first, so every loader built on this helper is protected.
        YamlTreeReader.Read(text, source);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw new ManifestException(source, -1, "", $"not valid YAML at line {ex.Start.Line}, column {ex.Start.Column}: {ex.Message}", ex);
        }

        return stream;
    }

    /// <summary>Whether a document is empty (<c>---</c> at the end of a file).</summary>
    public static bool IsEmptyDocument(YamlNode root) => root is YamlScalarNode { Value: null or "" or "~" or "null" };

    /// <summary>Refuses fields the object's kind does not have: a misspelt <c>subject:</c> would otherwise bind nobody, silently.</summary>
    public static void OnlyFields(YamlMappingNode node, Location at, string path, string[] allowed)
    {
        foreach (YamlNode key in node.Children.Keys)
        {
            string name = (key as YamlScalarNode)?.Value ?? "";
            if (Array.IndexOf(allowed, name) < 0)
            {
                throw at.Error(Join(path, name), $"unknown field (allowed: {string.Join(", ", allowed)})");
            }
        }
    }

    public static string Join(string path, string name) => path.Length == 0 ? name : name.Length == 0 ? path : $"{path}.{name}";

    public static YamlNode? Child(YamlMappingNode node, string name) =>
        node.Children.TryGetValue(new YamlScalarNode(name), out YamlNode? value) && !IsNull(value) ? value : null;

    public static bool IsNull(YamlNode node) => node is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" };

    public static string Scalar(YamlMappingNode node, string name, Location at, string path, bool required) => Child(node, name) switch
    {
        null when required => throw at.Error(Join(path, name), "is required"),
        null => "",
        YamlScalarNode scalar => scalar.Value ?? "",
        _ => throw at.Error(Join(path, name), "must be a string"),
    };

    public static YamlMappingNode? Mapping(YamlMappingNode node, string name, Location at, string path, bool required) => Child(node, name) switch
    {
        null when required => throw at.Error(Join(path, name), "is required"),
        null => null,
        YamlMappingNode mapping => mapping,
        _ => throw at.Error(Join(path, name), "must be a mapping"),
    };

    public static IEnumerable<YamlNode> Sequence(YamlMappingNode node, string name, Location at, string path) => Child(node, name) switch
    {
        null => [],
        YamlSequenceNode list => list.Children,
        _ => throw at.Error(Join(path, name), "must be a list"),
    };

    public static int Strings(YamlMappingNode node, string name, Location at, string path)
    {
        int i = 0;
        foreach (YamlNode value in Sequence(node, name, at, path))
        {
            if (value is not YamlScalarNode || IsNull(value))
            {
                throw at.Error($"{Join(path, name)}[{i}]", "must be a string");
            }

            i++;
        }

        return i;
    }

    /// <summary>Where in the input a field is: the source name and the 0-based document index.</summary>
    internal readonly record struct Location(string Source, int Document)
    {
        public ManifestException Error(string field, string problem, Exception? inner = null) => new(Source, Document, field, problem, inner);

        public override string ToString() => $"{Source}: document {Document}";
    }
}
