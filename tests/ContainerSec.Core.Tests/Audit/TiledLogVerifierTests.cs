using System.Text;
using ContainerSec.Audit;
using ContainerSec.Cryptography;
using static ContainerSec.Tests.Audit.TiledLogTests;

namespace ContainerSec.Tests.Audit;

/// <summary>
/// <see cref="TiledLogVerifier"/> on a real log of 2,100 entries published in three steps (so kept
/// partial tiles exist too): valid as written; a flipped bit anywhere — every bit of every small
/// file up to 128 bytes and of the checkpoint, every bit of 8 sampled bytes of the others — is found and the flipped file is named; a
/// deleted tile or bundle is named; pruning is accepted only as a prefix and only when allowed.
/// </summary>
public sealed class TiledLogVerifierTests : IDisposable
{
    private const int Size = 2100;
    private readonly string _scratch = Directory.CreateTempSubdirectory("containersec-tileverify-").FullName;
    private readonly NoteSigner _signer = new(Origin, SigningKey.Generate(SignatureAlgorithm.Ed25519));
    private readonly NoteVerifier _verifier;
    private readonly TileDirectoryStorage _storage;

    public TiledLogVerifierTests()
    {
        _verifier = _signer.CreateVerifier();
        _storage = new TileDirectoryStorage(_scratch, flushToDisk: false);
        List<byte[]> entries = Entries(Size);
        using TiledLogPublisher publisher = TiledLogPublisher.Open(_storage, Origin, _signer);
        PublishEntries(publisher, entries, 2000);
        PublishEntries(publisher, entries, 2050);
        PublishEntries(publisher, entries, Size);
    }

    public void Dispose()
    {
        _verifier.Dispose();
        _signer.Dispose();
        Directory.Delete(_scratch, recursive: true);
    }

    private TiledLogVerificationResult Verify(bool allowPruning = false) => TiledLogVerifier.Verify(_storage, Origin, [_verifier], allowPruning);

    [Fact]
    public void Verify_PublishedLog_ValidAndEveryFileChecked()
    {
        TiledLogVerificationResult result = Verify();
        Assert.True(result.IsValid, result.Problem);
        Assert.Equal((2100UL, 0UL, 0), (result.TreeSize, result.MinimumIndex, result.UncoveredFiles));
        Assert.Null(result.FailedPath);

        // checkpoint + 9 bundles + 9 leaf tiles + level-1 partial + the kept partials (tile/1/000.p/7, tile/0/008.p/2, tile/entries/008.p/2).
        Assert.Equal(1 + _storage.List("tile").Count, result.FilesChecked);
        Assert.Equal(23, result.FilesChecked);
        Assert.Contains("tile/1/000.p/7", _storage.List("tile"));
        Assert.Contains("tile/entries/008.p/2", _storage.List("tile"));
    }

    [Fact]
    public void Verify_AnyBitFlippedInAnyFile_FoundAndFileNamed()
    {
        var paths = new List<string> { TileCoordinate.CheckpointPath };
        paths.AddRange(_storage.List("tile"));
        int flips = 0;
        foreach (string path in paths)
        {
            byte[] original = _storage.Read(path, 1 << 20)!;
            foreach (int position in Positions(path, original.Length))
            {
                for (int bit = 0; bit < 8; bit++)
                {
                    byte[] flipped = (byte[])original.Clone();
                    flipped[position] ^= (byte)(1 << bit);
                    _storage.Write(path, flipped);
                    TiledLogVerificationResult result = Verify();
                    Assert.False(result.IsValid, $"{path} byte {position} bit {bit} went unnoticed");
                    Assert.True(path == result.FailedPath, $"{path} byte {position} bit {bit}: named {result.FailedPath} ({result.Problem})");
                    flips++;
                }
            }

            _storage.Write(path, original);
        }

        Assert.True(Verify().IsValid);
        Assert.True(flips > 2_500, $"{flips} flips");
    }

    [Fact]
    public void Verify_FlippedEntry_NamesTheEntryIndex()
    {
        byte[] bundle = _storage.Read("tile/entries/003", 1 << 20)!;
        int offset = 0;
        for (int i = 0; i < 17; i++)
        {
            offset += 2 + ((bundle[offset] << 8) | bundle[offset + 1]);
        }

        bundle[offset + 5] ^= 0x20; // inside entry 3·256 + 17
        _storage.Write("tile/entries/003", bundle);
        TiledLogVerificationResult result = Verify();
        Assert.Equal(("tile/entries/003", (ulong?)785UL), (result.FailedPath, result.FailedEntryIndex));
    }

    [Fact]
    public void Verify_FlippedUpperHash_NamesTileAndFirstEntryUnderIt()
    {
        byte[] tile = _storage.Read("tile/1/000.p/8", 8192)!;
        tile[(5 * 32) + 3] ^= 1;
        _storage.Write("tile/1/000.p/8", tile);
        TiledLogVerificationResult result = Verify();
        Assert.Equal(("tile/1/000.p/8", (ulong?)(5UL * 256)), (result.FailedPath, result.FailedEntryIndex));
    }

