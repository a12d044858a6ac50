namespace ContainerSec.Cryptography;

/// <summary>
/// An authenticated encryption algorithm: AES-128-GCM or AES-256-GCM with a 12-byte nonce and a
/// 16-byte tag. The set is closed; other nonce and tag sizes are refused (see
/// <c>docs/cryptography.md</c>).
/// </summary>
public sealed class AeadAlgorithm
{
    /// <summary>The nonce size of every algorithm offered: 12 bytes (96 bits), the GCM size that needs no GHASH of the IV.</summary>
    public const int NonceSize = 12;

    /// <summary>The tag size of every algorithm offered: 16 bytes. Truncated tags are refused.</summary>
    public const int TagSize = 16;

    private AeadAlgorithm(string name, int keySizeInBytes)
    {
        Name = name;
        KeySizeInBytes = keySizeInBytes;
    }

    /// <summary>AES-128 in Galois/Counter Mode (NIST SP 800-38D), 16-byte keys.</summary>
    public static AeadAlgorithm Aes128Gcm { get; } = new("AES-128-GCM", 16);

    /// <summary>AES-256 in Galois/Counter Mode (NIST SP 800-38D), 32-byte keys.</summary>
    public static AeadAlgorithm Aes256Gcm { get; } = new("AES-256-GCM", 32);

    /// <summary>The standard name, such as <c>AES-256-GCM</c>.</summary>
    public string Name { get; }

    /// <summary>The key size in bytes.</summary>
    public int KeySizeInBytes { get; }

    /// <summary>The nonce size in bytes (always <see cref="NonceSize"/>).</summary>
    public int NonceSizeInBytes { get; } = NonceSize;

    /// <summary>The tag size in bytes (always <see cref="TagSize"/>).</summary>
    public int TagSizeInBytes { get; } = TagSize;

    /// <summary>The size of <c>ciphertext ‖ tag</c> for a plaintext of <paramref name="plaintextLength"/> bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The length is negative or the result would overflow.</exception>
    public int GetCiphertextSize(int plaintextLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(plaintextLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(plaintextLength, int.MaxValue - TagSizeInBytes);
        return plaintextLength + TagSizeInBytes;
    }

    /// <summary>The size of the plaintext inside <c>ciphertext ‖ tag</c> of <paramref name="ciphertextLength"/> bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The length is shorter than a tag.</exception>
    public int GetPlaintextSize(int ciphertextLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ciphertextLength, TagSizeInBytes);
        return ciphertextLength - TagSizeInBytes;
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
