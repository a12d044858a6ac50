using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using ContainerSec.Internal;

namespace ContainerSec.Cryptography;

/// <summary>
/// Makes detached CMS (PKCS#7) signatures over artefacts — an image manifest, a policy bundle —
/// with an X.509 signing certificate and its private key. The output is a DER-encoded CMS
/// <c>SignedData</c> without the content, which <see cref="ArtifactSignatureVerifier"/> and
/// <c>openssl cms -verify -binary -inform DER -content …</c> verify.
/// </summary>
/// <remarks>
/// <para>Each signature carries the signing certificate, the intermediates given to the
/// constructor (never the root: the verifier must bring its own trust anchor), and the signed
/// attributes content type (<c>id-data</c>), message digest and signing time. The signing time is
/// read from the <see cref="TimeProvider"/>, truncated to whole seconds.</para>
/// <para>Refused: certificates without a private key, DSA keys, RSA keys under 2048 bits, EC
/// curves other than P-256, P-384 and P-521, and certificates whose key usage excludes digital
/// signatures. SHA-1 and MD5 cannot be chosen: <see cref="HashFunction"/> offers SHA-2 only.
/// RSA keys sign with PKCS#1 v1.5, which every CMS verifier accepts.</para>
/// <para>The signer does not own the certificates: keep them alive (and their private key
/// undisposed) while it is used, and dispose them yourself. Instances are immutable and
/// thread-safe. The content is held in memory while it is signed (the BCL's CMS encoder needs it
/// whole); streams are limited to <see cref="MaxContentLength"/> bytes.</para>
/// </remarks>
public sealed class ArtifactSigner
{
    /// <summary>The default limit on a streamed artefact: 64 MiB.</summary>
    public const long DefaultMaxContentLength = 64L * 1024 * 1024;

    private readonly X509Certificate2 _certificate;
    private readonly X509Certificate2[] _intermediates;
    private readonly string _digestOid;
    private readonly long _maxContentLength = DefaultMaxContentLength;

    /// <summary>Creates a signer for <paramref name="certificate"/> and its private key.</summary>
    /// <param name="certificate">The signing certificate, with its private key.</param>
    /// <param name="digestAlgorithm">The digest of the content and the signed attributes.</param>
    /// <param name="intermediates">Intermediate CA certificates to embed, so that a verifier can build
    /// the chain from the signing certificate to its trust anchor; <see langword="null"/> for none.</param>
    /// <param name="timeProvider">The clock for the signing time; <see langword="null"/> for <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="certificate"/> or <paramref name="digestAlgorithm"/> is <see langword="null"/>,
    /// or <paramref name="intermediates"/> holds <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="certificate"/> has no private key, has a refused key
    /// (DSA, RSA under 2048 bits, a curve other than P-256/P-384/P-521), or a key usage without digital signatures.</exception>
    public ArtifactSigner(
        X509Certificate2 certificate,
        HashFunction digestAlgorithm,
        IEnumerable<X509Certificate2>? intermediates = null,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(digestAlgorithm);
        if (!certificate.HasPrivateKey)
        {
            throw new ArgumentException("The signing certificate has no private key.", nameof(certificate));
        }

        if (CmsPolicy.CheckPublicKey(certificate) is string refused)
        {
            throw new ArgumentException(refused, nameof(certificate));
        }

        if (!CmsPolicy.AllowsDigitalSignature(certificate))
        {
            throw new ArgumentException("The signing certificate's key usage does not include digital signatures.", nameof(certificate));
        }

        _intermediates = intermediates is null ? [] : [.. intermediates];
        foreach (X509Certificate2 intermediate in _intermediates)
        {
            ArgumentNullException.ThrowIfNull(intermediate, nameof(intermediates));
        }

        _certificate = certificate;
        _digestOid = CmsPolicy.DigestOid(digestAlgorithm);
        DigestAlgorithm = digestAlgorithm;
        TimeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The signing certificate.</summary>
    public X509Certificate2 Certificate => _certificate;

    /// <summary>The digest algorithm written into each signature.</summary>
    public HashFunction DigestAlgorithm { get; }

    /// <summary>The clock the signing time is read from.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>The most bytes <see cref="Sign(Stream)"/> reads; <see cref="DefaultMaxContentLength"/> unless set.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public long MaxContentLength
    {
        get => _maxContentLength;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            _maxContentLength = value;
        }
    }

