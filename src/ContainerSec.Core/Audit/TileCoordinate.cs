using System.Globalization;
using System.Text;

namespace ContainerSec.Audit;

/// <summary>
/// The address of one c2sp.org/tlog-tiles resource: a Merkle hash tile <c>tile/&lt;L&gt;/&lt;N&gt;[.p/&lt;W&gt;]</c>
/// or an entry bundle <c>tile/entries/&lt;N&gt;[.p/&lt;W&gt;]</c>.
/// </summary>
/// <remarks>
/// <para><c>&lt;N&gt;</c> is written as zero-padded three-digit path elements, all but the last
/// prefixed with <c>x</c>: index 1234067 is <c>x001/x234/067</c>. <c>.p/&lt;W&gt;</c> marks a partial
/// tile of width 1–255; a full tile is 256 hashes (8,192 bytes) or 256 entries wide.</para>
/// <para>Hash tile <c>n</c> at level <c>l</c> holds, for i in 0..255, the Merkle Tree Hash of
/// entries <c>[(n·256 + i)·256^l, (n·256 + i + 1)·256^l)</c>: leaf hashes at level 0, roots of full
/// tiles of the level below above it. An entry bundle holds the entries of the level-0 tile with
/// the same index, each prefixed by its length as a big-endian 16-bit integer.</para>
/// <para><see cref="TryParse"/> accepts only the canonical form (no leading zeros in the level or
/// width, no leading <c>x000</c> element, three digits per element), so a path and a coordinate
/// correspond one to one.</para>
/// </remarks>
public readonly record struct TileCoordinate
{
    /// <summary>The width of a full tile: 256 hashes or entries.</summary>
    public const int FullWidth = 256;

    /// <summary>The highest tile level a 64-bit tree can have (256^8 = 2^64).</summary>
    public const int MaxLevel = 7;

    /// <summary>The path of the signed checkpoint, <c>checkpoint</c>.</summary>
    public const string CheckpointPath = "checkpoint";

    private TileCoordinate(int level, ulong index, int width, bool isEntryBundle)
    {
        Level = level;
        Index = index;
        Width = width;
        IsEntryBundle = isEntryBundle;
    }

    /// <summary>The tile level (0 for leaf hashes and for entry bundles).</summary>
    public int Level { get; }

    /// <summary>The index of the tile within its level.</summary>
    public ulong Index { get; }

    /// <summary>The number of hashes or entries, 1 to 256 (<see cref="FullWidth"/>).</summary>
    public int Width { get; }

    /// <summary>Whether this is an entry bundle rather than a hash tile.</summary>
    public bool IsEntryBundle { get; }

    /// <summary>Whether the tile is partial (narrower than <see cref="FullWidth"/>).</summary>
    public bool IsPartial => Width < FullWidth;

    /// <summary>The coordinate of the full tile (or bundle) with the same level and index.</summary>
    public TileCoordinate Full => new(Level, Index, FullWidth, IsEntryBundle);

    /// <summary>The address of a hash tile.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="level"/> is not in 0..<see cref="MaxLevel"/>, or <paramref name="width"/> is not in 1..256.</exception>
    public static TileCoordinate HashTile(int level, ulong index, int width = FullWidth)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(level);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(level, MaxLevel);
        CheckWidth(width);
        return new TileCoordinate(level, index, width, isEntryBundle: false);
    }

    /// <summary>The address of an entry bundle.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="width"/> is not in 1..256.</exception>
    public static TileCoordinate EntryBundle(ulong index, int width = FullWidth)
    {
        CheckWidth(width);
        return new TileCoordinate(0, index, width, isEntryBundle: true);
    }

    /// <summary>The resource path, for example <c>tile/1/x001/234.p/5</c> or <c>tile/entries/067</c>.</summary>
    /// <exception cref="InvalidOperationException">The coordinate is <see langword="default"/> (width 0), not one made by <see cref="HashTile"/>, <see cref="EntryBundle"/> or <see cref="TryParse"/>.</exception>
    public string Path
    {
        get
        {
            if (Width == 0)
            {
                throw new InvalidOperationException("A default TileCoordinate addresses no tile; use HashTile, EntryBundle or TryParse.");
            }

            var path = new StringBuilder(32).Append("tile/");
            if (IsEntryBundle)
            {
                path.Append("entries/");
            }
            else
            {
                path.Append(Level.ToString(CultureInfo.InvariantCulture)).Append('/');
            }

            AppendIndex(path, Index);
            if (IsPartial)
            {
                path.Append(".p/").Append(Width.ToString(CultureInfo.InvariantCulture));
            }

            return path.ToString();
        }
    }

    /// <summary>Parses a canonical tile or entry bundle path.</summary>
    /// <param name="path">The path, for example <c>tile/0/x001/x234/067.p/8</c>.</param>
    /// <param name="coordinate">The address, or <see langword="default"/> when the result is <see langword="false"/>.</param>
    /// <returns><see langword="false"/> for anything but a canonical tile path (including <c>checkpoint</c>).</returns>
    public static bool TryParse(string? path, out TileCoordinate coordinate)
    {
        coordinate = default;
        if (path is null || path.Length > 128 || !path.StartsWith("tile/", StringComparison.Ordinal))
        {
            return false;
        }

        string[] parts = path[5..].Split('/');
        if (parts.Length < 2)
        {
            return false;
        }

        bool bundle = parts[0] == "entries";
        int level = 0;
        if (!bundle && !TryParseSmall(parts[0], 0, MaxLevel, out level))
        {
            return false;
        }

        int width = FullWidth;
        int last = parts.Length - 1;
        if (parts.Length >= 3 && parts[^2].EndsWith(".p", StringComparison.Ordinal))
        {
            if (!TryParseSmall(parts[^1], 1, FullWidth - 1, out width))
            {
                return false;
            }

            parts[^2] = parts[^2][..^2];
            last = parts.Length - 2;
        }

        // parts[1..last] are the index elements: x### ... ###.
        ulong index = 0;
        for (int i = 1; i <= last; i++)
        {
            string element = parts[i];
            bool isLast = i == last;
            int digits = isLast ? 0 : 1;
            if (element.Length != digits + 3 || (!isLast && element[0] != 'x')
                || element.AsSpan(digits).ContainsAnyExceptInRange('0', '9'))
            {
                return false;
            }

            uint group = (uint)(((element[digits] - '0') * 100) + ((element[digits + 1] - '0') * 10) + (element[digits + 2] - '0'));
            if (i == 1 && !isLast && group == 0)
            {
                return false; // x000 in front is not canonical
            }

            if (index > (ulong.MaxValue - group) / 1000)
            {
                return false;
            }

            index = (index * 1000) + group;
        }

        coordinate = new TileCoordinate(level, index, width, bundle);
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => Width == 0 ? "TileCoordinate(default)" : Path;

    private static void AppendIndex(StringBuilder path, ulong index)
    {
        Span<uint> groups = stackalloc uint[7];
        int count = 0;
        do
        {
            groups[count++] = (uint)(index % 1000);
            index /= 1000;
        }
        while (index > 0);

        for (int i = count - 1; i >= 0; i--)
        {
            if (i > 0)
            {
                path.Append('x');
            }

            path.Append(groups[i].ToString("D3", CultureInfo.InvariantCulture));
            if (i > 0)
            {
                path.Append('/');
            }
        }
    }

    private static bool TryParseSmall(string text, int min, int max, out int value)
    {
        value = 0;
        if (text.Length is 0 or > 3 || (text.Length > 1 && text[0] == '0') || text.AsSpan().ContainsAnyExceptInRange('0', '9'))
        {
            return false;
        }

        value = int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        return value >= min && value <= max;
    }

    private static void CheckWidth(int width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, FullWidth);
    }
}
