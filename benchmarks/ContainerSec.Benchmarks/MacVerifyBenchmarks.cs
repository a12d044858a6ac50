using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using ContainerSec.Cryptography;

namespace ContainerSec.Benchmarks;

/// <summary>
/// HMAC-SHA-256 verification of a valid 32-byte tag under a 32-byte key. The baseline is the
/// usual hand-written BCL pattern: compute into a stack buffer, then compare in fixed time.
/// </summary>
[MemoryDiagnoser]
public class MacVerifyBenchmarks
{
    private const int MacSize = 32;

    private byte[] _keyBytes = null!;
    private byte[] _source = null!;
    private byte[] _mac = null!;
    private MacKey _macKey = null!;

    [Params(64, 1024, 16 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _keyBytes = Shared.RandomBytes(MacAlgorithm.HmacSha256.KeySizeInBytes);
        _source = Shared.RandomBytes(Size);
        _mac = HMACSHA256.HashData(_keyBytes, _source);
        _macKey = MacKey.Import(MacAlgorithm.HmacSha256, _keyBytes);

        if (!Bcl() || !MacKeyVerify() || !MacAlgorithmVerify())
        {
            throw new InvalidOperationException("Benchmark setup check failed: a valid tag did not verify.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _macKey.Dispose();
        CryptographicOperations.ZeroMemory(_keyBytes);
    }

    [Benchmark(Baseline = true, Description = "BCL HashData + FixedTimeEquals")]
    public bool Bcl()
    {
        Span<byte> computed = stackalloc byte[MacSize];
        HMACSHA256.HashData(_keyBytes, _source, computed);
        return CryptographicOperations.FixedTimeEquals(computed, _mac);
    }

    [Benchmark(Description = "MacKey.Verify")]
    public bool MacKeyVerify() => _macKey.Verify(_source, _mac);

    [Benchmark(Description = "MacAlgorithm.Verify (one-shot)")]
    public bool MacAlgorithmVerify() => MacAlgorithm.HmacSha256.Verify(_keyBytes, _source, _mac);
}