    [Theory]
    [InlineData("tile/0/004")]
    [InlineData("tile/0/008.p/52")]
    [InlineData("tile/1/000.p/8")]
    [InlineData("tile/entries/005")]
    [InlineData("tile/entries/008.p/52")]
    [InlineData("checkpoint")]
    public void Verify_DeletedFile_Named(string path)
    {
        Assert.True(_storage.Delete(path));
        TiledLogVerificationResult result = Verify();
        Assert.False(result.IsValid);
        Assert.Equal(path, result.FailedPath);
    }

    [Fact]
    public void Verify_FirstBundleDeleted_DefaultRefusesIt()
    {
        // The minimum index is not signed: deleting the oldest entries must not pass unless the caller opted in to pruning.
        _storage.Delete("tile/entries/000");
        TiledLogVerificationResult result = TiledLogVerifier.Verify(_storage, Origin, [_verifier]);
        Assert.False(result.IsValid);
        Assert.Equal(("tile/entries/000", (ulong?)0UL, 0UL), (result.FailedPath, result.FailedEntryIndex, result.MinimumIndex));
        Assert.Contains("missing", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_FirstBundlesMissing_PrunedPrefixOnlyWhenAllowed()
    {
        _storage.Delete("tile/entries/000");
        _storage.Delete("tile/entries/001");
        TiledLogVerificationResult pruned = Verify(allowPruning: true);
        Assert.True(pruned.IsValid, pruned.Problem);
        Assert.Equal(512UL, pruned.MinimumIndex);

        TiledLogVerificationResult strict = Verify(allowPruning: false);
        Assert.Equal(("tile/entries/000", (ulong?)0UL), (strict.FailedPath, strict.FailedEntryIndex));

        _storage.Delete("tile/entries/003"); // a hole after kept bundles is not pruning
        Assert.Equal("tile/entries/003", Verify(allowPruning: true).FailedPath);
    }

    [Fact]
    public void Verify_PrunedPrefixWithFlippedLeafHash_NamesTheLeafTile()
    {
        _storage.Delete("tile/entries/000");
        byte[] tile = _storage.Read("tile/0/000", 8192)!;
        tile[100] ^= 4;
        _storage.Write("tile/0/000", tile);
        Assert.Equal("tile/0/000", Verify(allowPruning: true).FailedPath); // only the level above can tell, and it does
    }

    [Fact]
    public void Verify_ConsistentForgeryUnderGenuineCheckpoint_NamesCheckpoint()
    {
        // Another log of the same size and key: every tile agrees with its entries, but not with this checkpoint.
        byte[] genuine = _storage.Read("checkpoint", 4096)!;
        List<byte[]> forged = Entries(Size);
        forged[1234] = Encoding.UTF8.GetBytes("{\"i\":1234,\"ts\":1234,\"pad\":\"forged\"}");
        Directory.Delete(Path.Combine(_scratch, "tile"), recursive: true);
        _storage.Delete("checkpoint");
        using (TiledLogPublisher publisher = TiledLogPublisher.Open(_storage, Origin, _signer))
        {
            PublishEntries(publisher, forged, Size);
        }

        Assert.True(Verify().IsValid);
        _storage.Write("checkpoint", genuine);
        TiledLogVerificationResult result = Verify();
        Assert.Equal(("checkpoint", false), (result.FailedPath, result.IsValid));
    }

    [Fact]
    public void Verify_UntrustedKeyOrOtherOrigin_NamesCheckpoint()
    {
        using var stranger = new NoteSigner(Origin, SigningKey.Generate(SignatureAlgorithm.Ed25519));
        using NoteVerifier strangerKey = stranger.CreateVerifier();
        Assert.Equal("checkpoint", TiledLogVerifier.Verify(_storage, Origin, [strangerKey]).FailedPath);
        Assert.Equal("checkpoint", TiledLogVerifier.Verify(_storage, "example.com/other", [_verifier]).FailedPath);
    }

    [Fact]
    public void Verify_InterruptedPublication_TilesBeyondCheckpointUncoveredNotErrors()
    {
        _storage.Write("tile/0/008", new byte[8192]); // a crash after writing tiles, before the checkpoint
        _storage.Write("tile/entries/009.p/3", [0, 1, 65]);
        TiledLogVerificationResult result = Verify();
        Assert.True(result.IsValid, result.Problem);
        Assert.Equal(2, result.UncoveredFiles);
    }

    /// <summary>
    /// Every byte of the checkpoint and of files up to 128 bytes; otherwise the first two and last
    /// two bytes and four random ones (seeded by the path, so a failure is reproducible).
    /// </summary>
    private static IEnumerable<int> Positions(string path, int length)
    {
        if (length <= 128 || path == TileCoordinate.CheckpointPath)
        {
            return Enumerable.Range(0, length);
        }

        var random = new Random(path.Sum(c => c));
        return new[] { 0, 1, length - 2, length - 1 }.Concat(Enumerable.Range(0, 4).Select(_ => random.Next(length))).Distinct();
    }
}
