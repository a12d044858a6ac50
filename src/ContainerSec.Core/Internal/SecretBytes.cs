using System.Security.Cryptography;
using ContainerSec.Cryptography;

namespace ContainerSec.Internal;

/// <summary>
/// Key bytes in a pinned array, so the garbage collector never leaves copies behind when it
/// compacts the heap, and zeroed exactly once when the owner is disposed.
/// </summary>
internal sealed class SecretBytes : IDisposable
{
    private readonly byte[] _bytes;
    private int _disposed;

    private SecretBytes(int length)
    {
        _bytes = GC.AllocateUninitializedArray<byte>(length, pinned: true);
    }

    public static SecretBytes Copy(ReadOnlySpan<byte> source)
    {
        var secret = new SecretBytes(source.Length);
        source.CopyTo(secret._bytes);
        return secret;
    }

    /// <summary>Zeroed bytes for an operation to write its secret output into.</summary>
    public static SecretBytes Zeroed(int length)
    {
        var secret = new SecretBytes(length);
        System.Array.Clear(secret._bytes);
        return secret;
    }

    public static SecretBytes Random(int length)
    {
        var secret = new SecretBytes(length);
        RandomNumberGenerator.Fill(secret._bytes);
        return secret;
    }

    public int Length => _bytes.Length;

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>The bytes themselves; for the owning key object only, never handed to callers.</summary>
    public byte[] Array => _bytes;

    public ReadOnlySpan<byte> Span => _bytes;

    /// <summary>Copies the bytes out for a key object's <c>Export</c>, after its policy allows it.</summary>
    public int Export(KeyExportPolicy policy, object owner, Span<byte> destination)
    {
        ThrowIfNotExportable(policy, owner);
        if (destination.Length < _bytes.Length)
        {
            Error.ThrowDestinationTooSmall(nameof(destination), _bytes.Length, destination.Length);
        }

        _bytes.CopyTo(destination);
        return _bytes.Length;
    }

    /// <summary>Returns a copy of the bytes for a key object's <c>Export</c>, after its policy allows it.</summary>
    public byte[] Export(KeyExportPolicy policy, object owner)
    {
        ThrowIfNotExportable(policy, owner);
        return (byte[])_bytes.Clone();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            CryptographicOperations.ZeroMemory(_bytes);
        }
    }

    private void ThrowIfNotExportable(KeyExportPolicy policy, object owner)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, owner);
        if (policy != KeyExportPolicy.AllowPlaintextExport)
        {
            throw Error.NotExportable(owner.GetType().Name);
        }
    }
}