    /// <summary>Signs <paramref name="source"/> and returns the detached CMS signature (DER).</summary>
    /// <exception cref="ArgumentException"><paramref name="source"/> is empty (the BCL's CMS encoder refuses to sign empty content).</exception>
    /// <exception cref="InvalidOperationException">The signing certificate is not valid at the current time
    /// (a signature made now would never verify).</exception>
    /// <exception cref="CryptographicException">The private key refused to sign (for example, a key in a
    /// store that does not allow it).</exception>
    public byte[] Sign(ReadOnlySpan<byte> source) => SignCore(source.ToArray(), nameof(source));

    /// <summary>Reads <paramref name="source"/> to its end and returns the detached CMS signature (DER) of what was read.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="source"/> is empty or holds more than <see cref="MaxContentLength"/> bytes.</exception>
    /// <exception cref="InvalidOperationException">The signing certificate is not valid at the current time.</exception>
    /// <exception cref="CryptographicException">The private key refused to sign.</exception>
    public byte[] Sign(Stream source)
    {
        ArgumentNullException.ThrowIfNull(source);
        byte[] content = CmsPolicy.ReadBounded(source, _maxContentLength)
            ?? throw Error.StreamTooLong(nameof(source), "streamed artefact", _maxContentLength);
        return SignCore(content, nameof(source));
    }

    /// <summary>Signs <paramref name="source"/> and writes the detached CMS signature into <paramref name="destination"/>.</summary>
    /// <returns>The number of bytes written.</returns>
    /// <exception cref="ArgumentException"><paramref name="source"/> is empty, or <paramref name="destination"/> is too small.</exception>
    /// <exception cref="InvalidOperationException">The signing certificate is not valid at the current time.</exception>
    /// <exception cref="CryptographicException">The private key refused to sign.</exception>
    /// <remarks>The CMS encoder builds the signature in a buffer of its own; its size depends on
    /// the certificates, so it is not known in advance. This form copies it out.</remarks>
    [OverloadResolutionPriority(1)]
    public int Sign(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        byte[] signature = Sign(source);
        if (destination.Length < signature.Length)
        {
            Error.ThrowDestinationTooSmall(nameof(destination), signature.Length, destination.Length);
        }

        signature.CopyTo(destination);
        return signature.Length;
    }

    /// <summary>Signs <paramref name="source"/> into <paramref name="destination"/> if it is large enough.</summary>
    /// <returns><see langword="false"/> only when <paramref name="destination"/> is too small; nothing is written then.</returns>
    /// <exception cref="ArgumentException"><paramref name="source"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">The signing certificate is not valid at the current time.</exception>
    /// <exception cref="CryptographicException">The private key refused to sign.</exception>
    public bool TrySign(ReadOnlySpan<byte> source, Span<byte> destination, out int bytesWritten)
    {
        byte[] signature = Sign(source);
        if (!signature.AsSpan().TryCopyTo(destination))
        {
            bytesWritten = 0;
            return false;
        }

        bytesWritten = signature.Length;
        return true;
    }

    private byte[] SignCore(byte[] content, string paramName)
    {
        if (content.Length == 0)
        {
            throw new ArgumentException("An empty artefact cannot be signed: the CMS encoder refuses empty content.", paramName);
        }

        DateTimeOffset now = TimeProvider.GetUtcNow();
        var signingTime = new DateTime(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
        if (signingTime < _certificate.NotBefore.ToUniversalTime() || signingTime > _certificate.NotAfter.ToUniversalTime())
        {
            throw new InvalidOperationException(
                $"The signing certificate is valid from {_certificate.NotBefore.ToUniversalTime():O} to {_certificate.NotAfter.ToUniversalTime():O}, not at {signingTime:O}.");
        }

        var cms = new SignedCms(new ContentInfo(new Oid(CmsPolicy.IdData), content), detached: true);
        var signer = new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, _certificate)
        {
            DigestAlgorithm = new Oid(_digestOid),
            IncludeOption = X509IncludeOption.EndCertOnly,
        };
        foreach (X509Certificate2 intermediate in _intermediates)
        {
            signer.Certificates.Add(intermediate);
        }

        signer.SignedAttributes.Add(new Pkcs9SigningTime(signingTime));
        cms.ComputeSignature(signer, silent: true);
        return cms.Encode();
    }
}
