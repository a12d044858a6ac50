using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ContainerSec.Cryptography;

namespace ContainerSec.Tests.Cryptography;

/// <summary>Interop with the real openssl CLI both ways: <c>openssl cms -verify</c> accepts ours, and ours accepts <c>openssl cms -sign</c>.</summary>
public sealed class CmsInteropTests
{
    private static readonly byte[] PolicyBundle = "apiVersion: v1\nkind: PolicyBundle\nrules:\n  - deny: privileged\n"u8.ToArray();

    public static TheoryData<CmsKeyKind, HashFunction> KindsAndDigests => CmsSignatureTests.KindsAndDigests;

    public static TheoryData<CmsKeyKind> Kinds => CmsSignatureTests.Kinds;

    [Theory]
    [MemberData(nameof(KindsAndDigests))]
    public void OpenSslVerify_OurSignature_Succeeds(CmsKeyKind kind, HashFunction digest)
    {
        CmsTestPki pki = CmsTestPki.Get(kind);
        using var openssl = new CmsOpenSsl();
        openssl.WritePki(pki);
        byte[] signature = new ArtifactSigner(pki.Leaf, digest, [pki.Intermediate]).Sign(PolicyBundle);

        (int exitCode, string output) = openssl.Verify(PolicyBundle, signature);

        Assert.True(exitCode == 0, output);
        Assert.Contains("Verification successful", output, StringComparison.Ordinal);
        Assert.Equal(PolicyBundle, File.ReadAllBytes(openssl.PathOf("verified.bin")));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void OpenSslVerify_OurSignatureOverTamperedContent_Fails(CmsKeyKind kind)
    {
        CmsTestPki pki = CmsTestPki.Get(kind);
        using var openssl = new CmsOpenSsl();
        openssl.WritePki(pki);
        byte[] signature = new ArtifactSigner(pki.Leaf, HashFunction.Sha256, [pki.Intermediate]).Sign(PolicyBundle);

        (int exitCode, string output) = openssl.Verify(TestBytes.FlipBit(PolicyBundle, 9), signature);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Verification failure", output, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenSslVerify_IntermediateNotEmbedded_SucceedsOnlyWhenGivenTheIntermediate()
    {
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.EcdsaP256);
        using var openssl = new CmsOpenSsl();
        openssl.WritePki(pki);
        byte[] signature = new ArtifactSigner(pki.Leaf, HashFunction.Sha256).Sign(PolicyBundle);

        Assert.NotEqual(0, openssl.Verify(PolicyBundle, signature).ExitCode);
        // OpenSSL 3.0's cms has no -untrusted, and -certfile only helps find the signer's own
        // certificate: chains are built from the embedded certificates and the -CAfile bundle.
        File.AppendAllText(openssl.PathOf("root.pem"), File.ReadAllText(openssl.PathOf("intermediate.pem")));
        (int exitCode, string output) = openssl.Verify(PolicyBundle, signature);
        Assert.True(exitCode == 0, output);
    }

    [Fact]
    public void OpenSslVerify_OurSignatureUnderAnotherRoot_Fails()
    {
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.EcdsaP256);
        using var openssl = new CmsOpenSsl();
        openssl.WritePki(pki);
        openssl.WriteCertificate("root", CmsTestPki.Get(CmsKeyKind.EcdsaP384).Root);
        byte[] signature = new ArtifactSigner(pki.Leaf, HashFunction.Sha256, [pki.Intermediate]).Sign(PolicyBundle);

        Assert.NotEqual(0, openssl.Verify(PolicyBundle, signature).ExitCode);
    }

    [Theory]
    [MemberData(nameof(KindsAndDigests))]
    public void Verify_OpenSslSignature_IsValidAndNamesSigner(CmsKeyKind kind, HashFunction digest)
    {
        CmsTestPki pki = CmsTestPki.Get(kind);
        using var openssl = new CmsOpenSsl();
        openssl.WritePki(pki);
        byte[] signature = openssl.Sign(PolicyBundle, digest.Name.Replace("-", "", StringComparison.Ordinal).ToLowerInvariant());

        SignatureVerificationResult result = new ArtifactSignatureVerifier([pki.Root]).Verify(PolicyBundle, signature);

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(pki.Leaf.Subject, result.SignerSubject);
        Assert.Equal(pki.Leaf.GetCertHashString(HashAlgorithmName.SHA256), result.SignerThumbprint);
        Assert.Same(digest, result.DigestAlgorithm);
        Assert.NotNull(result.SigningTime);
        Assert.InRange(result.SigningTime.Value, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal(pki.Root.Thumbprint, result.Chain[^1].Thumbprint);
    }

    [Fact]
    public void Verify_OpenSslSignature_TamperedContentWrongAnchorMissingIntermediate()
    {
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.EcdsaP256);
        using var openssl = new CmsOpenSsl();
        openssl.WritePki(pki);
        byte[] signature = openssl.Sign(PolicyBundle, "sha256");
        byte[] noIntermediate = openssl.SignWithoutIntermediate(PolicyBundle, "sha256");

        var verifier = new ArtifactSignatureVerifier([pki.Root]);
        Assert.Equal(SignatureFailureReason.ContentMismatch, verifier.Verify(TestBytes.FlipBit(PolicyBundle, 0), signature).Reason);
        Assert.Equal(SignatureFailureReason.IncompleteChain, new ArtifactSignatureVerifier([CmsTestPki.Get(CmsKeyKind.Rsa2048).Root]).Verify(PolicyBundle, signature).Reason);
        Assert.Equal(SignatureFailureReason.IncompleteChain, verifier.Verify(PolicyBundle, noIntermediate).Reason);
        Assert.True(new ArtifactSignatureVerifier([pki.Root], [pki.Intermediate]).Verify(PolicyBundle, noIntermediate).IsValid);
    }

