using System.Globalization;

namespace ContainerSec.Policy;

/// <summary>
/// A Pod Security Standards policy version: <c>v1.N</c> or <c>latest</c>. Checks are versioned as
/// upstream: evaluating at <c>v1.N</c> applies each check as it stood in Kubernetes 1.N; a version
/// newer than any this library knows is evaluated as <see cref="Latest"/>, as upstream does.
/// </summary>
public readonly struct PodSecurityVersion : IEquatable<PodSecurityVersion>, IComparable<PodSecurityVersion>
{
    private const int LatestMinor = int.MaxValue;

    private PodSecurityVersion(int minor) => Minor = minor;

    /// <summary>The newest policy version: every check at its newest definition.</summary>
    public static PodSecurityVersion Latest { get; } = new(LatestMinor);

    /// <summary>The newest <c>v1.N</c> whose checks this library implements (v1.37); newer versions evaluate like it.</summary>
    public static PodSecurityVersion NewestKnown { get; } = new(37);

    /// <summary>The minor version N of <c>v1.N</c>; <see cref="int.MaxValue"/> for <see cref="Latest"/>.</summary>
    public int Minor { get; }

    /// <summary>True for <see cref="Latest"/>.</summary>
    public bool IsLatest => Minor == LatestMinor;

    /// <summary>Creates <c>v1.<paramref name="minor"/></c>.</summary>
    /// <param name="minor">The minor version, 0 or more.</param>
    /// <returns>The version.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minor"/> is negative.</exception>
    public static PodSecurityVersion V1(int minor)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minor);
        return new(minor);
    }

    /// <summary>Parses <c>v1.N</c> (as in the <c>pod-security.kubernetes.io/enforce-version</c> label) or <c>latest</c>.</summary>
    /// <param name="text">The version text.</param>
    /// <returns>The version.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="text"/> is neither <c>latest</c> nor <c>v1.N</c>.</exception>
    public static PodSecurityVersion Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out PodSecurityVersion version)
            ? version
            : throw new ArgumentException($"Invalid Pod Security version '{text}': expected 'latest' or 'v1.N'.", nameof(text));
    }

    /// <summary>Parses <c>v1.N</c> or <c>latest</c>; false when <paramref name="text"/> is neither.</summary>
    /// <param name="text">The version text.</param>
    /// <param name="version">The version, when the text is valid.</param>
    /// <returns>Whether the text was a valid version.</returns>
    public static bool TryParse(string? text, out PodSecurityVersion version)
    {
        version = default;
        if (text == "latest")
        {
            version = Latest;
            return true;
        }

        if (text is null || !text.StartsWith("v1.", StringComparison.Ordinal) || text.Length < 4 || text.Length > 12
            || (text.Length > 4 && text[3] == '0')
            || !int.TryParse(text.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out int minor))
        {
            return false;
        }

        version = new(minor);
        return true;
    }

    /// <summary>True when this version is at least <c>v1.<paramref name="minor"/></c>.</summary>
    internal bool AtLeast(int minor) => Minor >= minor;

    /// <inheritdoc/>
    public bool Equals(PodSecurityVersion other) => Minor == other.Minor;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is PodSecurityVersion other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => Minor;

    /// <inheritdoc/>
    public int CompareTo(PodSecurityVersion other) => Minor.CompareTo(other.Minor);

    /// <summary><c>latest</c> or <c>v1.N</c>.</summary>
    /// <returns>The version text.</returns>
    public override string ToString() => IsLatest ? "latest" : string.Create(CultureInfo.InvariantCulture, $"v1.{Minor}");

    /// <summary>Equality.</summary>
    /// <param name="left">A version.</param>
    /// <param name="right">Another version.</param>
    /// <returns>Whether they are equal.</returns>
    public static bool operator ==(PodSecurityVersion left, PodSecurityVersion right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    /// <param name="left">A version.</param>
    /// <param name="right">Another version.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(PodSecurityVersion left, PodSecurityVersion right) => !left.Equals(right);

    /// <summary>Ordering.</summary>
    /// <param name="left">A version.</param>
    /// <param name="right">Another version.</param>
    /// <returns>Whether <paramref name="left"/> is older.</returns>
    public static bool operator <(PodSecurityVersion left, PodSecurityVersion right) => left.Minor < right.Minor;

    /// <summary>Ordering.</summary>
    /// <param name="left">A version.</param>
    /// <param name="right">Another version.</param>
    /// <returns>Whether <paramref name="left"/> is newer.</returns>
    public static bool operator >(PodSecurityVersion left, PodSecurityVersion right) => left.Minor > right.Minor;

    /// <summary>Ordering.</summary>
    /// <param name="left">A version.</param>
    /// <param name="right">Another version.</param>
    /// <returns>Whether <paramref name="left"/> is older or equal.</returns>
    public static bool operator <=(PodSecurityVersion left, PodSecurityVersion right) => left.Minor <= right.Minor;

    /// <summary>Ordering.</summary>
    /// <param name="left">A version.</param>
    /// <param name="right">Another version.</param>
    /// <returns>Whether <paramref name="left"/> is newer or equal.</returns>
    public static bool operator >=(PodSecurityVersion left, PodSecurityVersion right) => left.Minor >= right.Minor;
}
