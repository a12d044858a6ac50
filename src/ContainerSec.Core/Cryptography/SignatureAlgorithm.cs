using System.Security.Cryptography;

namespace ContainerSec.Cryptography;

/// <summary>
/// A digital signature algorithm: ECDSA over P-256/P-384/P-521 (IEEE P1363 or DER signatures),
/// RSA-PSS and RSASSA-PKCS1-v1_5 with SHA-256/384/512, or Ed25519. The set is closed.
/// </summary>
/// <remarks>
/// <para>The ECDSA signature encoding is part of the algorithm: <see cref="EcdsaP256Sha256"/>
/// writes and accepts only the fixed-width IEEE P1363 form <c>r ‖ s</c> (as JWS/COSE do), and
/// <see cref="EcdsaP256Sha256Der"/> only the strict DER <c>SEQUENCE { r, s }</c> (as X.509, CMS
/// and TLS do). A verifier therefore never guesses an encoding, and the sign/verify shapes need no
/// extra parameter. The key is the same: import the same PKCS#8 or SubjectPublicKeyInfo bytes
/// under either algorithm.</para>
/// <para>RSA-PSS uses MGF1 with the same hash and a salt as long as the hash. RSA keys must be
/// 2048 to 4096 bits (<see cref="MinRsaKeySizeInBits"/>, <see cref="MaxRsaKeySizeInBits"/>).
/// Refused by design: DSA, RSA keys outside that range, SHA-1 and MD5, other curves
/// (secp256k1, Brainpool), other PSS salt lengths or MGF hashes. See <c>docs/signatures.md</c>.</para>
/// </remarks>
public sealed class SignatureAlgorithm
{
    /// <summary>The smallest RSA key accepted: 2048 bits.</summary>
    public const int MinRsaKeySizeInBits = 2048;

    /// <summary>The largest RSA key accepted: 4096 bits.</summary>
    public const int MaxRsaKeySizeInBits = 4096;

    /// <summary>The RSA key size made by <see cref="SigningKey.Generate(SignatureAlgorithm, KeyExportPolicy)"/>: 3072 bits.</summary>
    public const int DefaultRsaKeySizeInBits = 3072;

    private SignatureAlgorithm(string name, SignatureKind kind, HashFunction? hash, int keySizeInBits, string? curveOid, bool der)
    {
        Name = name;
        Kind = kind;
        HashFunction = hash;
        CurveKeySizeInBits = keySizeInBits;
        CurveOid = curveOid;
        IsDer = der;
    }

    /// <summary>ECDSA over NIST P-256 with SHA-256; signatures in IEEE P1363 form (64 bytes).</summary>
    public static SignatureAlgorithm EcdsaP256Sha256 { get; } = new("ECDSA-P256-SHA256", SignatureKind.Ecdsa, HashFunction.Sha256, 256, "1.2.840.10045.3.1.7", der: false);

    /// <summary>ECDSA over NIST P-384 with SHA-384; signatures in IEEE P1363 form (96 bytes).</summary>
    public static SignatureAlgorithm EcdsaP384Sha384 { get; } = new("ECDSA-P384-SHA384", SignatureKind.Ecdsa, HashFunction.Sha384, 384, "1.3.132.0.34", der: false);

    /// <summary>ECDSA over NIST P-521 with SHA-512; signatures in IEEE P1363 form (132 bytes).</summary>
    public static SignatureAlgorithm EcdsaP521Sha512 { get; } = new("ECDSA-P521-SHA512", SignatureKind.Ecdsa, HashFunction.Sha512, 521, "1.3.132.0.35", der: false);

    /// <summary>ECDSA over NIST P-256 with SHA-256; signatures in strict DER form (at most 72 bytes).</summary>
    public static SignatureAlgorithm EcdsaP256Sha256Der { get; } = new("ECDSA-P256-SHA256-DER", SignatureKind.Ecdsa, HashFunction.Sha256, 256, "1.2.840.10045.3.1.7", der: true);

    /// <summary>ECDSA over NIST P-384 with SHA-384; signatures in strict DER form (at most 104 bytes).</summary>
    public static SignatureAlgorithm EcdsaP384Sha384Der { get; } = new("ECDSA-P384-SHA384-DER", SignatureKind.Ecdsa, HashFunction.Sha384, 384, "1.3.132.0.34", der: true);

    /// <summary>ECDSA over NIST P-521 with SHA-512; signatures in strict DER form (at most 139 bytes).</summary>
    public static SignatureAlgorithm EcdsaP521Sha512Der { get; } = new("ECDSA-P521-SHA512-DER", SignatureKind.Ecdsa, HashFunction.Sha512, 521, "1.3.132.0.35", der: true);

    /// <summary>RSASSA-PSS (RFC 8017) with SHA-256, MGF1-SHA-256 and a 32-byte salt.</summary>
    public static SignatureAlgorithm RsaPssSha256 { get; } = new("RSA-PSS-SHA256", SignatureKind.RsaPss, HashFunction.Sha256, 0, null, der: false);

