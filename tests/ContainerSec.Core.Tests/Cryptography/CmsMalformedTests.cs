using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using ContainerSec.Cryptography;
using FsCheck;
using FsCheck.Fluent;

namespace ContainerSec.Tests.Cryptography;

/// <summary>Outside data that is not a good signature: a reason, never an exception.</summary>
public sealed class CmsMalformedTests
{
    private static readonly byte[] Bundle = "policy bundle v1"u8.ToArray();

    private static CmsTestPki Pki => CmsTestPki.Get(CmsKeyKind.EcdsaP256);

    private static byte[] GoodSignature { get; } = CmsSignatureTests.Signer(Pki).Sign(Bundle);

    private static ArtifactSignatureVerifier Verifier => CmsSignatureTests.Verifier(Pki);

    [Fact]
    public void Verify_GoodSignature_IsValid() => Assert.True(Verifier.Verify(Bundle, GoodSignature).IsValid);

    [Fact]
    public void Verify_RandomBytes_Malformed()
    {
        TestBytes.Check(Prop.ForAll(Gen.Zip(TestBytes.Length(4096), TestBytes.Seed).ToArbitrary(), c =>
        {
            byte[] garbage = TestBytes.Seeded(new Random(c.Item2), c.Item1);
            SignatureVerificationResult result = Verifier.Verify(Bundle, garbage);
            Assert.Equal(SignatureFailureReason.Malformed, result.Reason);
            Assert.Null(result.SignerCertificate);
        }), 300);
    }

    [Fact]
    public void Verify_RandomBytesUnderASequenceHeader_Malformed()
    {
        // Past the first tag check: a SEQUENCE with a plausible length and random contents.
        TestBytes.Check(Prop.ForAll(Gen.Zip(Gen.Choose(0, 1000), TestBytes.Seed).ToArbitrary(), c =>
        {
            byte[] body = TestBytes.Seeded(new Random(c.Item2), c.Item1);
            byte[] blob = [0x30, 0x82, (byte)(body.Length >> 8), (byte)body.Length, .. body];
            Assert.Equal(SignatureFailureReason.Malformed, Verifier.Verify(Bundle, blob).Reason);
        }), 200);
    }

    [Fact]
    public void Verify_EmptySignature_Malformed() =>
        Assert.Equal(SignatureFailureReason.Malformed, Verifier.Verify(Bundle, []).Reason);

    [Fact]
    public void Verify_EveryTruncation_Malformed()
    {
        for (int length = 0; length < GoodSignature.Length; length++)
        {
            SignatureVerificationResult result = Verifier.Verify(Bundle, GoodSignature.AsSpan(0, length));
            Assert.True(result.Reason == SignatureFailureReason.Malformed, $"length {length}: {result}");
        }
    }

    [Fact]
    public void Verify_TrailingBytes_Malformed()
    {
        SignatureVerificationResult result = Verifier.Verify(Bundle, [.. GoodSignature, 0]);
        Assert.Equal(SignatureFailureReason.Malformed, result.Reason);
        Assert.Equal(SignatureFailureReason.Malformed, Verifier.Verify(Bundle, [.. GoodSignature, .. GoodSignature]).Reason);
    }

    [Fact]
    public void Verify_SingleBitFlips_NeverThrowAndFailOutsideTheUnsignedVersionAndDigestSetFields()
    {
        // Our signer's blob starts: ContentInfo and SignedData headers (0..24), SignedData version
        // (25), the outer digestAlgorithms SET (26..40), encapContentInfo with eContentType id-data
        // (41..53). Only the versions and the outer digest set are covered by no signature (the
        // outer set is a one-pass processing hint; the SignerInfo's own digest algorithm counts).
        // Every bit of the first 64 bytes is flipped, then a sample of the rest: nothing throws,
        // and only those fields may stay valid.
        var bits = Enumerable.Range(0, 64 * 8).Concat(Enumerable.Range(64 * 8, (GoodSignature.Length - 64) * 8).Where(b => b % 29 == 0));
        foreach (int bit in bits)
        {
            SignatureVerificationResult result = Verifier.Verify(Bundle, TestBytes.FlipBit(GoodSignature, bit));
            Assert.True(Enum.IsDefined(result.Reason));
            int at = bit / 8;
            bool isVersion = at >= 2 && GoodSignature[at - 2] == 0x02 && GoodSignature[at - 1] == 0x01 && GoodSignature[at] == 0x01;
            if (result.IsValid)
            {
                Assert.True(isVersion || at is >= 26 and <= 40, $"flipping bit {bit} (byte {at}) left the signature valid");
            }
        }
    }

