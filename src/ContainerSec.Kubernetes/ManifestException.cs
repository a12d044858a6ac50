namespace ContainerSec.Kubernetes;

/// <summary>
/// A manifest that cannot be loaded: names the file, the document (0-based index in the file, and
/// the item index inside a <c>List</c>) and the field (a path such as <c>items[3].roleRef.kind</c>).
/// </summary>
public sealed class ManifestException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public ManifestException()
        : this("", -1, "", "the manifest is not valid")
    {
    }

    /// <summary>Creates the exception.</summary>
    public ManifestException(string message)
        : this("", -1, "", message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public ManifestException(string message, Exception innerException)
        : this("", -1, "", message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="source">The file (or the name given for a string).</param>
    /// <param name="documentIndex">The 0-based YAML document index, or -1 when the file could not be split into documents.</param>
    /// <param name="field">The path of the offending field inside the document; empty for the whole document.</param>
    /// <param name="problem">What is wrong.</param>
    /// <param name="innerException">The parser's exception, if any.</param>
    public ManifestException(string source, int documentIndex, string field, string problem, Exception? innerException = null)
        : base(Format(source, documentIndex, field, problem), innerException)
    {
        Source = source ?? "";
        DocumentIndex = documentIndex;
        Field = field ?? "";
        Problem = problem ?? "";
    }

    /// <summary>The file or source name.</summary>
    public new string Source { get; }

    /// <summary>The 0-based document index in the file, or -1.</summary>
    public int DocumentIndex { get; }

    /// <summary>The path of the offending field; empty for the whole document.</summary>
    public string Field { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }

    private static string Format(string source, int documentIndex, string field, string problem)
    {
        string where = documentIndex >= 0 ? $"{source}: document {documentIndex}" : source;
        return field.Length > 0 ? $"{where}: {field}: {problem}" : $"{where}: {problem}";
    }
}