    /// <summary>RSASSA-PSS (RFC 8017) with SHA-384, MGF1-SHA-384 and a 48-byte salt.</summary>
    public static SignatureAlgorithm RsaPssSha384 { get; } = new("RSA-PSS-SHA384", SignatureKind.RsaPss, HashFunction.Sha384, 0, null, der: false);

    /// <summary>RSASSA-PSS (RFC 8017) with SHA-512, MGF1-SHA-512 and a 64-byte salt.</summary>
    public static SignatureAlgorithm RsaPssSha512 { get; } = new("RSA-PSS-SHA512", SignatureKind.RsaPss, HashFunction.Sha512, 0, null, der: false);

    /// <summary>RSASSA-PKCS1-v1_5 (RFC 8017) with SHA-256.</summary>
    public static SignatureAlgorithm RsaPkcs1Sha256 { get; } = new("RSA-PKCS1-SHA256", SignatureKind.RsaPkcs1, HashFunction.Sha256, 0, null, der: false);

    /// <summary>RSASSA-PKCS1-v1_5 (RFC 8017) with SHA-384.</summary>
    public static SignatureAlgorithm RsaPkcs1Sha384 { get; } = new("RSA-PKCS1-SHA384", SignatureKind.RsaPkcs1, HashFunction.Sha384, 0, null, der: false);

    /// <summary>RSASSA-PKCS1-v1_5 (RFC 8017) with SHA-512.</summary>
    public static SignatureAlgorithm RsaPkcs1Sha512 { get; } = new("RSA-PKCS1-SHA512", SignatureKind.RsaPkcs1, HashFunction.Sha512, 0, null, der: false);

    /// <summary>Ed25519 (RFC 8032, pure, no context); 32-byte keys, 64-byte signatures. Signatures with S ≥ L are rejected.</summary>
    public static SignatureAlgorithm Ed25519 { get; } = new("Ed25519", SignatureKind.Ed25519, null, 256, null, der: false);

    /// <summary>The name, such as <c>ECDSA-P256-SHA256</c>.</summary>
    public string Name { get; }

    /// <summary>The hash the message is signed under, or <see langword="null"/> for Ed25519 (which hashes internally).</summary>
    public HashFunction? HashFunction { get; }

    /// <summary>Whether this is an ECDSA algorithm.</summary>
    public bool IsEcdsa => Kind == SignatureKind.Ecdsa;

    /// <summary>Whether this is an RSA algorithm (PSS or PKCS#1 v1.5).</summary>
    public bool IsRsa => Kind is SignatureKind.RsaPss or SignatureKind.RsaPkcs1;

    /// <summary>Whether signatures have variable length (DER-encoded ECDSA); otherwise every signature is exactly <see cref="SigningKey.GetMaxSignatureSize"/> bytes.</summary>
    public bool HasVariableSignatureSize => IsDer;

    internal SignatureKind Kind { get; }

    internal bool IsDer { get; }

    /// <summary>The curve size in bits (ECDSA, Ed25519); 0 for RSA.</summary>
    internal int CurveKeySizeInBits { get; }

    internal string? CurveOid { get; }

    internal HashAlgorithmName HashName => HashFunction!.HashAlgorithmName;

    internal DSASignatureFormat EcdsaFormat => IsDer ? DSASignatureFormat.Rfc3279DerSequence : DSASignatureFormat.IeeeP1363FixedFieldConcatenation;

    internal RSASignaturePadding RsaPadding => Kind == SignatureKind.RsaPss ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1;

    internal ECCurve Curve => ECCurve.CreateFromValue(CurveOid!);

    /// <summary>The size of one field element of the curve in bytes (32, 48, 66).</summary>
    internal int FieldSizeInBytes => (CurveKeySizeInBits + 7) / 8;

    /// <summary>The signature size for a key of <paramref name="keySizeInBits"/>: exact, or the maximum for DER.</summary>
    internal int GetSignatureSize(int keySizeInBits) => Kind switch
    {
        SignatureKind.Ed25519 => 64,
        SignatureKind.Ecdsa when !IsDer => 2 * FieldSizeInBytes,
        SignatureKind.Ecdsa => MaxDerSignatureSize(FieldSizeInBytes + (CurveKeySizeInBits % 8 == 0 ? 1 : 0)),
        _ => (keySizeInBits + 7) / 8,
    };

    /// <inheritdoc/>
    public override string ToString() => Name;

    // SEQUENCE { INTEGER r, INTEGER s }; an integer's content is the field size, plus a leading
    // zero when the top bit of a full-width value can be set (P-256, P-384; not P-521).
    private static int MaxDerSignatureSize(int integerSize)
    {
        int integer = 1 + LengthOfLength(integerSize) + integerSize;
        int content = 2 * integer;
        return 1 + LengthOfLength(content) + content;
    }

    private static int LengthOfLength(int length) => length < 0x80 ? 1 : length < 0x100 ? 2 : 3;
}

/// <summary>The families of <see cref="SignatureAlgorithm"/>.</summary>
internal enum SignatureKind
{
    Ecdsa,
    RsaPss,
    RsaPkcs1,
    Ed25519,
}
