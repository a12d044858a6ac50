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

    private static bool SegmentMatches(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text)
    {
        int star = pattern.IndexOf('*');
        if (star < 0)
        {
            return pattern.SequenceEqual(text);
        }

        if (!text.StartsWith(pattern[..star]))
        {
            return false;
        }

        ReadOnlySpan<char> rest = pattern[(star + 1)..];
        for (int i = star; i <= text.Length; i++)
        {
            if (SegmentMatches(rest, text[i..]))
            {
                return true;
            }
        }

        return false;
    }
}
