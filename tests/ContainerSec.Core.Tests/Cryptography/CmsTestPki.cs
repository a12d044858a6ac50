using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ContainerSec.Tests.Cryptography;

/// <summary>The key type of a test PKI: every certificate of it uses this kind of key.</summary>
public enum CmsKeyKind
{
    EcdsaP256,
    EcdsaP384,
    Rsa2048,
}

/// <summary>A clock that always says <see cref="Now"/>.</summary>
internal sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>
/// A test PKI built in code with <see cref="CertificateRequest"/>: root CA → intermediate CA →
/// leaf (key usage digitalSignature), all around the real current time so that the openssl CLI,
/// which has no fake clock, agrees. Certificates with private keys are exportable for openssl.
/// </summary>
internal sealed class CmsTestPki : IDisposable
{
    private static readonly Lazy<CmsTestPki>[] Shared =
        [new(() => new(CmsKeyKind.EcdsaP256)), new(() => new(CmsKeyKind.EcdsaP384)), new(() => new(CmsKeyKind.Rsa2048))];

    private CmsTestPki(CmsKeyKind kind)
    {
        Kind = kind;
        Now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Root = CreateCa(kind, "CN=ContainerSec Test Root " + kind, null, Now.AddDays(-1), Now.AddYears(5));
        Intermediate = CreateCa(kind, "CN=ContainerSec Test Intermediate " + kind, Root, Now.AddDays(-1), Now.AddYears(2));
        Leaf = CreateLeaf(kind, "CN=ContainerSec Test Signer " + kind, Intermediate, Now.AddHours(-1), Now.AddDays(30));
    }

    /// <summary>The PKI of <paramref name="kind"/>, built once per test run (RSA key generation is slow).</summary>
    public static CmsTestPki Get(CmsKeyKind kind) => Shared[(int)kind].Value;

    public CmsKeyKind Kind { get; }

    /// <summary>The real time the PKI was made, in whole seconds.</summary>
    public DateTimeOffset Now { get; }

    public X509Certificate2 Root { get; }

    public X509Certificate2 Intermediate { get; }

    public X509Certificate2 Leaf { get; }

    public static X509Certificate2 CreateCa(CmsKeyKind kind, string subject, X509Certificate2? issuer, DateTimeOffset notBefore, DateTimeOffset notAfter, HashAlgorithmName? hash = null)
    {
        using AsymmetricAlgorithm key = CreateKey(kind);
        CertificateRequest request = Request(kind, subject, key, hash ?? HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return Issue(request, key, issuer, notBefore, notAfter);
    }

    public static X509Certificate2 CreateLeaf(CmsKeyKind kind, string subject, X509Certificate2 issuer, DateTimeOffset notBefore, DateTimeOffset notAfter, X509KeyUsageFlags usage = X509KeyUsageFlags.DigitalSignature, AsymmetricAlgorithm? key = null)
    {
        AsymmetricAlgorithm leafKey = key ?? CreateKey(kind);
        try
        {
            CertificateRequest request = Request(kind, subject, leafKey, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, true));
            return Issue(request, leafKey, issuer, notBefore, notAfter);
        }
        finally
        {
            if (key is null)
            {
                leafKey.Dispose();
            }
        }
    }

    /// <summary>A new leaf under this PKI's intermediate, with its own validity period.</summary>
    public X509Certificate2 CreateLeaf(DateTimeOffset notBefore, DateTimeOffset notAfter, X509KeyUsageFlags usage = X509KeyUsageFlags.DigitalSignature) =>
        CreateLeaf(Kind, "CN=ContainerSec Extra Signer " + Kind, Intermediate, notBefore, notAfter, usage);

    public static AsymmetricAlgorithm CreateKey(CmsKeyKind kind) => kind switch
    {
        CmsKeyKind.EcdsaP256 => ECDsa.Create(ECCurve.NamedCurves.nistP256),
        CmsKeyKind.EcdsaP384 => ECDsa.Create(ECCurve.NamedCurves.nistP384),
        _ => RSA.Create(2048),
    };

    /// <summary>Writes the certificate as PEM, and with <paramref name="keyPath"/> its private key as PKCS#8 PEM.</summary>
    public static void WritePem(X509Certificate2 certificate, string path, string? keyPath = null)
    {
        File.WriteAllText(path, certificate.ExportCertificatePem() + "\n");
        if (keyPath is not null)
        {
            using AsymmetricAlgorithm key = (AsymmetricAlgorithm?)certificate.GetECDsaPrivateKey() ?? certificate.GetRSAPrivateKey()
                ?? throw new InvalidOperationException("no private key");
            File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n");
        }
    }

    public void Dispose()
    {
        Root.Dispose();
        Intermediate.Dispose();
        Leaf.Dispose();
    }

    private static CertificateRequest Request(CmsKeyKind kind, string subject, AsymmetricAlgorithm key, HashAlgorithmName hash)
    {
        var request = key is ECDsa ecdsa
            ? new CertificateRequest(subject, ecdsa, hash)
            : new CertificateRequest(subject, (RSA)key, hash, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        _ = kind;
        return request;
    }

    private static X509Certificate2 Issue(CertificateRequest request, AsymmetricAlgorithm key, X509Certificate2? issuer, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        if (issuer is null)
        {
            return request.CreateSelfSigned(notBefore, notAfter);
        }

        if (notAfter > issuer.NotAfter)
        {
            notAfter = issuer.NotAfter;
        }

        if (notBefore < issuer.NotBefore)
        {
            notBefore = issuer.NotBefore;
        }

        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        byte[] serial = new byte[12];
        RandomNumberGenerator.Fill(serial);
        serial[0] &= 0x7F;
        using X509Certificate2 certificate = request.Create(issuer, notBefore, notAfter, serial);
        return key switch
        {
            ECDsa ecdsa => certificate.CopyWithPrivateKey(ecdsa),
            RSA rsa => certificate.CopyWithPrivateKey(rsa),
            _ => throw new NotSupportedException(),
        };
    }
}

/// <summary>
/// Signs certificates with ECDSA over SHA-1 (ecdsa-with-SHA1), which <see cref="CertificateRequest"/>
/// no longer offers: only to build the weak chains the verifier must refuse.
/// </summary>
internal sealed class Sha1EcdsaSignatureGenerator(ECDsa issuerKey) : X509SignatureGenerator
{
    public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm) =>
        [0x30, 0x09, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x01];

    public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm) =>
        issuerKey.SignData(data, HashAlgorithmName.SHA1, DSASignatureFormat.Rfc3279DerSequence);

    protected override PublicKey BuildPublicKey() => CreateForECDsa(issuerKey).PublicKey;
}
