using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ContainerSec.Cryptography;

namespace ContainerSec.Tests.Cryptography;

/// <summary>Caller mistakes with <see cref="ArtifactSigner"/> and <see cref="ArtifactSignatureVerifier"/> throw, with the right parameter name.</summary>
public sealed class CmsArgumentTests
{
    private static CmsTestPki Pki => CmsTestPki.Get(CmsKeyKind.EcdsaP256);

    [Fact]
    public void Signer_NullArguments_ThrowArgumentNull()
    {
        Assert.Equal("certificate", Assert.Throws<ArgumentNullException>(() => new ArtifactSigner(null!, HashFunction.Sha256)).ParamName);
        Assert.Equal("digestAlgorithm", Assert.Throws<ArgumentNullException>(() => new ArtifactSigner(Pki.Leaf, null!)).ParamName);
        Assert.Equal("intermediates", Assert.Throws<ArgumentNullException>(() => new ArtifactSigner(Pki.Leaf, HashFunction.Sha256, [null!])).ParamName);
        Assert.Equal("source", Assert.Throws<ArgumentNullException>(() => CmsSignatureTests.Signer(Pki).Sign((Stream)null!)).ParamName);
    }

    [Fact]
    public void Signer_CertificateWithoutPrivateKey_ThrowsArgumentException()
    {
        using X509Certificate2 publicOnly = X509CertificateLoader.LoadCertificate(Pki.Leaf.RawData);
        ArgumentException e = Assert.Throws<ArgumentException>(() => new ArtifactSigner(publicOnly, HashFunction.Sha256));
        Assert.Equal("certificate", e.ParamName);
        Assert.Contains("private key", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Signer_CurveOtherThanNist_ThrowsArgumentException()
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.brainpoolP256r1);
        using X509Certificate2 brainpool = new CertificateRequest("CN=Brainpool", key, HashAlgorithmName.SHA256).CreateSelfSigned(Pki.Now.AddDays(-1), Pki.Now.AddDays(1));

        ArgumentException e = Assert.Throws<ArgumentException>(() => new ArtifactSigner(brainpool, HashFunction.Sha256));

        Assert.Equal("certificate", e.ParamName);
        Assert.Contains("1.3.36.3.3.2.8.1.1.7", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Signer_CertificateNotValidNow_ThrowsInvalidOperation()
    {
        ArtifactSigner before = CmsSignatureTests.Signer(Pki, at: Pki.Leaf.NotBefore.ToUniversalTime().AddSeconds(-1));
        ArtifactSigner after = CmsSignatureTests.Signer(Pki, at: Pki.Leaf.NotAfter.ToUniversalTime().AddSeconds(1));

        Assert.Throws<InvalidOperationException>(() => before.Sign([1]));
        Assert.Throws<InvalidOperationException>(() => after.Sign([1]));
    }

    [Fact]
    public void Signer_StreamOverLimit_ThrowsArgumentException()
    {
        ArtifactSigner signer = new(Pki.Leaf, HashFunction.Sha256, [Pki.Intermediate], new FixedTimeProvider(Pki.Now)) { MaxContentLength = 4 };

        Assert.Equal("source", Assert.Throws<ArgumentException>(() => signer.Sign(new MemoryStream(new byte[5]))).ParamName);
        Assert.NotEmpty(signer.Sign(new MemoryStream(new byte[4])));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ArtifactSigner(Pki.Leaf, HashFunction.Sha256) { MaxContentLength = 0 });
    }

    [Fact]
    public void Verifier_NullOrEmptyTrustAnchors_Throw()
    {
        Assert.Equal("trustAnchors", Assert.Throws<ArgumentNullException>(() => new ArtifactSignatureVerifier(null!)).ParamName);
        Assert.Equal("trustAnchors", Assert.Throws<ArgumentException>(() => new ArtifactSignatureVerifier([])).ParamName);
        Assert.Equal("trustAnchors", Assert.Throws<ArgumentNullException>(() => new ArtifactSignatureVerifier([null!])).ParamName);
        Assert.Equal("intermediates", Assert.Throws<ArgumentNullException>(() => new ArtifactSignatureVerifier([Pki.Root], [null!])).ParamName);
    }

    [Fact]
    public void Verifier_BadSettings_Throw()
    {
        Assert.Throws<ArgumentNullException>(() => new ArtifactSignatureVerifier([Pki.Root]) { TimeProvider = null! });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ArtifactSignatureVerifier([Pki.Root]) { MaxClockSkew = TimeSpan.FromSeconds(-1) });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ArtifactSignatureVerifier([Pki.Root]) { MaxClockSkew = TimeSpan.FromDays(2) });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ArtifactSignatureVerifier([Pki.Root]) { MaxContentLength = -1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ArtifactSignatureVerifier([Pki.Root]) { RevocationMode = (X509RevocationMode)42 });
        Assert.Equal("source", Assert.Throws<ArgumentNullException>(() => new ArtifactSignatureVerifier([Pki.Root]).Verify((Stream)null!, [])).ParamName);
    }

    [Fact]
    public void Verifier_TrustAnchorsAreCopied_LaterChangesToTheCallersCollectionDoNotCount()
    {
        var anchors = new List<X509Certificate2> { Pki.Root };
        var verifier = new ArtifactSignatureVerifier(anchors) { TimeProvider = new FixedTimeProvider(Pki.Now) };
        byte[] signature = CmsSignatureTests.Signer(Pki).Sign([7]);
        anchors.Clear();

        Assert.True(verifier.Verify([7], signature).IsValid);
        Assert.Single(verifier.TrustAnchors);
    }

    [Fact]
    public void Result_ToString_NamesReasonOrSigner()
    {
        var verifier = new ArtifactSignatureVerifier([Pki.Root]) { TimeProvider = new FixedTimeProvider(Pki.Now) };
        byte[] signature = CmsSignatureTests.Signer(Pki).Sign([7]);

        Assert.Contains(Pki.Leaf.Subject, verifier.Verify([7], signature).ToString(), StringComparison.Ordinal);
        Assert.StartsWith("ContentMismatch:", verifier.Verify([8], signature).ToString(), StringComparison.Ordinal);
    }
}
