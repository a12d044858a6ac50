using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using ContainerSec.Cryptography;
using ContainerSec.KeyManagement;
using ContainerSec.Storage;

namespace ContainerSec.Benchmarks;

/// <summary>
/// Storage sealing against raw AES-256-GCM. Both generate a random nonce per record (the
/// baseline with <see cref="RandomNumberGenerator.Fill"/>, the same cost), both reuse their native
/// context; the storage path adds the budget reservation, the 40-byte header, the context
/// fingerprint (HMAC-SHA-256) and header ‖ context as associated data. XAES-256-GCM is measured in
/// the same class: its per-record key derivation is what extended nonces cost.
/// </summary>
[MemoryDiagnoser]
public class StorageSealBenchmarks
{
    private byte[] _plaintext = null!;
    private byte[] _context = null!;
    private byte[] _nonce = null!;
    private byte[] _ciphertext = null!;
    private byte[] _tag = null!;
    private byte[] _sealed = null!;
    private byte[] _xaesNonce = null!;
    private byte[] _xaesOut = null!;
    private AesGcm _aesGcm = null!;
    private KeyRing _ring = null!;
    private StorageEncryptor _storage = null!;
    private XaesGcmKey _xaes = null!;

    [Params(64, 1024, 16 * 1024, 1024 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _plaintext = Shared.RandomBytes(Size);
        _context = Shared.AssociatedData();
        _nonce = new byte[AeadAlgorithm.NonceSize];
        _ciphertext = new byte[Size];
        _tag = new byte[AeadAlgorithm.TagSize];
        _aesGcm = new AesGcm(Shared.RandomBytes(32), AeadAlgorithm.TagSize);
        _ring = new KeyRing();
        _ring.CreateKey("bench", new RotationPolicy(maxOperations: RotationPolicy.OperationsBound, maxBytes: long.MaxValue));
        _storage = new StorageEncryptor(_ring, "bench");
        _sealed = new byte[Envelope.GetSealedSize(Size)];
        _xaes = XaesGcmKey.Generate();
        _xaesNonce = Shared.RandomBytes(XaesGcmKey.NonceSize);
        _xaesOut = new byte[Size + AeadAlgorithm.TagSize];

        _storage.Seal(_plaintext, _context, _sealed);
        Shared.RequireEqual(_plaintext, _storage.Open(_sealed, _context), "storage round trip");
        _xaes.Encrypt(_xaesNonce, _plaintext, _xaesOut, _context);
        Shared.RequireEqual(_plaintext, _xaes.Decrypt(_xaesNonce, _xaesOut, associatedData: _context), "XAES round trip");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _aesGcm.Dispose();
        _ring.Dispose();
        _xaes.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void RawAesGcm()
    {
        RandomNumberGenerator.Fill(_nonce);
        _aesGcm.Encrypt(_nonce, _plaintext, _ciphertext, _tag, _context);
    }

    [Benchmark]
    public int StorageSeal() => _storage.Seal(_plaintext, _context, _sealed);

    [Benchmark]
    public int XaesSeal()
    {
        RandomNumberGenerator.Fill(_xaesNonce);
        return _xaes.Encrypt(_xaesNonce, _plaintext, _xaesOut, _context);
    }
}

/// <summary>Storage opening against raw AES-256-GCM decryption of the same size.</summary>
[MemoryDiagnoser]
public class StorageOpenBenchmarks
{
    private byte[] _plaintext = null!;
    private byte[] _context = null!;
    private byte[] _nonce = null!;
    private byte[] _ciphertext = null!;
    private byte[] _tag = null!;
    private byte[] _sealed = null!;
    private byte[] _opened = null!;
    private AesGcm _aesGcm = null!;
    private KeyRing _ring = null!;
    private StorageEncryptor _storage = null!;

    [Params(64, 1024, 16 * 1024, 1024 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _plaintext = Shared.RandomBytes(Size);
        _context = Shared.AssociatedData();
        _nonce = Shared.RandomBytes(AeadAlgorithm.NonceSize);
        _ciphertext = new byte[Size];
        _tag = new byte[AeadAlgorithm.TagSize];
        _opened = new byte[Size];
        _aesGcm = new AesGcm(Shared.RandomBytes(32), AeadAlgorithm.TagSize);
        _aesGcm.Encrypt(_nonce, _plaintext, _ciphertext, _tag, _context);
        _ring = new KeyRing();
        _ring.CreateKey("bench");
        _storage = new StorageEncryptor(_ring, "bench");
        _sealed = _storage.Seal(_plaintext, _context);

        RawAesGcm();
        Shared.RequireEqual(_plaintext, _opened, "raw AES-GCM round trip");
        StorageOpen();
        Shared.RequireEqual(_plaintext, _opened, "storage round trip");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _aesGcm.Dispose();
        _ring.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void RawAesGcm() => _aesGcm.Decrypt(_nonce, _ciphertext, _tag, _opened, _context);

    [Benchmark]
    public int StorageOpen() => _storage.Open(_sealed, _context, _opened);
}

/// <summary>Streaming seal of a large blob with one thread (baseline) and two.</summary>
[MemoryDiagnoser]
public class StorageStreamingBenchmarks
{
    private byte[] _plaintext = null!;
    private byte[] _context = null!;
    private KeyRing _ring = null!;
    private StreamingEncryptor _one = null!;
    private StreamingEncryptor _two = null!;

    /// <summary>Blob size; 256 MiB is the target, 16 MiB keeps a dry run cheap (filter on it).</summary>
    [Params(16 * 1024 * 1024, 256 * 1024 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _plaintext = Shared.RandomBytes(Size);
        _context = Shared.AssociatedData();
        _ring = new KeyRing();
        _ring.CreateKey("bench", new RotationPolicy(maxOperations: RotationPolicy.OperationsBound, maxBytes: long.MaxValue));
        _one = new StreamingEncryptor(_ring, "bench", StreamingEncryptor.DefaultChunkSize, maxDegreeOfParallelism: 1);
        _two = new StreamingEncryptor(_ring, "bench", StreamingEncryptor.DefaultChunkSize, maxDegreeOfParallelism: 2);
        byte[] sealedBlob = _two.Seal(_plaintext, _context);
        Shared.RequireEqual(_plaintext, _one.Open(sealedBlob, _context), "streaming round trip");
    }

    [GlobalCleanup]
    public void Cleanup() => _ring.Dispose();

    [Benchmark(Baseline = true)]
    public void SealOneThread() => _one.Seal(new MemoryStream(_plaintext, writable: false), Stream.Null, _context);

    [Benchmark]
    public void SealTwoThreads() => _two.Seal(new MemoryStream(_plaintext, writable: false), Stream.Null, _context);
}
