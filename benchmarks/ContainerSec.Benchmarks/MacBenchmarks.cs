using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using ContainerSec.Cryptography;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;

namespace ContainerSec.Benchmarks;

/// <summary>HMAC-SHA-256 of one message under a 32-byte key, into a preallocated 32-byte buffer.</summary>
[MemoryDiagnoser]
public class MacBenchmarks
{
    private byte[] _keyBytes = null!;
    private byte[] _source = null!;
    private byte[] _destination = null!;
    private MacKey _macKey = null!;
    private HMac _bouncyHmac = null!;

    [Params(64, 1024, 16 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _keyBytes = Shared.RandomBytes(MacAlgorithm.HmacSha256.KeySizeInBytes);
        _source = Shared.RandomBytes(Size);
        _destination = new byte[MacAlgorithm.HmacSha256.MacSizeInBytes];
        _macKey = MacKey.Import(MacAlgorithm.HmacSha256, _keyBytes);

        // Keyed once; DoFinal resets it to the keyed state for the next message.
        _bouncyHmac = new HMac(new Sha256Digest());
        _bouncyHmac.Init(new KeyParameter(_keyBytes));

        // Every measured path must compute the same tag.
        Bcl();
        byte[] expected = (byte[])_destination.Clone();
        CheckAgainst(expected, MacKeyCompute(), "MacKey.Compute");
        CheckAgainst(expected, MacAlgorithmHashData(), "MacAlgorithm.HashData");
        CheckAgainst(expected, BouncyCastle(), "BouncyCastle HMac");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _macKey.Dispose();
        CryptographicOperations.ZeroMemory(_keyBytes);
    }

    [Benchmark(Baseline = true, Description = "BCL HMACSHA256.HashData")]
    public int Bcl() => HMACSHA256.HashData(_keyBytes, _source, _destination);

    [Benchmark(Description = "MacKey.Compute")]
    public int MacKeyCompute() => _macKey.Compute(_source, _destination);

    [Benchmark(Description = "MacAlgorithm.HashData (one-shot)")]
    public int MacAlgorithmHashData() => MacAlgorithm.HmacSha256.HashData(_keyBytes, _source, _destination);

    [Benchmark(Description = "BouncyCastle HMac")]
    public int BouncyCastle()
    {
        _bouncyHmac.BlockUpdate(_source, 0, _source.Length);
        return _bouncyHmac.DoFinal(_destination, 0);
    }

    private void CheckAgainst(byte[] expected, int written, string what)
    {
        Shared.RequireEqual(expected, _destination.AsSpan(0, written), what);
        Array.Clear(_destination);
    }
}
