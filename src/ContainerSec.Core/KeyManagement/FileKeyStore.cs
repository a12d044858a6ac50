using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using ContainerSec.Cryptography;

namespace ContainerSec.KeyManagement;

/// <summary>
/// A key store in one file, encrypted with AES-256-GCM under a master key: derived from a
/// passphrase with PBKDF2-HMAC-SHA-256 at <see cref="Pbkdf2Iterations"/> iterations and a random
/// 16-byte salt, or supplied as an <see cref="AeadKey"/> (from a KEK provider, an HSM unwrap…).
/// </summary>
/// <remarks>
/// <para>Saves are atomic: the new state goes to <c>path.tmp</c>, which is flushed to disk
/// (fsync), renamed over <c>path</c>, and then the directory is flushed so the rename itself is
/// durable. A crash at any step leaves either the old file or the new one, never a torn one; a
/// leftover <c>path.tmp</c> is ignored and deleted on the next open.</para>
/// <para>While open, the store holds <c>path.lock</c> with <see cref="FileShare.None"/>: a second
/// process (or a second store in this one) cannot open the same store and gets
/// <see cref="KeyStoreLockedException"/>.</para>
/// <para>The whole file is one AEAD record with its 40-byte header as associated data, so
/// states, counters, minimum versions and material are all tamper-evident; a wrong passphrase or
/// any change throws <see cref="CryptographicException"/> on <see cref="Load"/>. Format: see
/// <c>docs/key-management.md</c>.</para>
/// </remarks>
public sealed class FileKeyStore : IKeyStore
{
    /// <summary>PBKDF2-HMAC-SHA-256 iterations for passphrase-derived master keys: 600,000, OWASP's current recommendation.</summary>
    public const int Pbkdf2Iterations = 600_000;

    internal const int HeaderSize = 40;
    private const int SaltSize = 16;
    private const byte KdfMasterKey = 0;
    private const byte KdfPbkdf2 = 1;
    private static readonly byte[] Magic = "CSKS"u8.ToArray();

    private readonly string _path;
    private readonly string _tempPath;
    private readonly FileStream _lock;
    private readonly AeadKey _masterKey;
    private readonly bool _ownsMasterKey;
    private readonly byte[] _headerTemplate;
    private readonly Lock _saveLock = new();

    private FileKeyStore(string path, FileStream lockFile, AeadKey masterKey, bool ownsMasterKey, byte[] headerTemplate)
    {
        _path = path;
        _tempPath = path + ".tmp";
        _lock = lockFile;
        _masterKey = masterKey;
        _ownsMasterKey = ownsMasterKey;
        _headerTemplate = headerTemplate;
    }

    /// <summary>Test hook: called before each write step; throwing from it simulates a crash at that point.</summary>
    internal Action<FileWriteStep>? BeforeStep { get; set; }

    /// <summary>Opens (or prepares to create) the store at <paramref name="path"/> with a passphrase.</summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> or <paramref name="passphrase"/> is empty.</exception>
    /// <exception cref="KeyStoreLockedException">Another store holds the lock.</exception>
    /// <exception cref="CryptographicException">The existing file is not a passphrase store, or its iteration count is below <see cref="Pbkdf2Iterations"/>.</exception>
    public static FileKeyStore Open(string path, ReadOnlySpan<char> passphrase) => Open(path, passphrase, Pbkdf2Iterations);

    /// <summary>Opens (or prepares to create) the store at <paramref name="path"/> with a master key; the caller keeps ownership of <paramref name="masterKey"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or <paramref name="masterKey"/> is not AES-256-GCM.</exception>
    /// <exception cref="KeyStoreLockedException">Another store holds the lock.</exception>
    /// <exception cref="CryptographicException">The existing file is a passphrase store.</exception>
    public static FileKeyStore Open(string path, AeadKey masterKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(masterKey);
        if (masterKey.Algorithm != AeadAlgorithm.Aes256Gcm)
        {
            throw new ArgumentException("The master key must be AES-256-GCM.", nameof(masterKey));
        }

        path = System.IO.Path.GetFullPath(path);
        FileStream lockFile = AcquireLock(path);
        try
        {
            byte[] header = ReadHeader(path) ?? NewHeader(KdfMasterKey, 0, new byte[SaltSize]);
            if (header[5] != KdfMasterKey)
            {
                throw new CryptographicException("The key store was created with a passphrase, not a master key.");
            }

            return new FileKeyStore(path, lockFile, masterKey, ownsMasterKey: false, header);
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
    }

    /// <summary>Opens with a chosen iteration count; below <see cref="Pbkdf2Iterations"/> only for tests.</summary>
    internal static FileKeyStore Open(string path, ReadOnlySpan<char> passphrase, int minimumIterations)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (passphrase.IsEmpty)
        {
            throw new ArgumentException("The passphrase is empty.", nameof(passphrase));
        }

        path = System.IO.Path.GetFullPath(path);
        FileStream lockFile = AcquireLock(path);
        try
        {
            byte[] header = ReadHeader(path) ?? NewHeader(KdfPbkdf2, minimumIterations, RandomNumberGenerator.GetBytes(SaltSize));
            if (header[5] != KdfPbkdf2)
            {
                throw new CryptographicException("The key store was created with a master key, not a passphrase.");
            }

            int iterations = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(8));
            if (iterations < minimumIterations)
            {
                throw new CryptographicException($"The key store uses {iterations} PBKDF2 iterations; at least {minimumIterations} are required.");
            }

            byte[] keyBytes = GC.AllocateArray<byte>(32, pinned: true);
            try
            {
                Rfc2898DeriveBytes.Pbkdf2(passphrase, header.AsSpan(12, SaltSize), keyBytes, iterations, HashAlgorithmName.SHA256);
                return new FileKeyStore(path, lockFile, AeadKey.Import(AeadAlgorithm.Aes256Gcm, keyBytes), ownsMasterKey: true, header);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(keyBytes);
            }
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
    }

