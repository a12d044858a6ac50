using ContainerSec.Internal;

namespace ContainerSec.Cryptography;

/// <summary>
/// An HPKE key encapsulation mechanism (RFC 9180 §4.1): DHKEM(P-256, HKDF-SHA256) or
/// DHKEM(X25519, HKDF-SHA256). The set is closed.
/// </summary>
public sealed class HpkeKem
{
    private HpkeKem(ushort id, string name, KeyAgreementAlgorithm keyAgreement)
    {
        Id = id;
        SharedSecretSizeInBytes = 32;
        HashFunction = HashFunction.Sha256;
        Name = name;
        KeyAgreementAlgorithm = keyAgreement;
        SuiteId = [(byte)'K', (byte)'E', (byte)'M', (byte)(id >> 8), (byte)id];
    }

    /// <summary>DHKEM(P-256, HKDF-SHA256), KEM id <c>0x0010</c>: 65-byte uncompressed encapsulated keys.</summary>
    public static HpkeKem DhKemP256HkdfSha256 { get; } = new(0x0010, "DHKEM(P-256, HKDF-SHA256)", KeyAgreementAlgorithm.EcdhP256);

    /// <summary>DHKEM(X25519, HKDF-SHA256), KEM id <c>0x0020</c>: 32-byte encapsulated keys.</summary>
    public static HpkeKem DhKemX25519HkdfSha256 { get; } = new(0x0020, "DHKEM(X25519, HKDF-SHA256)", KeyAgreementAlgorithm.X25519);

    /// <summary>The IANA KEM identifier.</summary>
    public ushort Id { get; }

    /// <summary>The name as RFC 9180 writes it.</summary>
    public string Name { get; }

    /// <summary>The Diffie-Hellman group; recipient and sender keys are <see cref="KeyAgreementPrivateKey"/> / <see cref="KeyAgreementPublicKey"/> of it.</summary>
    public KeyAgreementAlgorithm KeyAgreementAlgorithm { get; }

    /// <summary>Nenc: the size of an encapsulated key (the serialized ephemeral public key).</summary>
    public int EncapsulatedKeySizeInBytes => KeyAgreementAlgorithm.PublicKeySizeInBytes;

    /// <summary>Nsecret: the size of the KEM shared secret (32 for both KEMs).</summary>
    public int SharedSecretSizeInBytes { get; }

    /// <summary>The KEM's own hash function (SHA-256 for both KEMs).</summary>
    internal HashFunction HashFunction { get; }

    /// <summary><c>"KEM" ‖ I2OSP(kem_id, 2)</c>.</summary>
    internal byte[] SuiteId { get; }

    /// <summary>
    /// DeriveKeyPair (RFC 9180 §7.1.3): the key pair that <paramref name="ikm"/> determines. For
    /// P-256 the candidate scalars are drawn by rejection sampling with bitmask <c>0xff</c>. The same
    /// input always gives the same key: keep <paramref name="ikm"/> secret and at least 32 bytes of entropy.
    /// </summary>
    /// <param name="ikm">Input keying material, at least 32 bytes and at most 65,535.</param>
    /// <param name="exportPolicy">Whether the private key can be exported.</param>
    /// <exception cref="ArgumentException"><paramref name="ikm"/> is shorter than 32 bytes or longer than 65,535.</exception>
    /// <exception cref="System.Security.Cryptography.CryptographicException">No valid P-256 scalar among 256 candidates (probability about 2^-8192).</exception>
    public KeyAgreementPrivateKey DeriveKeyPair(ReadOnlySpan<byte> ikm, KeyExportPolicy exportPolicy = KeyExportPolicy.None)
    {
        if (ikm.Length < 32)
        {
            throw Error.TooShort(nameof(ikm), "HPKE DeriveKeyPair input keying material", 32, ikm.Length);
        }

        HpkeLabels.CheckLength(ikm, nameof(ikm), "input keying material");
        return HpkeDhKem.DeriveKeyPair(this, ikm, exportPolicy);
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>An HPKE key derivation function (RFC 9180 §7.2). Offered: HKDF-SHA256 only.</summary>
public sealed class HpkeKdf
{
    private HpkeKdf(ushort id, string name, HashFunction hash)
    {
        Id = id;
        Name = name;
        HashFunction = hash;
    }

    /// <summary>HKDF-SHA256, KDF id <c>0x0001</c>.</summary>
    public static HpkeKdf HkdfSha256 { get; } = new(0x0001, "HKDF-SHA256", HashFunction.Sha256);

    /// <summary>The IANA KDF identifier.</summary>
    public ushort Id { get; }

    /// <summary>The name as RFC 9180 writes it.</summary>
    public string Name { get; }

    /// <summary>The hash function under HKDF (Nh = its size).</summary>
    public HashFunction HashFunction { get; }

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>
/// An HPKE AEAD (RFC 9180 §7.3): AES-128-GCM, AES-256-GCM, or Export-only (no encryption, only
/// secret export). ChaCha20-Poly1305 is not offered.
/// </summary>
public sealed class HpkeAead
{
    private HpkeAead(ushort id, string name, AeadAlgorithm? algorithm)
    {
        Id = id;
        Name = name;
        AeadAlgorithm = algorithm;
    }

    /// <summary>AES-128-GCM, AEAD id <c>0x0001</c>.</summary>
    public static HpkeAead Aes128Gcm { get; } = new(0x0001, "AES-128-GCM", Cryptography.AeadAlgorithm.Aes128Gcm);

    /// <summary>AES-256-GCM, AEAD id <c>0x0002</c>.</summary>
    public static HpkeAead Aes256Gcm { get; } = new(0x0002, "AES-256-GCM", Cryptography.AeadAlgorithm.Aes256Gcm);

    /// <summary>Export-only, AEAD id <c>0xFFFF</c>: contexts can only <c>Export</c>; <c>Seal</c> and <c>Open</c> throw.</summary>
    public static HpkeAead ExportOnly { get; } = new(0xFFFF, "Export-only", null);

    /// <summary>The IANA AEAD identifier.</summary>
    public ushort Id { get; }

    /// <summary>The name as RFC 9180 writes it.</summary>
    public string Name { get; }

    /// <summary>The library's AEAD algorithm, or <see langword="null"/> for <see cref="ExportOnly"/>.</summary>
    public AeadAlgorithm? AeadAlgorithm { get; }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
