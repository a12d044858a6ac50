using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using ContainerSec.Cryptography;

namespace ContainerSec.Benchmarks;

/// <summary>HKDF-SHA-256 (extract and expand) of a 32-byte secret with salt and info, into a preallocated buffer.</summary>
[MemoryDiagnoser]
public class HkdfBenchmarks
{
    private byte[] _ikm = null!;
    private byte[] _salt = null!;
    private byte[] _info = null!;
    private byte[] _output = null!;

    [Params(32)]
    public int OutputSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _ikm = Shared.RandomBytes(32);
        _salt = Shared.RandomBytes(32);
        _info = "ContainerSec benchmark key"u8.ToArray();
        _output = new byte[OutputSize];

        Bcl();
        byte[] expected = (byte[])_output.Clone();
        Array.Clear(_output);
        HkdfDeriveKey();
        Shared.RequireEqual(expected, _output, "Hkdf.DeriveKey");
    }

    [GlobalCleanup]
    public void Cleanup() => CryptographicOperations.ZeroMemory(_ikm);

    [Benchmark(Baseline = true, Description = "BCL HKDF.DeriveKey")]
    public byte Bcl()
    {
        HKDF.DeriveKey(HashAlgorithmName.SHA256, _ikm, _output, _salt, _info);
        return _output[0];
    }

    [Benchmark(Description = "Hkdf.DeriveKey")]
    public byte HkdfDeriveKey()
    {
        Hkdf.DeriveKey(HashFunction.Sha256, _ikm, _output, _salt, _info);
        return _output[0];
    }
}
