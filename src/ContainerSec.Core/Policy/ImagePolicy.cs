namespace ContainerSec.Policy;

/// <summary>
/// Which images may run: allowed repositories by pattern, and digest pinning. Patterns are matched
/// against the normalised <c>registry/repository</c> (<see cref="ImageReference.Name"/>): <c>*</c>
/// matches within one path segment, a trailing <c>/**</c> matches any depth below, anything else is
/// literal. An empty pattern list allows no repository.
/// </summary>
public sealed class ImagePolicy
{
    private readonly string[] _patterns;

    /// <summary>Creates the policy.</summary>
    /// <param name="allowedRepositories">Patterns such as <c>registry.example.com/team/*</c> or <c>ghcr.io/org/**</c>.</param>
    /// <param name="requireDigest">When true (the default), a reference without a digest (tag only, or <c>:latest</c>) is refused.</param>
    /// <exception cref="ArgumentNullException"><paramref name="allowedRepositories"/> or an item is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A pattern is empty or contains upper-case letters (repositories are lower case, so it could never match).</exception>
    public ImagePolicy(IEnumerable<string> allowedRepositories, bool requireDigest = true)
    {
        ArgumentNullException.ThrowIfNull(allowedRepositories);
        _patterns = [.. allowedRepositories];
        foreach (string pattern in _patterns)
        {
            ImageRepositoryPattern.Validate(pattern, nameof(allowedRepositories));
        }

        RequireDigest = requireDigest;
    }

    /// <summary>Whether a digest is required.</summary>
    public bool RequireDigest { get; }

    /// <summary>Decides whether <paramref name="image"/> may run.</summary>
    /// <param name="image">The image reference as written in the pod spec.</param>
    /// <returns>Allowed, or the reasons it is refused (a malformed reference is refused with its parse error, not thrown).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> is <see langword="null"/>.</exception>
    public ImagePolicyResult Evaluate(string image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (ImageReference.TryParse(image, out string? error) is not { } reference)
        {
            return new ImagePolicyResult(image, [error!]);
        }

        var reasons = new List<string>();
        if (!_patterns.Any(p => ImageRepositoryPattern.Matches(p, reference.Name)))
        {
            reasons.Add($"repository '{reference.Name}' is not in the allowed repositories");
        }

        if (RequireDigest && reference.Digest is null)
        {
            reasons.Add(reference.Tag is null or "latest"
                ? $"image '{image}' is not pinned by digest (it resolves to ':latest')"
                : $"image '{image}' is pinned by tag only; a digest (@sha256:…) is required");
        }

        return new ImagePolicyResult(image, reasons);
    }
}

/// <summary>The decision of an <see cref="ImagePolicy"/>.</summary>
public sealed class ImagePolicyResult
{
    internal ImagePolicyResult(string image, IReadOnlyList<string> reasons)
    {
        Image = image;
        Reasons = reasons;
    }

    /// <summary>The image as given.</summary>
    public string Image { get; }

    /// <summary>True when no reason refuses the image.</summary>
    public bool Allowed => Reasons.Count == 0;

    /// <summary>Why the image is refused (empty when allowed).</summary>
    public IReadOnlyList<string> Reasons { get; }

    /// <inheritdoc/>
    public override string ToString() => Allowed ? $"{Image}: allowed" : $"{Image}: refused: {string.Join("; ", Reasons)}";
}
