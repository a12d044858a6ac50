using ContainerSec.Audit;
using ContainerSec.Tests.Cryptography;
using FsCheck;
using FsCheck.Fluent;

namespace ContainerSec.Tests.Audit;

/// <summary>
/// <see cref="TileCoordinate"/> against c2sp.org/tlog-tiles: the spec's index example, the index
/// encodings of golang.org/x/mod/sumdb/tlog's tile tests (without its height element, which
/// tlog-tiles dropped), canonical-only parsing and a round-trip property.
/// </summary>
public sealed class TileCoordinateTests
{
    [Theory]
    [InlineData(0UL, "000")]
    [InlineData(1UL, "001")]
    [InlineData(999UL, "999")]
    [InlineData(1000UL, "x001/000")]
    [InlineData(1234067UL, "x001/x234/067")] // the spec's example
    [InlineData(123456078UL, "x123/x456/078")] // golang.org/x/mod/sumdb/tlog tile_test.go
    [InlineData(3057500UL, "x003/x057/500")]
    [InlineData(ulong.MaxValue, "x018/x446/x744/x073/x709/x551/615")]
    public void Path_Index_ThreeDigitElements(ulong index, string encoded)
    {
        Assert.Equal("tile/0/" + encoded, TileCoordinate.HashTile(0, index).Path);
        Assert.Equal("tile/5/" + encoded + ".p/2", TileCoordinate.HashTile(5, index, 2).Path);
        Assert.Equal("tile/entries/" + encoded, TileCoordinate.EntryBundle(index).Path);
        Assert.Equal("tile/entries/" + encoded + ".p/255", TileCoordinate.EntryBundle(index, 255).Path);
        Assert.True(TileCoordinate.TryParse("tile/5/" + encoded + ".p/2", out TileCoordinate parsed));
        Assert.Equal(TileCoordinate.HashTile(5, index, 2), parsed);
    }

    [Theory]
    [InlineData("tile/3/x123/x456/078", 3, 123456078UL, 256, false)]
    [InlineData("tile/1/x003/x057/500.p/9", 1, 3057500UL, 9, false)]
    [InlineData("tile/entries/x001/x234/067.p/1", 0, 1234067UL, 1, true)]
    [InlineData("tile/7/000", 7, 0UL, 256, false)]
    public void TryParse_Canonical_Coordinate(string path, int level, ulong index, int width, bool bundle)
    {
        Assert.True(TileCoordinate.TryParse(path, out TileCoordinate parsed));
        Assert.Equal((level, index, width, bundle, width < 256), (parsed.Level, parsed.Index, parsed.Width, parsed.IsEntryBundle, parsed.IsPartial));
        Assert.Equal(path, parsed.Path);
    }

    [Theory]
    [InlineData("tile/3/123/456/078")] // missing x (Go's invalid example)
    [InlineData("tile/3/-1/078")]
    [InlineData("tile/data/x003/x057/500")]
    [InlineData("tile/00/000")]
    [InlineData("tile/8/000")] // no level 8 in a 64-bit tree
    [InlineData("tile/0/x000/001")] // non-canonical leading group
    [InlineData("tile/0/0001")]
    [InlineData("tile/0/01")]
    [InlineData("tile/0/X001/000")]
    [InlineData("tile/0/000.p/0")]
    [InlineData("tile/0/000.p/256")]
    [InlineData("tile/0/000.p/05")]
    [InlineData("tile/0/000.p")]
    [InlineData("tile/0/000/")]
    [InlineData("tile/0/x018/x446/x744/x073/x709/x551/616")] // ulong overflow
    [InlineData("tile/entries")]
    [InlineData("checkpoint")]
    [InlineData("")]
    [InlineData(null)]
    public void TryParse_NonCanonical_False(string? path)
    {
        Assert.False(TileCoordinate.TryParse(path, out TileCoordinate parsed));
        Assert.Equal(default, parsed);
    }

    [Fact]
    public void TryParse_AnyCoordinate_RoundTrips()
    {
        Gen<ulong> wide = Gen.Choose(0, int.MaxValue).Two().Select(p => ((ulong)p.Item1 << 33) ^ (ulong)p.Item2);
        TestBytes.Check(Prop.ForAll(
            Gen.Choose(0, TileCoordinate.MaxLevel).ToArbitrary(),
            Gen.OneOf(wide, Gen.Choose(0, 2000).Select(i => (ulong)i)).ToArbitrary(),
            Gen.Choose(1, 256).ToArbitrary(),
            (level, index, width) =>
            {
                TileCoordinate tile = TileCoordinate.HashTile(level, index, width), bundle = TileCoordinate.EntryBundle(index, width);
                return TileCoordinate.TryParse(tile.Path, out TileCoordinate t) && t == tile
                    && TileCoordinate.TryParse(bundle.Path, out TileCoordinate b) && b == bundle;
            }), 500);
    }

    [Fact]
    public void Path_Default_InvalidOperationException()
    {
        TileCoordinate none = default;
        Assert.Equal(0, none.Width);
        Assert.Throws<InvalidOperationException>(() => none.Path);
        Assert.Equal("TileCoordinate(default)", default(TileCoordinate).ToString());
    }

    [Theory]
    [InlineData(-1, 1)]
    [InlineData(8, 1)]
    [InlineData(0, 0)]
    [InlineData(0, 257)]
    public void HashTile_OutOfRange_Throws(int level, int width)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TileCoordinate.HashTile(level, 0, width));
    }
}
