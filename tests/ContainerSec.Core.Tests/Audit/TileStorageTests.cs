using ContainerSec.Audit;

namespace ContainerSec.Tests.Audit;

/// <summary><see cref="TileDirectoryStorage"/> on a real directory: round trips, limits, path validation, no temporary leftovers.</summary>
public sealed class TileStorageTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("containersec-tiles-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Fact]
    public void WriteRead_NestedPath_RoundTripsAndOverwrites()
    {
        var storage = new TileDirectoryStorage(Path.Combine(_scratch, "log"));
        storage.Write("tile/0/x001/234.p/5", [1, 2, 3]);
        Assert.Equal([1, 2, 3], storage.Read("tile/0/x001/234.p/5", 3));
        storage.Write("tile/0/x001/234.p/5", [9]);
        Assert.Equal([9], storage.Read("tile/0/x001/234.p/5", 3));
        Assert.Equal([9], File.ReadAllBytes(Path.Combine(_scratch, "log", "tile", "0", "x001", "234.p", "5")));
        Assert.Null(storage.Read("tile/0/000", 100));
        Assert.Null(storage.Read("tile/0/x001", 100)); // a directory is not a resource
    }

    [Fact]
    public void Read_LongerThanLimit_InvalidDataException()
    {
        var storage = new TileDirectoryStorage(_scratch, flushToDisk: false);
        storage.Write("checkpoint", new byte[11]);
        Assert.Throws<InvalidDataException>(() => storage.Read("checkpoint", 10));
        Assert.Equal(11, storage.Read("checkpoint", 11)!.Length);
    }

    [Fact]
    public void DeleteAndList_RemoveEmptyDirectories_SkipTemporaryFiles()
    {
        var storage = new TileDirectoryStorage(_scratch, flushToDisk: false);
        storage.Write("tile/0/000.p/7", [1]);
        storage.Write("tile/0/000.p/9", [2]);
        storage.Write("tile/entries/000", [3]);
        File.WriteAllBytes(Path.Combine(_scratch, "tile", "0", ".tmp-leftover"), [4]);
        Assert.Equal(["tile/0/000.p/7", "tile/0/000.p/9", "tile/entries/000"], storage.List("tile"));
        Assert.Equal(["tile/0/000.p/7", "tile/0/000.p/9"], storage.List("tile/0/000.p"));
        Assert.Empty(storage.List("tile/5"));

        Assert.True(storage.Delete("tile/0/000.p/7"));
        Assert.False(storage.Delete("tile/0/000.p/7"));
        Assert.True(storage.Delete("tile/0/000.p/9"));
        Assert.False(Directory.Exists(Path.Combine(_scratch, "tile", "0", "000.p")));
        Assert.True(Directory.Exists(Path.Combine(_scratch, "tile", "0"))); // still holds the leftover
        Assert.True(Directory.Exists(_scratch));
    }

    [Fact]
    public void Write_Durable_LeavesNoTemporaryFile()
    {
        var storage = new TileDirectoryStorage(_scratch);
        for (int i = 0; i < 5; i++)
        {
            storage.Write("tile/entries/x001/000", new byte[100 * i]);
        }

        Assert.Equal(["000"], Directory.GetFileSystemEntries(Path.Combine(_scratch, "tile", "entries", "x001")).Select(Path.GetFileName));
        Assert.Equal(400, storage.Read("tile/entries/x001/000", 1000)!.Length);
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("tile/../../escape")]
    [InlineData("/etc/passwd")]
    [InlineData("tile//0")]
    [InlineData("tile/./0")]
    [InlineData("tile\\0\\000")]
    [InlineData(".hidden")]
    [InlineData("tile/0/.tmp-x")]
    [InlineData("tile/0/")]
    [InlineData("tile/0/00 0")]
    [InlineData("")]
    public void AllOperations_InvalidPath_ArgumentException(string path)
    {
        var storage = new TileDirectoryStorage(_scratch, flushToDisk: false);
        Assert.Equal("path", Assert.ThrowsAny<ArgumentException>(() => storage.Read(path, 10)).ParamName);
        Assert.Equal("path", Assert.ThrowsAny<ArgumentException>(() => storage.Write(path, [1])).ParamName);
        Assert.Equal("path", Assert.ThrowsAny<ArgumentException>(() => storage.Delete(path)).ParamName);
        Assert.Equal("directory", Assert.ThrowsAny<ArgumentException>(() => storage.List(path)).ParamName);
        Assert.Empty(Directory.GetFileSystemEntries(_scratch));
    }

    [Fact]
    public void AllOperations_PathTooLong_ArgumentException()
    {
        var storage = new TileDirectoryStorage(_scratch, flushToDisk: false);
        string path = string.Join('/', Enumerable.Repeat("abcdefgh", 60));
        Assert.Throws<ArgumentException>(() => storage.Write(path, [1]));
    }
}