    /// <summary>The store's file.</summary>
    public string Path => _path;

    /// <inheritdoc/>
    /// <exception cref="CryptographicException">The file is corrupt, was changed, or the passphrase / master key is wrong.</exception>
    public KeyRing Load(TimeProvider? timeProvider = null)
    {
        byte[] file;
        try
        {
            file = File.ReadAllBytes(_path);
        }
        catch (FileNotFoundException)
        {
            return new KeyRing(timeProvider);
        }

        if (file.Length < HeaderSize + AeadAlgorithm.TagSize || !file.AsSpan(0, 4).SequenceEqual(Magic) || file[4] != 1)
        {
            throw new CryptographicException("The key store file is truncated or not a version-1 key store.");
        }

        ReadOnlySpan<byte> header = file.AsSpan(0, HeaderSize);
        byte[] plain = new byte[file.Length - HeaderSize - AeadAlgorithm.TagSize];
        try
        {
            _masterKey.Decrypt(header[28..40], file.AsSpan(HeaderSize), plain, header);
            return KeyRingSerializer.Deserialize(plain, timeProvider);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <inheritdoc/>
    /// <exception cref="IOException">Writing failed; the stored state is the old one or the new one.</exception>
    public void Save(KeyRing ring)
    {
        ArgumentNullException.ThrowIfNull(ring);
        byte[] plain = KeyRingSerializer.Serialize(ring);
        byte[] file = new byte[HeaderSize + plain.Length + AeadAlgorithm.TagSize];
        try
        {
            _headerTemplate.CopyTo(file, 0);
            RandomNumberGenerator.Fill(file.AsSpan(28, AeadAlgorithm.NonceSize));
            _masterKey.Encrypt(file.AsSpan(28, AeadAlgorithm.NonceSize), plain, file.AsSpan(HeaderSize), file.AsSpan(0, HeaderSize));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }

        lock (_saveLock)
        {
            Step(FileWriteStep.CreateTemp);
            using (var temp = new FileStream(_tempPath, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.None))
            {
                int half = file.Length / 2;
                temp.Write(file, 0, half);
                Step(FileWriteStep.WriteTemp);
                temp.Write(file, half, file.Length - half);
                Step(FileWriteStep.FlushTemp);
                temp.Flush(flushToDisk: true);
            }

            Step(FileWriteStep.Rename);
            File.Move(_tempPath, _path, overwrite: true);
            Step(FileWriteStep.FlushDirectory);
            Internal.DirectorySync.Flush(System.IO.Path.GetDirectoryName(_path)!);
        }
    }

    /// <summary>Releases the lock and, for a passphrase store, erases the derived master key.</summary>
    public void Dispose()
    {
        if (_ownsMasterKey)
        {
            _masterKey.Dispose();
        }

        _lock.Dispose();
    }

    private void Step(FileWriteStep step) => BeforeStep?.Invoke(step);

    private static FileStream AcquireLock(string path)
    {
        try
        {
            var lockFile = new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            try
            {
                File.Delete(path + ".tmp"); // a torn temp file from a crash; never read
            }
            catch (IOException)
            {
                // Left for the next open: it is never read.
            }

            return lockFile;
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new KeyStoreLockedException($"The key store '{path}' is open in another process or store.", e);
        }
    }

    private static byte[]? ReadHeader(string path)
    {
        byte[] header = new byte[HeaderSize];
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            if (stream.ReadAtLeast(header, HeaderSize, throwOnEndOfStream: false) < HeaderSize || !header.AsSpan(0, 4).SequenceEqual(Magic) || header[4] != 1)
            {
                throw new CryptographicException("The key store file is truncated or not a version-1 key store.");
            }

            return header;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    private static byte[] NewHeader(byte kdf, int iterations, byte[] salt)
    {
        byte[] header = new byte[HeaderSize];
        Magic.CopyTo(header, 0);
        header[4] = 1;
        header[5] = kdf;
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), iterations);
        salt.CopyTo(header, 12);
        return header;
    }
}

/// <summary>The steps of an atomic save, for failure injection in tests.</summary>
internal enum FileWriteStep
{
    CreateTemp,
    WriteTemp,
    FlushTemp,
    Rename,
    FlushDirectory,
}

/// <summary>The store is held open by another process or another <see cref="FileKeyStore"/>.</summary>
public sealed class KeyStoreLockedException : IOException
{
    /// <summary>Creates the exception.</summary>
    public KeyStoreLockedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public KeyStoreLockedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public KeyStoreLockedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

internal static partial class NativeMethods
{
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    internal static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);
}
