using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace ContainerSec.Kubernetes;

/// <summary>A YAML node as parsed, before any typing: scalars keep their text, style and tag.</summary>
internal abstract class YamlValue(Mark start)
{
    public Mark Start { get; } = start;

    /// <summary>The number of nodes this node stands for with every alias below it expanded (saturates at 2^60).</summary>
    public long ExpandedSize { get; set; } = 1;

    /// <summary>"line L, column C" for messages.</summary>
    public string Where => string.Create(CultureInfo.InvariantCulture, $"line {Start.Line}, column {Start.Column}");
}

internal sealed class YamlText(Mark start, string value, ScalarStyle style, TagName tag) : YamlValue(start)
{
    public string Value { get; } = value;

    public ScalarStyle Style { get; } = style;

    public TagName Tag { get; } = tag;

    /// <summary>True for a plain scalar without a tag: its type is resolved from its text.</summary>
    public bool IsPlain => Style == ScalarStyle.Plain && Tag.IsEmpty;

    /// <summary>True for the empty document and for plain <c>null</c>, <c>~</c> or an empty value.</summary>
    public bool IsNull => (IsPlain || (!Tag.IsEmpty && !Tag.IsNonSpecific && Tag.Value == "tag:yaml.org,2002:null")) && Value is "" or "~" or "null" or "Null" or "NULL";
}

internal sealed class YamlList(Mark start) : YamlValue(start)
{
    public List<YamlValue> Items { get; } = [];
}

internal sealed class YamlMap(Mark start) : YamlValue(start)
{
    public List<(YamlText Key, YamlValue Value)> Entries { get; } = [];

    public YamlValue? Get(string key)
    {
        foreach (var (k, v) in Entries)
        {
            if (k.Value == key)
            {
                return v;
            }
        }

        return null;
    }
}

/// <summary>One document of a stream: its 0-based index and root (null for an empty document).</summary>
internal readonly record struct YamlDocument(int Index, YamlValue? Root);

/// <summary>
/// Reads a YAML stream into <see cref="YamlValue"/> trees from YamlDotNet's event parser, without
/// recursion (YamlDotNet's representation model recurses per nesting level and overflows the stack
/// on a few hundred kilobytes of <c>[[[[…</c>). Refuses, with the path: nesting deeper than
/// <see cref="MaxDepth"/>, duplicate keys, keys that are not scalars, aliases to unknown anchors.
/// Aliases share the anchored node, so their expansion is bounded twice: a document whose aliases expand
/// it to more than twice its own nodes plus 10,000 is refused (a "billion laughs" document is refused, not
/// expanded), and so is a stream whose documents together expand to more than
/// <see cref="MaxExpansionPerCharacter"/> nodes per character of its text plus 10,000 (without it, many
/// small documents could each use the 10,000 allowance). Both are checked at the end of each document,
/// before anything is expanded; a large plain document grants no allowance to the others. Duplicate keys
/// are found with a hash set per open mapping (linear in the keys).
/// </summary>
internal sealed class YamlTreeReader
{
    /// <summary>Mappings and sequences nested deeper than this are refused.</summary>
    public const int MaxDepth = 64;

    /// <summary>The nodes all documents of a stream may expand to, per character of its text (plus 10,000).</summary>
    public const int MaxExpansionPerCharacter = 1;

    /// <summary>The expansion every document (and the stream once) may have beyond the proportional bounds.</summary>
    private const long ExpansionAllowance = 10_000;

    private readonly string _source;

    private YamlTreeReader(string source) => _source = source;

    /// <summary>The number of nodes of the current document read so far (aliases counted once).</summary>
    private long DocumentNodes { get; set; }

    /// <summary>Parses every document of <paramref name="text"/>.</summary>
    /// <exception cref="ManifestException">The text is not YAML or breaks a limit above.</exception>
    public static List<YamlDocument> Read(string text, string source) => new YamlTreeReader(source).ReadAll(text);

    private List<YamlDocument> ReadAll(string text)
    {
        var documents = new List<YamlDocument>();
        var parser = new Parser(new StringReader(text));
        var frames = new List<Frame>();
        var anchors = new Dictionary<string, YamlValue>(StringComparer.Ordinal);
        YamlValue? root = null;
        int document = 0;
        long streamBudget = ((long)MaxExpansionPerCharacter * text.Length) + ExpansionAllowance;
        long streamExpanded = 0;
        while (MoveNext(parser, document))
        {
            ParsingEvent e = parser.Current!;
            switch (e)
            {
                case DocumentStart:
                    root = null;
                    anchors.Clear();
                    DocumentNodes = 0;
                    break;
                case DocumentEnd:
                    if (root is not null && root.ExpandedSize > (2 * DocumentNodes) + ExpansionAllowance)
                    {
                        throw new ManifestException(_source, document, "", string.Create(CultureInfo.InvariantCulture,
                            $"the document expands (through YAML aliases) to {root.ExpandedSize} nodes; at most twice its {DocumentNodes} nodes plus 10,000 are allowed"));
                    }

                    streamExpanded += root?.ExpandedSize ?? 0;
                    if (streamExpanded > streamBudget)
                    {
                        throw new ManifestException(_source, document, "", string.Create(CultureInfo.InvariantCulture,
                            $"the documents up to this one expand (through YAML aliases) to {streamExpanded} nodes; at most {MaxExpansionPerCharacter} per character of the text ({text.Length}) plus 10,000 are allowed"));
                    }

                    documents.Add(new YamlDocument(document++, root));
                    break;
                case Scalar scalar:
                    Complete(new YamlText(scalar.Start, scalar.Value, scalar.Style, scalar.Tag), scalar.Anchor, frames, anchors, ref root, document);
                    break;
                case AnchorAlias alias:
                    YamlValue target = anchors.TryGetValue(alias.Value.Value, out YamlValue? found)
                        ? found
                        : throw Error(document, frames, $"the alias *{alias.Value.Value} refers to no anchor defined before it (line {alias.Start.Line})");
                    Complete(target, AnchorName.Empty, frames, anchors, ref root, document, counted: false);
                    break;
                case SequenceStart start:
                    Open(new YamlList(start.Start), start.Anchor, start.Tag, frames, document);
                    break;
                case MappingStart start:
                    Open(new YamlMap(start.Start), start.Anchor, start.Tag, frames, document);
                    break;
                case SequenceEnd or MappingEnd:
                    Frame done = frames[^1];
                    frames.RemoveAt(frames.Count - 1);
                    done.Node.ExpandedSize = Expanded(done.Node);
                    Complete(done.Node, done.Anchor, frames, anchors, ref root, document);
                    break;
            }
        }

        return documents;
    }

