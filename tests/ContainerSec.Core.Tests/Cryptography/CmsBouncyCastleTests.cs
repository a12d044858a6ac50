using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ContainerSec.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Utilities.Collections;
using BcAttribute = Org.BouncyCastle.Asn1.Cms.Attribute;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;
using BcTime = Org.BouncyCastle.Asn1.Cms.Time;

namespace ContainerSec.Tests.Cryptography;

/// <summary>Cross-checks with BouncyCastle's independent CMS implementation, both ways.</summary>
public sealed class CmsBouncyCastleTests
{
    private static readonly byte[] Manifest = "sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"u8.ToArray();

    public static TheoryData<CmsKeyKind, HashFunction> KindsAndDigests => CmsSignatureTests.KindsAndDigests;

    [Theory]
    [MemberData(nameof(KindsAndDigests))]
    public void BouncyCastleVerify_OurSignature_Verifies(CmsKeyKind kind, HashFunction digest)
    {
        CmsTestPki pki = CmsTestPki.Get(kind);
        byte[] signature = CmsSignatureTests.Signer(pki, digest: digest).Sign(Manifest);

        var signed = new CmsSignedData(new CmsProcessableByteArray(Manifest), signature);
        SignerInformation signer = Assert.Single(signed.GetSignerInfos().GetSigners());
        BcCertificate certificate = Assert.Single(signed.GetCertificates().EnumerateMatches(signer.SignerID));

        Assert.True(signer.Verify(certificate));
        Assert.Equal(pki.Leaf.RawData, certificate.GetEncoded());
        Assert.Equal(2, signed.GetCertificates().EnumerateMatches(null).Count());
        var tampered = new CmsSignedData(new CmsProcessableByteArray(TestBytes.FlipBit(Manifest, 3)), signature);
        Assert.Throws<CmsException>(() => Assert.Single(tampered.GetSignerInfos().GetSigners()).Verify(certificate));
    }

    [Theory]
    [MemberData(nameof(KindsAndDigests))]
    public void Verify_BouncyCastleSignature_IsValid(CmsKeyKind kind, HashFunction digest)
    {
        CmsTestPki pki = CmsTestPki.Get(kind);
        byte[] signature = BouncyCastleSign(pki, Manifest, DigestOid(digest), signedAttributes: null);

        SignatureVerificationResult result = CmsSignatureTests.Verifier(pki, now: DateTimeOffset.UtcNow).Verify(Manifest, signature);

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(pki.Leaf.Subject, result.SignerSubject);
        Assert.Same(digest, result.DigestAlgorithm);
        Assert.Equal(SignatureFailureReason.ContentMismatch, CmsSignatureTests.Verifier(pki, now: DateTimeOffset.UtcNow).Verify(Manifest.AsSpan(1), signature).Reason);
    }

    [Fact]
    public void Verify_SigningTimeWithTwoValues_Malformed()
    {
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.EcdsaP256);
        var time = new BcAttribute(CmsAttributes.SigningTime, new DerSet(new BcTime(pki.Now.UtcDateTime), new BcTime(pki.Now.AddSeconds(-9).UtcDateTime)));
        byte[] signature = BouncyCastleSign(pki, Manifest, CmsSignedGenerator.DigestSha256, new AttributeTable(new Asn1EncodableVector(time)));

        SignatureVerificationResult result = CmsSignatureTests.Verifier(pki).Verify(Manifest, signature);

        Assert.Equal(SignatureFailureReason.Malformed, result.Reason);
        Assert.Contains("2 values", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_ContentTypeAttributeOtherThanData_Malformed()
    {
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.EcdsaP256);
        var contentType = new BcAttribute(CmsAttributes.ContentType, new DerSet(CmsObjectIdentifiers.SignedData));
        byte[] signature = BouncyCastleSign(pki, Manifest, CmsSignedGenerator.DigestSha256, new AttributeTable(new Asn1EncodableVector(contentType)));

        SignatureVerificationResult result = CmsSignatureTests.Verifier(pki).Verify(Manifest, signature);

        Assert.Equal(SignatureFailureReason.Malformed, result.Reason);
        Assert.Contains("1.2.840.113549.1.7.2", result.Message, StringComparison.Ordinal);
    }

    private static string DigestOid(HashFunction digest) => digest.HashSizeInBytes switch
    {
        32 => CmsSignedGenerator.DigestSha256,
        48 => CmsSignedGenerator.DigestSha384,
        _ => CmsSignedGenerator.DigestSha512,
    };

    /// <summary>A detached signature made by BouncyCastle's CmsSignedDataGenerator (leaf and intermediate embedded).</summary>
    private static byte[] BouncyCastleSign(CmsTestPki pki, byte[] content, string digestOid, AttributeTable? signedAttributes)
    {
        using AsymmetricAlgorithm key = (AsymmetricAlgorithm?)pki.Leaf.GetECDsaPrivateKey() ?? pki.Leaf.GetRSAPrivateKey()!;
        AsymmetricKeyParameter privateKey = PrivateKeyFactory.CreateKey(key.ExportPkcs8PrivateKey());
        BcCertificate leaf = new(pki.Leaf.RawData);
        BcCertificate intermediate = new(pki.Intermediate.RawData);

        var generator = new CmsSignedDataGenerator();
        generator.AddSigner(privateKey, leaf, digestOid, signedAttributes, null);
        generator.AddCertificates(CollectionUtilities.CreateStore(new List<BcCertificate> { leaf, intermediate }));
        return generator.Generate(new CmsProcessableByteArray(content), encapsulate: false).GetEncoded(Asn1Encodable.Der);
    }
}
