using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using ContainerSec.Audit;
using ContainerSec.Cryptography;

namespace ContainerSec.Benchmarks;

/// <summary>
/// Offline verification of a 1,000,000-entry c2sp.org/tlog-tiles log of 128-byte events on local
/// disk, per event (OperationsPerInvoke = 1,000,000, so the Mean is the time per event and
/// 1 s / Mean is events per second). <see cref="TiledLogVerifier.Verify"/> (signed checkpoint,
/// every bundle and tile, every level, root, kept partials, naming of the first mismatch) against
/// a baseline that reads the same bundles and leaf tiles, recomputes and compares the leaf hashes
/// and recomputes the root with one-shot <c>SHA256.HashData</c> per leaf and per node (the same
/// number of hashes), without the signature, the upper tiles or diagnostics.
/// </summary>
[MemoryDiagnoser]
public class TiledLogBenchmarks
{
    private const int Entries = 1_000_000;
    private const int EntryBytes = 128;
    private const string Origin = "bench.example/containersec/audit";
    private string _folder = null!;
    private TileDirectoryStorage _storage = null!;
    private NoteSigner _signer = null!;
    private NoteVerifier _verifier = null!;
    private byte[] _root = null!;

    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("containersec-tiles-bench-").FullName;
        _storage = new TileDirectoryStorage(_folder, flushToDisk: false);
        _signer = new NoteSigner(Origin, SigningKey.Generate(SignatureAlgorithm.Ed25519));
        _verifier = _signer.CreateVerifier();
        var entries = new byte[Entries][];
        using var tree = new MerkleTree();
        for (int i = 0; i < Entries; i++)
        {
            entries[i] = Shared.RandomBytes(EntryBytes);
            tree.Append(entries[i]);
        }

        using (TiledLogPublisher publisher = TiledLogPublisher.Open(_storage, Origin, _signer))
        {
            _root = publisher.Publish(tree, entries).RootHash;
        }

        Shared.RequireEqual(_root, OneShot(), "one-shot recomputed root vs the published checkpoint root");
        if (Verify() != Entries)
        {
            throw new InvalidOperationException("Benchmark setup check failed: the verifier rejects the published log.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _verifier.Dispose();
        _signer.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Entries, Description = "read files + SHA256.HashData per leaf and node")]
    public byte[] OneShot()
    {
        // Level 0: leaf hashes from the bundles, compared with the leaf tiles; tile roots carried up.
        ulong size = Entries;
        var level = new List<byte[]>();
        for (ulong k = 0; k * 256 < size; k++)
        {
            int width = (int)Math.Min(256, size - (k * 256));
            string suffix = width < 256 ? $".p/{width}" : "";
            byte[] bundle = _storage.Read(Path("entries", k) + suffix, 1 << 24)!;
            byte[] tile = _storage.Read(Path("0", k) + suffix, 8192)!;
            byte[] buffer = new byte[1 + ushort.MaxValue];
            int offset = 0;
            var leaves = new byte[width][];
            for (int i = 0; i < width; i++)
            {
                int length = BinaryPrimitives.ReadUInt16BigEndian(bundle.AsSpan(offset));
                buffer[0] = 0;
                bundle.AsSpan(offset + 2, length).CopyTo(buffer.AsSpan(1));
                leaves[i] = SHA256.HashData(buffer.AsSpan(0, length + 1));
                if (!leaves[i].AsSpan().SequenceEqual(tile.AsSpan(i * 32, 32)))
                {
                    throw new InvalidOperationException("mismatch");
                }

                offset += 2 + length;
            }

            level.AddRange(leaves);
        }

        return RootOf(level);
    }

    [Benchmark(OperationsPerInvoke = Entries, Description = "TiledLogVerifier.Verify")]
    public ulong Verify()
    {
        TiledLogVerificationResult result = TiledLogVerifier.Verify(_storage, Origin, [_verifier]);
        return result.IsValid ? result.TreeSize : 0;
    }

    private static string Path(string level, ulong index)
    {
        var text = new StringBuilder($"tile/{level}/");
        string digits = index.ToString("D3", System.Globalization.CultureInfo.InvariantCulture);
        int groups = (digits.Length + 2) / 3;
        digits = digits.PadLeft(groups * 3, '0');
        for (int g = 0; g < groups; g++)
        {
            text.Append(g < groups - 1 ? "x" : "").Append(digits.AsSpan(g * 3, 3)).Append(g < groups - 1 ? "/" : "");
        }

        return text.ToString();
    }

    /// <summary>RFC 9162 MTH over leaf hashes with one-shot SHA256.HashData per node.</summary>
    private static byte[] RootOf(List<byte[]> hashes)
    {
        byte[] node = new byte[65];
        while (hashes.Count > 1)
        {
            // Pairwise reduction left to right keeps RFC 9162's shape: an odd last node is promoted.
            var next = new List<byte[]>((hashes.Count + 1) / 2);
            for (int i = 0; i + 1 < hashes.Count; i += 2)
            {
                node[0] = 1;
                hashes[i].CopyTo(node, 1);
                hashes[i + 1].CopyTo(node, 33);
                next.Add(SHA256.HashData(node));
            }

            if ((hashes.Count & 1) == 1)
            {
                next.Add(hashes[^1]);
            }

            hashes = next;
        }

        return hashes[0];
    }
}