    [Theory]
    [InlineData(CmsKeyKind.EcdsaP256, "sha1")]
    [InlineData(CmsKeyKind.Rsa2048, "sha1")]
    [InlineData(CmsKeyKind.Rsa2048, "md5")]
    public void Verify_OpenSslSignatureWithWeakDigest_WeakAlgorithm(CmsKeyKind kind, string digest)
    {
        CmsTestPki pki = CmsTestPki.Get(kind);
        using var openssl = new CmsOpenSsl();
        openssl.WritePki(pki);
        byte[] signature = openssl.Sign(PolicyBundle, digest);
        // openssl itself still accepts it: the refusal is our policy, not a broken signature.
        Assert.Equal(0, openssl.Verify(PolicyBundle, signature).ExitCode);

        SignatureVerificationResult result = new ArtifactSignatureVerifier([pki.Root]).Verify(PolicyBundle, signature);

        Assert.Equal(SignatureFailureReason.WeakAlgorithm, result.Reason);
        Assert.Equal(pki.Leaf.Subject, result.SignerSubject);
        Assert.Null(result.DigestAlgorithm);
    }

    [Fact]
    public void Verify_OpenSslSignatureByRsa1024Leaf_WeakAlgorithmAndOurSignerRefusesIt()
    {
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.Rsa2048);
        using RSA weakKey = RSA.Create(1024);
        using X509Certificate2 weakLeaf = CmsTestPki.CreateLeaf(CmsKeyKind.Rsa2048, "CN=Weak RSA Signer", pki.Intermediate, pki.Now.AddHours(-1), pki.Now.AddDays(1), key: weakKey);
        using var openssl = new CmsOpenSsl();
        openssl.WritePki(pki);
        openssl.WriteCertificate("leaf", weakLeaf, withKey: true);
        byte[] signature = openssl.Sign(PolicyBundle, "sha256");

        SignatureVerificationResult result = new ArtifactSignatureVerifier([pki.Root]).Verify(PolicyBundle, signature);