    private bool MoveNext(Parser parser, int document)
    {
        try
        {
            return parser.MoveNext();
        }
        catch (YamlException ex)
        {
            throw new ManifestException(_source, document, "", string.Create(CultureInfo.InvariantCulture,
                $"not valid YAML at line {ex.Start.Line}, column {ex.Start.Column}: {ex.Message}"), ex);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet's parser reports some malformed streams this way (a tag that is not a URI, a broken state).
            Mark at = parser.Current?.End ?? Mark.Empty;
            throw new ManifestException(_source, document, "", string.Create(CultureInfo.InvariantCulture,
                $"not valid YAML after line {at.Line}, column {at.Column}"), ex);
        }
    }

    private void Open(YamlValue node, AnchorName anchor, TagName tag, List<Frame> frames, int document)
    {
        if (!tag.IsEmpty && !tag.IsNonSpecific && tag.Value is not ("tag:yaml.org,2002:map" or "tag:yaml.org,2002:seq"))
        {
            throw Error(document, frames, $"the tag {tag.Value} is not supported (line {node.Start.Line})");
        }

        if (frames.Count >= MaxDepth)
        {
            throw Error(document, frames, $"nesting deeper than {MaxDepth} levels (line {node.Start.Line})");
        }

        frames.Add(new Frame(node, anchor) { Keys = node is YamlMap ? new HashSet<string>(StringComparer.Ordinal) : null });
    }

    private void Complete(YamlValue node, AnchorName anchor, List<Frame> frames, Dictionary<string, YamlValue> anchors, ref YamlValue? root, int document, bool counted = true)
    {
        if (counted)
        {
            DocumentNodes++;
        }

        if (!anchor.IsEmpty)
        {
            anchors[anchor.Value] = node;
        }

        if (frames.Count == 0)
        {
            root = node;
            return;
        }

        Frame parent = frames[^1];
        switch (parent.Node)
        {
            case YamlList list:
                list.Items.Add(node);
                break;
            case YamlMap map when parent.PendingKey is null:
                if (node is not YamlText key)
                {
                    throw Error(document, frames, $"a key must be a string, not a {(node is YamlMap ? "mapping" : "list")} (line {node.Start.Line})");
                }

                if (!parent.Keys!.Add(key.Value))
                {
                    throw new ManifestException(_source, document, Join(Path(frames), key.Value), $"duplicate key (line {key.Start.Line}, column {key.Start.Column})");
                }

                parent.PendingKey = key;
                break;
            case YamlMap map:
                map.Entries.Add((parent.PendingKey, node));
                parent.PendingKey = null;
                break;
        }
    }

    private static long Expanded(YamlValue node)
    {
        const long Saturated = 1L << 60;
        long size = 1;
        if (node is YamlList list)
        {
            foreach (YamlValue item in list.Items)
            {
                size = Math.Min(Saturated, size + item.ExpandedSize);
            }
        }
        else if (node is YamlMap map)
        {
            foreach (var (_, value) in map.Entries)
            {
                size = Math.Min(Saturated, size + 1 + value.ExpandedSize);
            }
        }

        return size;
    }

    private ManifestException Error(int document, List<Frame> frames, string problem) => new(_source, document, Path(frames), problem);

    /// <summary>The path of the node being built: keys and indices of the open containers.</summary>
    private static string Path(List<Frame> frames)
    {
        string path = "";
        foreach (Frame frame in frames)
        {
            path = frame.Node switch
            {
                YamlList list => string.Create(CultureInfo.InvariantCulture, $"{path}[{list.Items.Count}]"),
                _ when frame.PendingKey is { } key => Join(path, key.Value),
                _ => path,
            };
        }

        return path;
    }

    internal static string Join(string path, string name) => path.Length == 0 ? name : name.Length == 0 ? path : $"{path}.{name}";

    private sealed class Frame(YamlValue node, AnchorName anchor)
    {
        public YamlValue Node { get; } = node;

        public AnchorName Anchor { get; } = anchor;

        public YamlText? PendingKey { get; set; }

        /// <summary>The keys of an open mapping so far, to find a duplicate in constant time.</summary>
        public HashSet<string>? Keys { get; init; }
    }
}
