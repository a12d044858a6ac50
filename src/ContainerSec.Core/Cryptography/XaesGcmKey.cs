using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using ContainerSec.Internal;

namespace ContainerSec.Cryptography;

/// <summary>
/// An XAES-256-GCM key (C2SP, <c>c2sp.org/XAES-256-GCM</c>): AES-256-GCM with 24-byte (192-bit)
/// nonces, safe to choose at random for practically unlimited messages per key (2^80 at a 2^-32
/// collision bound). Each message derives a fresh AES-256 key from the first 12 nonce bytes
/// with a CMAC-style KDF (three AES blocks) and uses the last 12 as the GCM nonce.
/// </summary>
/// <remarks>
/// <para>Cost: the per-message key derivation plus a fresh native AES-GCM key schedule, about
/// a microsecond per message on top of AES-256-GCM (see <c>docs/benchmarks.md</c>). Choose it
/// when one key must encrypt more than the 2^32 random-nonce messages plain AES-GCM allows, or
/// when counting uses is impossible; otherwise a <see cref="KeyManagement.KeyRing"/> with its
/// enforced limits is cheaper.</para>
/// <para>Key bytes live in pinned memory zeroed on <see cref="Dispose"/>; never shown by
/// <see cref="ToString"/>; not exportable. Thread-safe.</para>
/// </remarks>
[DebuggerDisplay("{ToString(),nq}")]
public sealed class XaesGcmKey : IDisposable
{
    /// <summary>The key size: 32 bytes.</summary>
    public const int KeySize = 32;

    /// <summary>The nonce size: 24 bytes.</summary>
    public const int NonceSize = 24;

    /// <summary>The tag size: 16 bytes.</summary>
    public const int TagSize = AeadAlgorithm.TagSize;

    private readonly SecretBytes _key;
    private readonly SecretBytes _k1;
    private readonly ContextPool<Aes> _aes;

    private XaesGcmKey(SecretBytes key)
    {
        _key = key;
        _aes = new ContextPool<Aes>(key, static bytes =>
        {
            var aes = Aes.Create();
            aes.SetKey(bytes);
            return aes;
        });

        // K1 = L << 1, with the CMAC reduction when MSB(L) = 1; L = AES-256(K, 0^128).
        _k1 = SecretBytes.Zeroed(16);
        Span<byte> l = stackalloc byte[16];
        Aes aes = _aes.Rent(this);
        try
        {
            aes.EncryptEcb(new byte[16], l, PaddingMode.None);
        }
        finally
        {
            _aes.Return(aes);
        }

        Span<byte> k1 = _k1.Array;
        for (int i = 0; i < 15; i++)
        {
            k1[i] = (byte)((l[i] << 1) | (l[i + 1] >> 7));
        }

        k1[15] = (byte)((l[15] << 1) ^ ((l[0] >> 7) * 0x87));
        CryptographicOperations.ZeroMemory(l);
    }

    /// <summary>Creates a random key.</summary>
    public static XaesGcmKey Generate() => new(SecretBytes.Random(KeySize));

    /// <summary>Creates a key from its 32 bytes (copied).</summary>
    /// <exception cref="ArgumentException"><paramref name="key"/> is not 32 bytes.</exception>
    public static XaesGcmKey Import(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize)
        {
            Error.ThrowWrongSize(nameof(key), "XAES-256-GCM key", KeySize, key.Length);
        }

