using System.Diagnostics;
using System.Security.Cryptography;
using ContainerSec.Internal;

namespace ContainerSec.Cryptography;

/// <summary>
/// A secret key for a <see cref="MacAlgorithm"/> that keeps its keyed native state across calls.
/// </summary>
/// <remarks>
/// <para>Setting up a keyed HMAC context is most of the cost of a MAC over a short message; this
/// key sets it up once and resets it after each message. Instances are thread-safe: concurrent
/// calls each get a context of their own.</para>
/// <para>The key bytes live in pinned memory that is zeroed on <see cref="Dispose"/>; they are
/// never shown, and can be exported only when the key was created with
/// <see cref="KeyExportPolicy.AllowPlaintextExport"/>.</para>
/// </remarks>
[DebuggerDisplay("{ToString(),nq}")]
public sealed class MacKey : IDisposable
{
    private readonly SecretBytes _key;
    private readonly ContextPool<IncrementalHash> _contexts;

    private MacKey(MacAlgorithm algorithm, SecretBytes key, KeyExportPolicy exportPolicy)
    {
        Algorithm = algorithm;
        ExportPolicy = exportPolicy;
        _key = key;
        HashAlgorithmName hash = algorithm.HashFunction.HashAlgorithmName;
        _contexts = new ContextPool<IncrementalHash>(key, bytes => IncrementalHash.CreateHMAC(hash, bytes));
    }

    /// <summary>The algorithm this key is for.</summary>
    public MacAlgorithm Algorithm { get; }

    /// <summary>Whether the key's bytes can be exported.</summary>
    public KeyExportPolicy ExportPolicy { get; }

    /// <summary>Creates a new random key of <see cref="MacAlgorithm.KeySizeInBytes"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="algorithm"/> is <see langword="null"/>.</exception>
    public static MacKey Generate(MacAlgorithm algorithm, KeyExportPolicy exportPolicy = KeyExportPolicy.None)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        return new MacKey(algorithm, SecretBytes.Random(algorithm.KeySizeInBytes), exportPolicy);
    }

    /// <summary>Creates a key from its bytes. The bytes are copied; the caller should zero its copy.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="algorithm"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="key"/> is shorter than 16 bytes.</exception>
    public static MacKey Import(MacAlgorithm algorithm, ReadOnlySpan<byte> key, KeyExportPolicy exportPolicy = KeyExportPolicy.None)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        MacAlgorithm.CheckKey(key);
        return new MacKey(algorithm, SecretBytes.Copy(key), exportPolicy);
    }

    /// <summary>Copies the key bytes into <paramref name="destination"/>.</summary>
    /// <returns>The number of bytes written.</returns>
    /// <exception cref="InvalidOperationException">The key was not created exportable.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public int Export(Span<byte> destination)
    {
        return _key.Export(ExportPolicy, this, destination);
    }

    /// <summary>Returns a copy of the key bytes. The caller owns and should zero the copy.</summary>
    /// <exception cref="InvalidOperationException">The key was not created exportable.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public byte[] Export()
    {
        return _key.Export(ExportPolicy, this);
    }

    /// <summary>Computes the MAC of <paramref name="source"/>.</summary>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public byte[] Compute(ReadOnlySpan<byte> source)
    {
        byte[] mac = new byte[Algorithm.MacSizeInBytes];
        ComputeCore(source, mac);
        return mac;
    }

    /// <summary>Computes the MAC of <paramref name="source"/> into <paramref name="destination"/>.</summary>
    /// <returns>The number of bytes written, <see cref="MacAlgorithm.MacSizeInBytes"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public int Compute(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (destination.Length < Algorithm.MacSizeInBytes)
        {
            Error.ThrowDestinationTooSmall(nameof(destination), Algorithm.MacSizeInBytes, destination.Length);
        }

        return ComputeCore(source, destination);
    }

    /// <summary>Computes the MAC into <paramref name="destination"/> if it is large enough.</summary>
    /// <returns><see langword="false"/> only when <paramref name="destination"/> is too small.</returns>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public bool TryCompute(ReadOnlySpan<byte> source, Span<byte> destination, out int bytesWritten)
    {
        if (destination.Length < Algorithm.MacSizeInBytes)
        {
            bytesWritten = 0;
            return false;
        }

        bytesWritten = ComputeCore(source, destination);
        return true;
    }

    /// <summary>Checks in fixed time that <paramref name="mac"/> is the MAC of <paramref name="source"/>.</summary>
    /// <returns>Whether the tag matches.</returns>
    /// <exception cref="ArgumentException"><paramref name="mac"/> is not exactly <see cref="MacAlgorithm.MacSizeInBytes"/>
    /// long (truncated tags are refused, never compared as a prefix).</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public bool Verify(ReadOnlySpan<byte> source, ReadOnlySpan<byte> mac)
    {
        Algorithm.CheckMacSize(mac);
        Span<byte> computed = stackalloc byte[Algorithm.MacSizeInBytes];
        ComputeCore(source, computed);
        bool equal = CryptographicOperations.FixedTimeEquals(computed, mac);
        CryptographicOperations.ZeroMemory(computed);
        return equal;
    }

    /// <summary>Zeroes the key bytes and releases the native state. Idempotent.</summary>
    public void Dispose()
    {
        _key.Dispose();
        _contexts.Dispose();
    }

    /// <summary>Names the algorithm only; key bytes are never shown.</summary>
    public override string ToString() => $"MacKey({Algorithm.Name})";

    private int ComputeCore(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        IncrementalHash context = _contexts.Rent(this);
        int written;
        try
        {
            context.AppendData(source);
            written = context.GetHashAndReset(destination);
        }
        catch
        {
            // The context may hold half a message: never give it back.
            context.Dispose();
            throw;
        }

        _contexts.Return(context);
        return written;
    }
}