    [Fact]
    public void Verify_EContentTypeChanged_Malformed()
    {
        // The encapsulated content type is not under the signature, but must equal the signed
        // content-type attribute (RFC 5652 §5.3): id-data (…07 01) changed to signedData (…07 02).
        byte[] tampered = (byte[])GoodSignature.Clone();
        Assert.Equal(0x01, tampered[53]);
        tampered[53] = 0x02;

        SignatureVerificationResult result = Verifier.Verify(Bundle, tampered);

        Assert.Equal(SignatureFailureReason.Malformed, result.Reason);
        Assert.Contains("1.2.840.113549.1.7.2", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_SignatureOverLimit_TooLargeBeforeParsing()
    {
        byte[] huge = new byte[ArtifactSignatureVerifier.MaxSignatureSizeInBytes + 1];
        GoodSignature.CopyTo(huge, 0);

        SignatureVerificationResult result = Verifier.Verify(Bundle, huge);

        Assert.Equal(SignatureFailureReason.TooLarge, result.Reason);
        Assert.Contains(ArtifactSignatureVerifier.MaxSignatureSizeInBytes.ToString(), result.Message, StringComparison.Ordinal);
        // At the limit it is parsed (and found malformed: trailing zeros).
        Assert.Equal(SignatureFailureReason.Malformed, Verifier.Verify(Bundle, huge.AsSpan(0, ArtifactSignatureVerifier.MaxSignatureSizeInBytes)).Reason);
        // A stream is not read when the signature is already too large.
        var stream = new MemoryStream(Bundle);
        Assert.Equal(SignatureFailureReason.TooLarge, Verifier.Verify(stream, huge).Reason);
        Assert.Equal(0, stream.Position);
    }

    [Fact]
    public void Verify_StreamOverContentLimit_TooLargeAndReadsNoFurther()
    {
        var verifier = new ArtifactSignatureVerifier([Pki.Root]) { TimeProvider = new FixedTimeProvider(Pki.Now), MaxContentLength = Bundle.Length - 1 };
        Assert.Equal(SignatureFailureReason.TooLarge, verifier.Verify(new MemoryStream(Bundle), GoodSignature).Reason);
        Assert.Equal(SignatureFailureReason.TooLarge, verifier.Verify(new NonSeekableStream(Bundle), GoodSignature).Reason);

        var exact = new ArtifactSignatureVerifier([Pki.Root]) { TimeProvider = new FixedTimeProvider(Pki.Now), MaxContentLength = Bundle.Length };
        Assert.True(exact.Verify(new NonSeekableStream(Bundle), GoodSignature).IsValid);
    }

    [Fact]
    public void Verify_TooManyEmbeddedCertificates_TooLarge()
    {
        var cms = new SignedCms(new ContentInfo(Bundle), detached: true);
        CmsSigner signer = CmsSignatureTests.BclSigner(Pki.Leaf, Pki.Now, HashAlgorithmName.SHA256);
        signer.Certificates.Add(Pki.Intermediate);
        for (int i = 0; i < ArtifactSignatureVerifier.MaxCertificates; i++)
        {
            using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            signer.Certificates.Add(new CertificateRequest($"CN=Filler {i}", key, HashAlgorithmName.SHA256).CreateSelfSigned(Pki.Now.AddDays(-1), Pki.Now.AddDays(1)));
        }

        cms.ComputeSignature(signer, silent: true);

        Assert.Equal(SignatureFailureReason.TooLarge, Verifier.Verify(Bundle, cms.Encode()).Reason);
    }

    [Fact]
    public void Verify_ContentTypeOtherThanData_Malformed()
    {
        var cms = new SignedCms(new ContentInfo(new Oid("1.2.840.113549.1.9.16.1.4"), Bundle), detached: true);
        CmsSigner signer = CmsSignatureTests.BclSigner(Pki.Leaf, Pki.Now, HashAlgorithmName.SHA256);
        signer.Certificates.Add(Pki.Intermediate);
        cms.ComputeSignature(signer, silent: true);

        SignatureVerificationResult result = Verifier.Verify(Bundle, cms.Encode());

        Assert.Equal(SignatureFailureReason.Malformed, result.Reason);
        Assert.Contains("id-data", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_CertificateSignedWithSha1InChain_WeakAlgorithm()
    {
        CmsTestPki pki = Pki;
        using ECDsa caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=SHA-1 Intermediate", caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(pki.Root, true, false));
        using ECDsa rootKey = pki.Root.GetECDsaPrivateKey()!;
        using X509Certificate2 issued = request.Create(pki.Root.SubjectName, new Sha1EcdsaSignatureGenerator(rootKey), pki.Now.AddDays(-1), pki.Now.AddDays(10), [9, 9, 9]);
        using X509Certificate2 sha1Ca = issued.CopyWithPrivateKey(caKey);
        Assert.Equal("1.2.840.10045.4.1", sha1Ca.SignatureAlgorithm.Value);
        using X509Certificate2 leaf = CmsTestPki.CreateLeaf(CmsKeyKind.EcdsaP256, "CN=Signer under SHA-1 CA", sha1Ca, pki.Now.AddHours(-1), pki.Now.AddDays(1));
        byte[] signature = new ArtifactSigner(leaf, HashFunction.Sha256, [sha1Ca], new FixedTimeProvider(pki.Now)).Sign(Bundle);

        SignatureVerificationResult result = Verifier.Verify(Bundle, signature);

        Assert.Equal(SignatureFailureReason.WeakAlgorithm, result.Reason);
        Assert.Contains("SHA-1 Intermediate", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_Sha1DigestMadeWithBcl_WeakAlgorithm()
    {
        byte[] signature = CmsSignatureTests.BclSign(Pki, Bundle, Pki.Now, HashAlgorithmName.SHA1);

        SignatureVerificationResult result = Verifier.Verify(Bundle, signature);

        Assert.Equal(SignatureFailureReason.WeakAlgorithm, result.Reason);
        Assert.Contains("1.3.14.3.2.26", result.Message, StringComparison.Ordinal);
    }

    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();
    }
}
