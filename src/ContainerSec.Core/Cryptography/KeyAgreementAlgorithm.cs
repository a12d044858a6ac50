namespace ContainerSec.Cryptography;

/// <summary>
/// A key agreement (Diffie-Hellman) algorithm: ECDH over NIST P-256, P-384 or P-521, or X25519
/// (RFC 7748). The set is closed; finite-field Diffie-Hellman and other curves are not offered
/// (see <c>docs/key-exchange.md</c>).
/// </summary>
/// <remarks>
/// Keys are <see cref="KeyAgreementPrivateKey"/> and <see cref="KeyAgreementPublicKey"/>;
/// <see cref="KeyAgreementPrivateKey.Agree"/> yields a <see cref="SharedSecret"/> whose only exit
/// is HKDF into a key object.
/// </remarks>
public abstract class KeyAgreementAlgorithm
{
    private protected KeyAgreementAlgorithm(string name, int privateKeySizeInBytes, int publicKeySizeInBytes, int sharedSecretSizeInBytes)
    {
        Name = name;
        PrivateKeySizeInBytes = privateKeySizeInBytes;
        PublicKeySizeInBytes = publicKeySizeInBytes;
        SharedSecretSizeInBytes = sharedSecretSizeInBytes;
    }

    /// <summary>ECDH over NIST P-256 (secp256r1): 32-byte scalars, 65-byte uncompressed public points, 32-byte secrets.</summary>
    public static KeyAgreementAlgorithm EcdhP256 { get; } = new EcdhAlgorithm(
        "ECDH-P256", System.Security.Cryptography.ECCurve.NamedCurves.nistP256, "1.2.840.10045.3.1.7", 32);

    /// <summary>ECDH over NIST P-384 (secp384r1): 48-byte scalars, 97-byte uncompressed public points, 48-byte secrets.</summary>
    public static KeyAgreementAlgorithm EcdhP384 { get; } = new EcdhAlgorithm(
        "ECDH-P384", System.Security.Cryptography.ECCurve.NamedCurves.nistP384, "1.3.132.0.34", 48);

    /// <summary>ECDH over NIST P-521 (secp521r1): 66-byte scalars, 133-byte uncompressed public points, 66-byte secrets.</summary>
    public static KeyAgreementAlgorithm EcdhP521 { get; } = new EcdhAlgorithm(
        "ECDH-P521", System.Security.Cryptography.ECCurve.NamedCurves.nistP521, "1.3.132.0.35", 66);

    /// <summary>X25519 (RFC 7748): 32-byte private keys, public keys and secrets. An all-zero secret is refused.</summary>
    public static KeyAgreementAlgorithm X25519 { get; } = new X25519Algorithm();

    /// <summary>The name, such as <c>ECDH-P256</c> or <c>X25519</c>.</summary>
    public string Name { get; }

    /// <summary>The size of a raw private key: the big-endian scalar for ECDH, the 32-byte string for X25519.</summary>
    public int PrivateKeySizeInBytes { get; }

    /// <summary>The size of a raw public key: the uncompressed point <c>04 ‖ X ‖ Y</c> for ECDH, 32 bytes for X25519.</summary>
    public int PublicKeySizeInBytes { get; }

    /// <summary>The size of the shared secret (the x-coordinate for ECDH, the u-coordinate for X25519).</summary>
    public int SharedSecretSizeInBytes { get; }

    /// <inheritdoc/>
    public override string ToString() => Name;

    internal abstract KeyAgreementPrivateKey.Core Generate();

    /// <summary>Imports a raw private key; throws <see cref="System.Security.Cryptography.CryptographicException"/> when it is not one.</summary>
    internal abstract KeyAgreementPrivateKey.Core ImportPrivateKey(ReadOnlySpan<byte> source);

    internal abstract KeyAgreementPrivateKey.Core ImportPkcs8PrivateKey(ReadOnlySpan<byte> source);

    /// <summary>Checks a raw public key and returns what the public key object keeps; throws <see cref="System.Security.Cryptography.CryptographicException"/>.</summary>
    internal abstract object? ValidatePublicKey(ReadOnlySpan<byte> source);

    /// <summary>Reads a SubjectPublicKeyInfo (strict DER) and returns the raw public key inside.</summary>
    internal abstract byte[] ReadSubjectPublicKeyInfo(ReadOnlySpan<byte> source);

    internal abstract byte[] WriteSubjectPublicKeyInfo(ReadOnlySpan<byte> publicKey);
}
