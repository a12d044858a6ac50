namespace ContainerSec.Policy;

/// <summary>
/// The repository patterns of the image rules (<see cref="ImagePolicy"/>, <see cref="ImageSignaturePolicy"/>),
/// matched against the normalised <c>registry/repository</c> (<see cref="ImageReference.Name"/>):
/// <c>*</c> matches within one path segment, a trailing <c>/**</c> matches any depth below,
/// anything else is literal.
/// </summary>
internal static class ImageRepositoryPattern
{
    /// <summary>Throws unless <paramref name="pattern"/> is non-empty and lower case (repositories are lower case, so it could never match).</summary>
    public static void Validate(string? pattern, string paramName)
    {
        ArgumentNullException.ThrowIfNull(pattern, paramName);
        if (pattern.Length == 0 || pattern.Any(char.IsUpper))
        {
            throw new ArgumentException($"Invalid repository pattern '{pattern}': it must be non-empty and lower case.", paramName);
        }
    }

    /// <summary>Whether <paramref name="name"/> (<c>registry/repository</c>) matches <paramref name="pattern"/>.</summary>
    public static bool Matches(string pattern, string name)
    {
        if (pattern.EndsWith("/**", StringComparison.Ordinal))
        {
            string prefix = pattern[..^3];
            int depth = prefix.Count(c => c == '/') + 1;
            string[] parts = name.Split('/');
            return parts.Length > depth && Matches(prefix, string.Join('/', parts[..depth]));
        }

        string[] patternParts = pattern.Split('/'), nameParts = name.Split('/');
        if (patternParts.Length != nameParts.Length)
        {
            return false;
        }

        for (int i = 0; i < patternParts.Length; i++)
        {
            if (!SegmentMatches(patternParts[i], nameParts[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Glob match of one segment, <c>*</c> = any run of characters. Iterative, returning only to the
    /// last <c>*</c> seen: O(pattern × text) at worst, where trying every split at every star (the
    /// obvious recursion) is exponential in the number of stars — and the image name is chosen by
    /// whoever submits the pod.
    /// </summary>
    private static bool SegmentMatches(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text)
    {
        int p = 0, t = 0, starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                starP = p++;
                starT = t;
            }
            else if (p < pattern.Length && pattern[p] == text[t])
            {
                p++;
                t++;
            }
            else if (starP >= 0)
            {
                p = starP + 1;
                t = ++starT;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
