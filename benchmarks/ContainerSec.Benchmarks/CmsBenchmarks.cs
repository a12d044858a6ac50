using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using ContainerSec.Cryptography;

namespace ContainerSec.Benchmarks;

/// <summary>A P-256 root → intermediate → leaf PKI for the CMS benchmarks, made once per setup.</summary>
internal sealed class CmsBenchmarkPki : IDisposable
{
    public CmsBenchmarkPki()
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        Root = Create("CN=Bench Root", null, ca: true, now);
        Intermediate = Create("CN=Bench Intermediate", Root, ca: true, now);
        Leaf = Create("CN=Bench Signer", Intermediate, ca: false, now);
    }

    public X509Certificate2 Root { get; }

    public X509Certificate2 Intermediate { get; }

    public X509Certificate2 Leaf { get; }

    /// <summary>A 1 KiB artefact (about the size of an OCI image manifest).</summary>
    public static byte[] Manifest() => Shared.RandomBytes(1024);

    public void Dispose()
    {
        Root.Dispose();
        Intermediate.Dispose();
        Leaf.Dispose();
    }

    private static X509Certificate2 Create(string subject, X509Certificate2? issuer, bool ca, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(ca ? X509KeyUsageFlags.KeyCertSign : X509KeyUsageFlags.DigitalSignature, true));
        if (issuer is null)
        {
            return request.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
        }

        using X509Certificate2 issued = request.Create(issuer, now.AddHours(-1), now.AddDays(7), Shared.RandomBytes(8));
        return issued.CopyWithPrivateKey(key);
    }
}

/// <summary>Detached CMS signing of 1 KiB with ECDSA P-256 / SHA-256: raw <c>SignedCms</c> vs <see cref="ArtifactSigner"/>.</summary>
[MemoryDiagnoser]
public class CmsSignBenchmarks
{
    private CmsBenchmarkPki _pki = null!;
    private ArtifactSigner _signer = null!;
    private byte[] _manifest = null!;

    [GlobalSetup]
    public void Setup()
    {
        _pki = new CmsBenchmarkPki();
        _manifest = CmsBenchmarkPki.Manifest();
        _signer = new ArtifactSigner(_pki.Leaf, HashFunction.Sha256, [_pki.Intermediate]);

        var verifier = new ArtifactSignatureVerifier([_pki.Root]);
        foreach (byte[] signature in new[] { Bcl(), ArtifactSignerSign() })
        {
            SignatureVerificationResult result = verifier.Verify(_manifest, signature);
            if (!result.IsValid)
            {
                throw new InvalidOperationException($"Benchmark setup check failed: {result}");
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _pki.Dispose();

    [Benchmark(Baseline = true, Description = "BCL SignedCms.ComputeSignature")]
    public byte[] Bcl()
    {
        var cms = new SignedCms(new ContentInfo(_manifest), detached: true);
        var signer = new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, _pki.Leaf)
        {
            DigestAlgorithm = new Oid("2.16.840.1.101.3.4.2.1"),
            IncludeOption = X509IncludeOption.EndCertOnly,
        };
        signer.Certificates.Add(_pki.Intermediate);
        signer.SignedAttributes.Add(new Pkcs9SigningTime(DateTime.UtcNow));
        cms.ComputeSignature(signer, silent: true);
        return cms.Encode();
    }

    [Benchmark(Description = "ArtifactSigner.Sign")]
    public byte[] ArtifactSignerSign() => _signer.Sign(_manifest);
}

/// <summary>
/// Detached CMS verification of 1 KiB with ECDSA P-256 / SHA-256, chain to a custom root: raw
/// <c>SignedCms.CheckSignature</c> + <c>X509Chain</c> (custom trust) vs <see cref="ArtifactSignatureVerifier"/>,
/// which adds the policy checks, a digest pre-check and the result object.
/// </summary>
[MemoryDiagnoser]
public class CmsVerifyBenchmarks
{
    private CmsBenchmarkPki _pki = null!;
    private ArtifactSignatureVerifier _verifier = null!;
    private byte[] _manifest = null!;
    private byte[] _signature = null!;

    [GlobalSetup]
    public void Setup()
    {
        _pki = new CmsBenchmarkPki();
        _manifest = CmsBenchmarkPki.Manifest();
        _signature = new ArtifactSigner(_pki.Leaf, HashFunction.Sha256, [_pki.Intermediate]).Sign(_manifest);
        _verifier = new ArtifactSignatureVerifier([_pki.Root]);
        if (!Bcl() || !ArtifactSignatureVerifierVerify())
        {
            throw new InvalidOperationException("Benchmark setup check failed: a verifier rejected a good signature.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _pki.Dispose();

    [Benchmark(Baseline = true, Description = "BCL SignedCms.CheckSignature + X509Chain")]
    public bool Bcl()
    {
        var cms = new SignedCms(new ContentInfo(_manifest), detached: true);
        cms.Decode(_signature);
        SignerInfo signer = cms.SignerInfos[0];
        signer.CheckSignature(verifySignatureOnly: true);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_pki.Root);
        chain.ChainPolicy.ExtraStore.AddRange(cms.Certificates);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        return chain.Build(signer.Certificate!);
    }

    [Benchmark(Description = "ArtifactSignatureVerifier.Verify")]
    public bool ArtifactSignatureVerifierVerify() => _verifier.Verify(_manifest, _signature).IsValid;
}