        Assert.Equal(SignatureFailureReason.WeakAlgorithm, result.Reason);
        Assert.Contains("1024", result.Message, StringComparison.Ordinal);
        ArgumentException e = Assert.Throws<ArgumentException>(() => new ArtifactSigner(weakLeaf, HashFunction.Sha256));
        Assert.Equal("certificate", e.ParamName);
    }

    [Fact]
    public void Verify_OpenSslRsaPssSignatureWithHashLengthSalt_IsValid()
    {
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.Rsa2048);
        using var openssl = new CmsOpenSsl();
        openssl.WritePki(pki);
        byte[] signature = openssl.Sign(PolicyBundle, "sha256", "-keyopt", "rsa_padding_mode:pss", "-keyopt", "rsa_pss_saltlen:digest");

        SignatureVerificationResult result = new ArtifactSignatureVerifier([pki.Root]).Verify(PolicyBundle, signature);

        Assert.True(result.IsValid, result.ToString());
    }

    [Fact]
    public void Verify_OpenSslRsaPssSignatureWithMaximumSalt_SignatureInvalid()
    {
        // openssl's default PSS salt is the maximum; the BCL verifies PSS only with salt = hash length
        // (the RFC 4055 / RFC 8017 recommendation), so such a signature is refused, not thrown on.
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.Rsa2048);
        using var openssl = new CmsOpenSsl();
        openssl.WritePki(pki);
        byte[] signature = openssl.Sign(PolicyBundle, "sha256", "-keyopt", "rsa_padding_mode:pss", "-keyopt", "rsa_pss_saltlen:max");
        Assert.Equal(0, openssl.Verify(PolicyBundle, signature).ExitCode);

        SignatureVerificationResult result = new ArtifactSignatureVerifier([pki.Root]).Verify(PolicyBundle, signature);

        Assert.Equal(SignatureFailureReason.SignatureInvalid, result.Reason);
    }

    [Fact]
    public void Verify_OpenSslStreamedSignature_MalformedBecauseItEmbedsTheContent()
    {
        // -stream writes indefinite-length BER and, even without -nodetach, embeds the content.
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.EcdsaP256);
        using var openssl = new CmsOpenSsl();
        openssl.WritePki(pki);
        byte[] signature = openssl.Sign(PolicyBundle, "sha256", "-stream");
        Assert.Equal(0x80, signature[1]); // indefinite length

        SignatureVerificationResult result = new ArtifactSignatureVerifier([pki.Root]).Verify(PolicyBundle, signature);

        Assert.Equal(SignatureFailureReason.Malformed, result.Reason);
        Assert.Contains("embeds its content", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_OpenSslAttachedSignature_Malformed()
    {
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.EcdsaP256);
        using var openssl = new CmsOpenSsl();
        openssl.WritePki(pki);
        byte[] signature = openssl.Sign(PolicyBundle, "sha256", "-nodetach");

        SignatureVerificationResult result = new ArtifactSignatureVerifier([pki.Root]).Verify(PolicyBundle, signature);

        Assert.Equal(SignatureFailureReason.Malformed, result.Reason);
    }

    [Fact]
    public void Verify_OpenSslSignatureWithoutSignedAttributes_SigningTimeMissing()
    {
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.EcdsaP256);
        using var openssl = new CmsOpenSsl();
        openssl.WritePki(pki);
        byte[] signature = openssl.Sign(PolicyBundle, "sha256", "-noattr");

        SignatureVerificationResult result = new ArtifactSignatureVerifier([pki.Root]).Verify(PolicyBundle, signature);

        Assert.Equal(SignatureFailureReason.SigningTimeMissing, result.Reason);
    }

    [Fact]
    public void Verify_OpenSslCertificatesOnlyMessage_NoSigner()
    {
        // crl2pkcs7 writes a degenerate SignedData: certificates, no content, no signer.
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.EcdsaP256);
        using var openssl = new CmsOpenSsl();
        openssl.WritePki(pki);
        openssl.RunOk("crl2pkcs7", "-nocrl", "-certfile", openssl.PathOf("leaf.pem"), "-outform", "DER", "-out", openssl.PathOf("certs.p7b"));

        SignatureVerificationResult result = new ArtifactSignatureVerifier([pki.Root]).Verify(PolicyBundle, File.ReadAllBytes(openssl.PathOf("certs.p7b")));

        Assert.Equal(SignatureFailureReason.NoSigner, result.Reason);
    }

    [Fact]
    public void Verify_OpenSslDsaSignature_WeakAlgorithmAndOurSignerRefusesDsa()
    {
        using var openssl = new CmsOpenSsl();
        openssl.RunOk("genpkey", "-genparam", "-algorithm", "DSA", "-pkeyopt", "dsa_paramgen_bits:1024", "-out", "dsa.param");
        openssl.RunOk("genpkey", "-paramfile", "dsa.param", "-out", "leaf.key");
        openssl.RunOk("req", "-x509", "-new", "-key", "leaf.key", "-subj", "/CN=DSA Signer", "-days", "2", "-sha256", "-out", "leaf.pem");
        byte[] signature = openssl.SignWithoutIntermediate(PolicyBundle, "sha256");
        using X509Certificate2 dsa = X509Certificate2.CreateFromPemFile(openssl.PathOf("leaf.pem"), openssl.PathOf("leaf.key"));

        SignatureVerificationResult result = new ArtifactSignatureVerifier([dsa]).Verify(PolicyBundle, signature);

        Assert.Equal(SignatureFailureReason.WeakAlgorithm, result.Reason);
        Assert.Contains("DSA", result.Message, StringComparison.Ordinal);
        Assert.Equal("certificate", Assert.Throws<ArgumentException>(() => new ArtifactSigner(dsa, HashFunction.Sha256)).ParamName);
    }

    [Fact]
    public void Verify_OpenSslSignatureIdentifyingSignerByKeyId_IsValid()
    {
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.EcdsaP384);
        using var openssl = new CmsOpenSsl();
        openssl.WritePki(pki);
        byte[] signature = openssl.Sign(PolicyBundle, "sha384", "-keyid");

        SignatureVerificationResult result = new ArtifactSignatureVerifier([pki.Root]).Verify(PolicyBundle, signature);

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(pki.Leaf.Subject, result.SignerSubject);
    }

    [Fact]
    public void Verify_OpenSslSignatureOverEmptyContent_IsValid()
    {
        // Our signer refuses empty content (the BCL's encoder does), but a signature over empty
        // content made elsewhere verifies, and never throws.
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.EcdsaP256);
        using var openssl = new CmsOpenSsl();
        openssl.WritePki(pki);
        byte[] signature = openssl.Sign([], "sha256");

        var verifier = new ArtifactSignatureVerifier([pki.Root]);
        SignatureVerificationResult result = verifier.Verify([], signature);

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(SignatureFailureReason.ContentMismatch, verifier.Verify([0], signature).Reason);
    }
}
