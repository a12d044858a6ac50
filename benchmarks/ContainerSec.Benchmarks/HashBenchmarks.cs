using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using ContainerSec.Cryptography;

namespace ContainerSec.Benchmarks;

/// <summary>SHA-256 of one short input into a preallocated 32-byte buffer: the Merkle-leaf case.</summary>
[MemoryDiagnoser]
public class HashBenchmarks
{
    private byte[] _source = null!;
    private byte[] _destination = null!;
    private Hasher _hasher = null!;

    [Params(64, 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _source = Shared.RandomBytes(Size);
        _destination = new byte[HashFunction.Sha256.HashSizeInBytes];
        _hasher = HashFunction.Sha256.CreateHasher();

        // Every measured path must compute the same hash.
        byte[] expected = SHA256.HashData(_source);
        CheckAgainst(expected, Bcl(), "SHA256.HashData");
        CheckAgainst(expected, HashFunctionHashData(), "HashFunction.HashData");
        CheckAgainst(expected, HasherHashData(), "Hasher.HashData");
        CheckAgainst(expected, HasherAppendGetHashAndReset(), "Hasher.Append + GetHashAndReset");
    }

    [GlobalCleanup]
    public void Cleanup() => _hasher.Dispose();

    [Benchmark(Baseline = true, Description = "BCL SHA256.HashData")]
    public int Bcl() => SHA256.HashData(_source, _destination);

    [Benchmark(Description = "HashFunction.HashData (one-shot)")]
    public int HashFunctionHashData() => HashFunction.Sha256.HashData(_source, _destination);

    [Benchmark(Description = "Hasher.HashData")]
    public int HasherHashData() => _hasher.HashData(_source, _destination);

    [Benchmark(Description = "Hasher.Append + GetHashAndReset")]
    public int HasherAppendGetHashAndReset()
    {
        _hasher.Append(_source);
        return _hasher.GetHashAndReset(_destination);
    }

    private void CheckAgainst(byte[] expected, int written, string what)
    {
        Shared.RequireEqual(expected, _destination.AsSpan(0, written), what);
        Array.Clear(_destination);
    }
}