        return new XaesGcmKey(SecretBytes.Copy(key));
    }

    /// <summary>Encrypts and returns <c>ciphertext ‖ tag</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="nonce"/> is not 24 bytes.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public byte[] Encrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData = default)
    {
        byte[] destination = new byte[AeadAlgorithm.Aes256Gcm.GetCiphertextSize(plaintext.Length)];
        Encrypt(nonce, plaintext, destination, associatedData);
        return destination;
    }

    /// <summary>Encrypts into <paramref name="destination"/> as <c>ciphertext ‖ tag</c>.</summary>
    /// <returns>The number of bytes written.</returns>
    /// <exception cref="ArgumentException"><paramref name="nonce"/> is not 24 bytes, or <paramref name="destination"/> is too small or partly overlaps.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    [OverloadResolutionPriority(1)]
    public int Encrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> destination, ReadOnlySpan<byte> associatedData = default)
    {
        using AeadKey derived = Derive(nonce);
        return derived.Encrypt(nonce[12..], plaintext, destination, associatedData);
    }

    /// <summary>Encrypts into <paramref name="destination"/> if it is large enough.</summary>
    /// <returns><see langword="false"/> only when <paramref name="destination"/> is too small.</returns>
    /// <exception cref="ArgumentException"><paramref name="nonce"/> is not 24 bytes, or buffers partly overlap.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public bool TryEncrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> destination, out int bytesWritten, ReadOnlySpan<byte> associatedData = default)
    {
        using AeadKey derived = Derive(nonce);
        return derived.TryEncrypt(nonce[12..], plaintext, destination, out bytesWritten, associatedData);
    }

    /// <summary>Decrypts <c>ciphertext ‖ tag</c> and returns the plaintext.</summary>
    /// <exception cref="AuthenticationTagMismatchException">The data, nonce, associated data or key do not match the tag.</exception>
    /// <exception cref="ArgumentException"><paramref name="nonce"/> is not 24 bytes, or <paramref name="ciphertext"/> is shorter than a tag.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public byte[] Decrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> associatedData = default)
    {
        using AeadKey derived = Derive(nonce);
        return derived.Decrypt(nonce[12..], ciphertext, associatedData);
    }

    /// <summary>Decrypts into <paramref name="destination"/>.</summary>
    /// <returns>The number of bytes written.</returns>
    /// <exception cref="AuthenticationTagMismatchException">Authentication failed; the destination is zeroed.</exception>
    /// <exception cref="ArgumentException"><paramref name="nonce"/> is not 24 bytes, <paramref name="ciphertext"/> is shorter than a tag, or <paramref name="destination"/> is too small.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    [OverloadResolutionPriority(1)]
    public int Decrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, Span<byte> destination, ReadOnlySpan<byte> associatedData = default)
    {
        using AeadKey derived = Derive(nonce);
        return derived.Decrypt(nonce[12..], ciphertext, destination, associatedData);
    }

    /// <summary>Decrypts into <paramref name="destination"/> if it is large enough.</summary>
    /// <returns><see langword="false"/> only when <paramref name="destination"/> is too small.</returns>
    /// <exception cref="AuthenticationTagMismatchException">Authentication failed; the destination is zeroed.</exception>
    /// <exception cref="ArgumentException"><paramref name="nonce"/> is not 24 bytes, or <paramref name="ciphertext"/> is shorter than a tag.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public bool TryDecrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, Span<byte> destination, out int bytesWritten, ReadOnlySpan<byte> associatedData = default)
    {
        using AeadKey derived = Derive(nonce);
        return derived.TryDecrypt(nonce[12..], ciphertext, destination, out bytesWritten, associatedData);
    }

    /// <summary>Zeroes the key. Idempotent.</summary>
    public void Dispose()
    {
        _key.Dispose();
        _k1.Dispose();
        _aes.Dispose();
    }

    /// <summary>Names the algorithm only.</summary>
    public override string ToString() => "XaesGcmKey(XAES-256-GCM)";

    /// <summary>Kx = AES(K, M1 ⊕ K1) ‖ AES(K, M2 ⊕ K1), Mi = 0x00 ‖ i ‖ 'X' ‖ 0x00 ‖ N[0..12].</summary>
    private AeadKey Derive(ReadOnlySpan<byte> nonce)
    {
        if (nonce.Length != NonceSize)
        {
            Error.ThrowWrongSize(nameof(nonce), "XAES-256-GCM nonce", NonceSize, nonce.Length);
        }

        Span<byte> blocks = stackalloc byte[32];
        ReadOnlySpan<byte> k1 = _k1.Span;
        for (int b = 0; b < 2; b++)
        {
            Span<byte> m = blocks.Slice(b * 16, 16);
            m[0] = 0;
            m[1] = (byte)(b + 1);
            m[2] = (byte)'X';
            m[3] = 0;
            nonce[..12].CopyTo(m[4..]);
            for (int i = 0; i < 16; i++)
            {
                m[i] ^= k1[i];
            }
        }

        Aes aes = _aes.Rent(this);
        try
        {
            aes.EncryptEcb(blocks, blocks, PaddingMode.None);
            return AeadKey.Import(AeadAlgorithm.Aes256Gcm, blocks);
        }
        finally
        {
            _aes.Return(aes);
            CryptographicOperations.ZeroMemory(blocks);
        }
    }
}
