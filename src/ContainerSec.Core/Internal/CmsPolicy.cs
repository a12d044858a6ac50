using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ContainerSec.Cryptography;

namespace ContainerSec.Internal;

/// <summary>
/// The algorithm policy shared by <see cref="ArtifactSigner"/> and <see cref="ArtifactSignatureVerifier"/>:
/// which digests, signature algorithms and public keys a CMS signature may use. Everything not
/// listed here is refused; see <c>docs/cms.md</c>.
/// </summary>
internal static class CmsPolicy
{
    public const string IdData = "1.2.840.113549.1.7.1";
    public const string ContentTypeAttribute = "1.2.840.113549.1.9.3";
    public const string MessageDigestAttribute = "1.2.840.113549.1.9.4";
    public const string SigningTimeAttribute = "1.2.840.113549.1.9.5";

    public const int MinRsaKeySizeInBits = 2048;
    public const int MaxRsaKeySizeInBits = 16384;

    private const string Sha256 = "2.16.840.1.101.3.4.2.1";
    private const string Sha384 = "2.16.840.1.101.3.4.2.2";
    private const string Sha512 = "2.16.840.1.101.3.4.2.3";

    private const string EcPublicKey = "1.2.840.10045.2.1";
    private const string RsaEncryption = "1.2.840.113549.1.1.1";
    private const string RsaPss = "1.2.840.113549.1.1.10";

    private const string P256 = "1.2.840.10045.3.1.7";
    private const string P384 = "1.3.132.0.34";
    private const string P521 = "1.3.132.0.35";

    /// <summary>The digest OID the signer writes for <paramref name="hash"/>.</summary>
    public static string DigestOid(HashFunction hash) => hash.HashSizeInBytes switch
    {
        32 => Sha256,
        48 => Sha384,
        _ => Sha512,
    };

    /// <summary>The hash function of an allowed digest OID, or <see langword="null"/> (SHA-1, MD5, anything else).</summary>
    public static HashFunction? Digest(string? oid) => oid switch
    {
        Sha256 => HashFunction.Sha256,
        Sha384 => HashFunction.Sha384,
        Sha512 => HashFunction.Sha512,
        _ => null,
    };

    /// <summary>
    /// Whether <paramref name="oid"/> is an allowed signature algorithm in a SignerInfo or a
    /// certificate: ECDSA or RSA (PKCS#1 v1.5 or PSS) with SHA-2. The bare key OIDs
    /// (<c>id-ecPublicKey</c>, <c>rsaEncryption</c>) are allowed in a SignerInfo, where the
    /// digest algorithm beside them is checked separately; PSS parameters must name the same
    /// digest, which the BCL enforces when it checks the signature.
    /// </summary>
    public static bool IsAllowedSignatureAlgorithm(string? oid, bool inSignerInfo) => oid switch
    {
        "1.2.840.10045.4.3.2" or "1.2.840.10045.4.3.3" or "1.2.840.10045.4.3.4" => true, // ecdsa-with-SHA256/384/512
        "1.2.840.113549.1.1.11" or "1.2.840.113549.1.1.12" or "1.2.840.113549.1.1.13" => true, // sha256/384/512WithRSAEncryption
        RsaPss => true,
        EcPublicKey or RsaEncryption => inSignerInfo,
        _ => false,
    };

    /// <summary>
    /// Checks the public key of <paramref name="certificate"/>: ECDSA on P-256, P-384 or P-521, or
    /// RSA with 2048 to 16384 bits. Returns <see langword="null"/> when allowed, otherwise why not.
    /// DSA, other curves and every other key type are refused.
    /// </summary>
    public static string? CheckPublicKey(X509Certificate2 certificate)
    {
        string? keyOid = certificate.PublicKey.Oid.Value;
        switch (keyOid)
        {
            case EcPublicKey:
                string? curve = ReadCurveOid(certificate.PublicKey.EncodedParameters?.RawData ?? []);
                return curve is P256 or P384 or P521
                    ? null
                    : $"The certificate's EC key is on curve {curve ?? "(unreadable)"}; only P-256, P-384 and P-521 are allowed.";
            case RsaEncryption:
            case RsaPss:
                using (RSA? rsa = certificate.GetRSAPublicKey())
                {
                    int bits = rsa?.KeySize ?? 0;
                    return bits is >= MinRsaKeySizeInBits and <= MaxRsaKeySizeInBits
                        ? null
                        : $"The certificate's RSA key has {bits} bits; {MinRsaKeySizeInBits} to {MaxRsaKeySizeInBits} are allowed.";
                }

            case "1.2.840.10040.4.1":
                return "The certificate has a DSA key; DSA is refused (withdrawn from FIPS 186-5).";
            default:
                return $"The certificate's key algorithm {keyOid} is not allowed; use ECDSA (P-256, P-384, P-521) or RSA (at least 2048 bits).";
        }
    }

