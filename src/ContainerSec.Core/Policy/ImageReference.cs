using System.Text.RegularExpressions;

namespace ContainerSec.Policy;

/// <summary>
/// A container image reference, <c>[registry/]repository[:tag][@digest]</c>, normalised as the
/// Docker/OCI distribution grammar does: no registry means <c>docker.io</c>, and a one-component
/// Docker Hub repository gets <c>library/</c>.
/// </summary>
public sealed partial class ImageReference
{
    private const int MaxLength = 4096;

    private ImageReference(string registry, string repository, string? tag, string? digest)
    {
        Registry = registry;
        Repository = repository;
        Tag = tag;
        Digest = digest;
    }

    /// <summary>The registry host (and port), e.g. <c>docker.io</c>, <c>registry.example.com:5000</c>.</summary>
    public string Registry { get; }

    /// <summary>The repository path, e.g. <c>library/nginx</c>.</summary>
    public string Repository { get; }

    /// <summary>The tag, if any.</summary>
    public string? Tag { get; }

    /// <summary>The digest (<c>sha256:</c> + 64 hex or <c>sha512:</c> + 128 hex, lower case), if any.</summary>
    public string? Digest { get; }

    /// <summary><c>registry/repository</c>, the name policies match.</summary>
    public string Name => $"{Registry}/{Repository}";

    /// <summary>Parses a reference.</summary>
    /// <param name="reference">The image reference as written in a pod spec.</param>
    /// <returns>The parsed, normalised reference.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="reference"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The reference is empty, longer than 4096 characters, or not valid by the distribution grammar
    /// (upper-case repository, a registry that is not a host name with an optional port, bad tag, digest of an unknown algorithm or wrong length).</exception>
    public static ImageReference Parse(string reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        return TryParse(reference, out string? error) ?? throw new ArgumentException(error, nameof(reference));
    }

    /// <summary>Parses a reference; on failure returns null and says why.</summary>
    internal static ImageReference? TryParse(string reference, out string? error)
    {
        error = null;
        if (reference.Length is 0 or > MaxLength)
        {
            error = $"An image reference must have 1 to {MaxLength} characters.";
            return null;
        }

        Match match = Grammar().Match(reference);
        if (!match.Success)
        {
            error = $"'{reference}' is not a valid image reference.";
            return null;
        }

        string path = match.Groups["path"].Value;
        string registry = "docker.io";
        int slash = path.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0)
        {
            string first = path[..slash];
            if (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost")
            {
                registry = first;
                path = path[(slash + 1)..];
            }
        }

        if (!RegistryGrammar().IsMatch(registry))
        {
            error = $"'{reference}' has an invalid registry '{registry}' (host name components of letters, digits and '-', separated by '.', and an optional :port).";
            return null;
        }

        if (!RepositoryGrammar().IsMatch(path))
        {
            error = $"'{reference}' has an invalid repository '{path}' (lower-case letters, digits and separators only).";
            return null;
        }

        if (registry == "docker.io" && !path.Contains('/', StringComparison.Ordinal))
        {
            path = "library/" + path;
        }

        string? digest = match.Groups["digest"].Success ? match.Groups["digest"].Value : null;
        if (digest is not null && !DigestGrammar().IsMatch(digest))
        {
            error = $"'{reference}' has an invalid digest: expected sha256:<64 hex> or sha512:<128 hex>, lower case.";
            return null;
        }

        return new ImageReference(registry, path, match.Groups["tag"].Success ? match.Groups["tag"].Value : null, digest);
    }

    /// <inheritdoc/>
    public override string ToString() => Name + (Tag is null ? "" : ":" + Tag) + (Digest is null ? "" : "@" + Digest);

    [GeneratedRegex(@"^(?<path>[^:@]+(?::[0-9]+/[^:@]+)?)(?::(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?<digest>[A-Za-z0-9+._-]+:[A-Za-z0-9=_-]+))?\z", RegexOptions.CultureInvariant)]
    private static partial Regex Grammar();

    // The distribution grammar's domain: domain-component ('.' domain-component)* [':' port-number]; IPv6 literals are not accepted.
    [GeneratedRegex(@"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]{1,5})?\z", RegexOptions.CultureInvariant)]
    private static partial Regex RegistryGrammar();

    [GeneratedRegex(@"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*\z", RegexOptions.CultureInvariant)]
    private static partial Regex RepositoryGrammar();

    [GeneratedRegex(@"^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})\z", RegexOptions.CultureInvariant)]
    private static partial Regex DigestGrammar();
}
