using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using ContainerSec.Audit;

namespace ContainerSec.Benchmarks;

/// <summary>
/// Appending 256-byte audit events to an in-memory RFC 9162 tree (leaf hash + tree update), per
/// event. Baseline: the same level-by-level tree with one-shot <c>SHA256.HashData</c> per leaf
/// and per node (a prefixed copy each time), against <see cref="MerkleTree"/>, which reuses the
/// native hash state.
/// </summary>
[MemoryDiagnoser]
public class MerkleAppendBenchmarks
{
    private const int Events = 1024;
    private byte[][] _events = null!;

    [GlobalSetup]
    public void Setup()
    {
        _events = new byte[Events][];
        for (int i = 0; i < Events; i++)
        {
            _events[i] = Shared.RandomBytes(256);
        }

        using var tree = new MerkleTree();
        foreach (byte[] e in _events)
        {
            tree.Append(e);
        }

        Shared.RequireEqual(OneShotTree.Root(_events), tree.GetRoot(), "MerkleTree root vs one-shot SHA256.HashData tree");
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Events, Description = "SHA256.HashData per leaf and node")]
    public int OneShot() => OneShotTree.Append(_events);

    [Benchmark(OperationsPerInvoke = Events, Description = "MerkleTree.Append")]
    public ulong Append()
    {
        using var tree = new MerkleTree();
        foreach (byte[] e in _events)
        {
            tree.Append(e);
        }

        return tree.Size;
    }

    /// <summary>The baseline tree: complete subtree hashes per level, each hash a one-shot SHA256.HashData.</summary>
    internal static class OneShotTree
    {
        public static int Append(byte[][] events)
        {
            var levels = new List<List<byte[]>>();
            byte[] buffer = new byte[1 + 256];
            byte[] node = new byte[65];
            foreach (byte[] e in events)
            {
                if (buffer.Length != e.Length + 1)
                {
                    buffer = new byte[e.Length + 1];
                }

                buffer[0] = 0x00;
                e.CopyTo(buffer, 1);
                byte[] hash = SHA256.HashData(buffer);
                for (int level = 0; ; level++)
                {
                    if (level == levels.Count)
                    {
                        levels.Add([]);
                    }

                    levels[level].Add(hash);
                    if ((levels[level].Count & 1) == 1)
                    {
                        break;
                    }

                    node[0] = 0x01;
                    levels[level][^2].CopyTo(node, 1);
                    hash.CopyTo(node, 33);
                    hash = SHA256.HashData(node);
                }
            }

            return levels[0].Count;
        }

        public static byte[] Root(byte[][] events) => Mth(events, 0, events.Length);

        private static byte[] Mth(byte[][] d, int start, int n)
        {
            if (n == 1)
            {
                return SHA256.HashData([0x00, .. d[start]]);
            }

            int k = 1;
            while (k * 2 < n)
            {
                k *= 2;
            }

            return SHA256.HashData([0x01, .. Mth(d, start, k), .. Mth(d, start + k, n - k)]);
        }
    }
}

/// <summary>
/// Inclusion proofs in a 1,000,000-leaf tree: generation from <see cref="MerkleTree"/>, and
/// verification with <see cref="MerkleProof.VerifyInclusion"/> against a baseline verifier that
/// chains one-shot <c>SHA256.HashData</c> calls (RFC 9162 section 2.1.3.2).
/// </summary>
[MemoryDiagnoser]
public class MerkleProofBenchmarks
{
    private const ulong TreeSize = 1_000_000;
    private const ulong LeafIndex = 123_457;
    private MerkleTree _tree = null!;
    private byte[][] _proof = null!;
    private byte[] _root = null!;
    private byte[] _leafHash = null!;

    [GlobalSetup]
    public void Setup()
    {
        _tree = new MerkleTree();
        byte[] leaf = new byte[8];
        for (ulong i = 0; i < TreeSize; i++)
        {
            BitConverter.TryWriteBytes(leaf, i);
            _tree.Append(leaf);
        }

        _proof = _tree.GetInclusionProof(LeafIndex, TreeSize);
        _root = _tree.GetRoot();
        _leafHash = _tree.GetLeafHash(LeafIndex);
        if (!MerkleProof.VerifyInclusion(LeafIndex, TreeSize, _leafHash, _proof, _root) || !OneShotVerify())
        {
            throw new InvalidOperationException("The proof does not verify in setup.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _tree.Dispose();

    [Benchmark(Baseline = true, Description = "verify: SHA256.HashData chain")]
    public bool OneShotVerify()
    {
        // RFC 9162 2.1.3.2 with one-shot hashes.
        ulong fn = LeafIndex, sn = TreeSize - 1;
        byte[] r = _leafHash;
        byte[] node = new byte[65];
        node[0] = 0x01;
        foreach (byte[] p in _proof)
        {
            if (sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                p.CopyTo(node, 1);
                r.CopyTo(node, 33);
                r = SHA256.HashData(node);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                r.CopyTo(node, 1);
                p.CopyTo(node, 33);
                r = SHA256.HashData(node);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && r.AsSpan().SequenceEqual(_root);
    }

    [Benchmark(Description = "MerkleProof.VerifyInclusion")]
    public bool Verify() => MerkleProof.VerifyInclusion(LeafIndex, TreeSize, _leafHash, _proof, _root);

    [Benchmark(Description = "MerkleTree.GetInclusionProof")]
    public int Generate() => _tree.GetInclusionProof(LeafIndex, TreeSize).Length;
}

/// <summary>
/// Durable appends: one batch of 1,024 events of 256 bytes written and flushed to disk (fsync)
/// per invocation, per event. Baseline: writing the same number of bytes with <c>FileStream.Write</c>
/// and <c>Flush(true)</c>, the I/O floor without hashing or framing.
/// </summary>
[MemoryDiagnoser]
public class MerkleDurableAppendBenchmarks
{
    private const int Events = 1024;
    private byte[][] _events = null!;
    private byte[] _raw = null!;
    private string _folder = null!;
    private DurableMerkleLog _log = null!;
    private FileStream _rawFile = null!;

    [GlobalSetup]
    public void Setup()
    {
        _events = new byte[Events][];
        for (int i = 0; i < Events; i++)
        {
            _events[i] = Shared.RandomBytes(256);
        }

        _raw = new byte[Events * (4 + 256 + 32)];
        _folder = Directory.CreateTempSubdirectory("containersec-bench-").FullName;
        Reopen();
        _log.AppendBatch(_events);
        using var tree = new MerkleTree();
        foreach (byte[] e in _events)
        {
            tree.Append(e);
        }

        Shared.RequireEqual(tree.GetRoot(), _log.GetRoot(_log.Size), "durable log root vs in-memory tree");
    }

    [IterationCleanup]
    public void Reopen()
    {
        _log?.Dispose();
        _rawFile?.Dispose();
        foreach (string file in Directory.EnumerateFiles(_folder))
        {
            File.Delete(file);
        }

        _log = DurableMerkleLog.Open(Path.Combine(_folder, "log"));
        _rawFile = new FileStream(Path.Combine(_folder, "raw"), FileMode.Create, FileAccess.Write);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _log.Dispose();
        _rawFile.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Events, Description = "FileStream.Write + Flush(true), same bytes")]
    public long RawWrite()
    {
        _rawFile.Write(_raw);
        _rawFile.Flush(flushToDisk: true);
        return _rawFile.Length;
    }

    [Benchmark(OperationsPerInvoke = Events, Description = "DurableMerkleLog.AppendBatch (fsync per batch)")]
    public ulong AppendBatch() => _log.AppendBatch(_events);
}