    /// <summary>
    /// Whether the key usage of <paramref name="certificate"/> allows signatures: no key usage
    /// extension, or one with <c>digitalSignature</c> or <c>nonRepudiation</c>. An unreadable
    /// extension allows nothing.
    /// </summary>
    public static bool AllowsDigitalSignature(X509Certificate2 certificate)
    {
        X509Extension? extension = certificate.Extensions["2.5.29.15"];
        if (extension is null)
        {
            return true;
        }

        try
        {
            X509KeyUsageExtension keyUsage = extension as X509KeyUsageExtension ?? new X509KeyUsageExtension(extension, extension.Critical);
            return (keyUsage.KeyUsages & (X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation)) != 0;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>
    /// Reads the <c>encapContentInfo</c> of the CMS <c>SignedData</c> in <paramref name="signature"/>:
    /// its <c>eContentType</c>, and whether it carries the content (<c>eContent</c>), which a
    /// detached signature must not. The BCL, decoding in detached mode, reports the caller's
    /// content type instead of the blob's, so the blob's is read here. Call only on a blob the BCL
    /// has decoded; throws <see cref="AsnContentException"/> on anything unexpected.
    /// </summary>
    public static bool HasEncapsulatedContent(ReadOnlySpan<byte> signature, out string contentType)
    {
        const AsnEncodingRules rules = AsnEncodingRules.BER;
        ReadOnlySpan<byte> contentInfo = Contents(signature, Asn1Tag.Sequence);
        AsnDecoder.ReadObjectIdentifier(contentInfo, rules, out int consumed);
        ReadOnlySpan<byte> explicitContent = Contents(contentInfo[consumed..], new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true));
        ReadOnlySpan<byte> signedData = Contents(explicitContent, Asn1Tag.Sequence);
        AsnDecoder.ReadEncodedValue(signedData, rules, out _, out _, out int version);
        signedData = signedData[version..];
        AsnDecoder.ReadEncodedValue(signedData, rules, out _, out _, out int digestAlgorithms);
        ReadOnlySpan<byte> encapContentInfo = Contents(signedData[digestAlgorithms..], Asn1Tag.Sequence);
        contentType = AsnDecoder.ReadObjectIdentifier(encapContentInfo, rules, out int eContentType);
        return encapContentInfo.Length > eContentType;

        static ReadOnlySpan<byte> Contents(ReadOnlySpan<byte> source, Asn1Tag tag)
        {
            AsnDecoder.ReadSequence(source, rules, out int offset, out int length, out _, tag);
            return source.Slice(offset, length);
        }
    }

    private static string? ReadCurveOid(byte[] parameters)
    {
        try
        {
            string oid = AsnDecoder.ReadObjectIdentifier(parameters, AsnEncodingRules.DER, out int consumed);
            return consumed == parameters.Length ? oid : null;
        }
        catch (AsnContentException)
        {
            return null;
        }
    }

    /// <summary>
    /// Reads at most <paramref name="maxLength"/> bytes of <paramref name="source"/> into an array.
    /// Returns <see langword="null"/> when the stream holds more, without reading past the limit.
    /// </summary>
    public static byte[]? ReadBounded(Stream source, long maxLength)
    {
        if (source.CanSeek)
        {
            long remaining = source.Length - source.Position;
            if (remaining > maxLength)
            {
                return null;
            }
        }

        using var buffer = new MemoryStream();
        byte[] chunk = new byte[81920];
        int read;
        while ((read = source.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + read > maxLength)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
