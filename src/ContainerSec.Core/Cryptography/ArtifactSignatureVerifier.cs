using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using ContainerSec.Internal;

namespace ContainerSec.Cryptography;

/// <summary>
/// Verifies detached CMS (PKCS#7) signatures over artefacts against caller-supplied trust anchors
/// — never the machine's certificate store — and reports the outcome as a
/// <see cref="SignatureVerificationResult"/>: who signed, when they said they did, the chain,
/// and, for a refusal, a typed <see cref="SignatureFailureReason"/> with a message.
/// </summary>
/// <remarks>
/// <para>Bad signatures and bad content are outcomes, not exceptions: <c>Verify</c> never throws
/// for anything in the signature blob or the artefact (malformed DER gives
/// <see cref="SignatureFailureReason.Malformed"/>). Only caller mistakes throw
/// (<see cref="ArgumentNullException"/> for a <see langword="null"/> stream).</para>
/// <para>Checks, in order, the first failure reported: size limits; one well-formed DER/BER
/// <c>SignedData</c> without embedded content and with content type <c>id-data</c>; exactly one
/// signer; its certificate embedded; algorithms (digest SHA-256/384/512, ECDSA or RSA with SHA-2,
/// key P-256/P-384/P-521 or RSA 2048–16384 bits); key usage; the content digest against the signed
/// message digest; the signature over the signed attributes; the signing time (present, not later
/// than now + <see cref="MaxClockSkew"/>, within the signer certificate's validity); the chain
/// from the signer to one of <see cref="TrustAnchors"/>, with the embedded certificates and
/// <see cref="Intermediates"/> as untrusted helpers; the algorithms and keys of that chain.</para>
/// <para><b>Verification time.</b> The chain is validated at the current time from
/// <see cref="TimeProvider"/>, not at the signing time: the signing time is an attribute the
/// signer wrote itself (no trusted timestamp), so a key stolen after its certificate expired
/// could claim any earlier time. A signature therefore stops verifying when its certificate
/// expires; re-sign artefacts that must outlive their certificate.</para>
/// <para>Revocation is not checked unless <see cref="RevocationMode"/> asks for it; certificates
/// are never downloaded (no AIA fetching). Instances are immutable and thread-safe.</para>
/// </remarks>
public sealed class ArtifactSignatureVerifier
{
    /// <summary>The largest signature blob parsed: 256 KiB. A detached signature with a few
    /// certificates is a few kilobytes; anything larger is refused before parsing.</summary>
    public const int MaxSignatureSizeInBytes = 256 * 1024;

    /// <summary>The most certificates a signature may embed: 32.</summary>
    public const int MaxCertificates = 32;

    /// <summary>The default limit on a streamed artefact: 64 MiB.</summary>
    public const long DefaultMaxContentLength = ArtifactSigner.DefaultMaxContentLength;

    private readonly X509Certificate2[] _trustAnchors;
    private readonly X509Certificate2[] _intermediates;
    private readonly TimeProvider _timeProvider = TimeProvider.System;
    private readonly TimeSpan _maxClockSkew = TimeSpan.FromMinutes(5);
    private readonly long _maxContentLength = DefaultMaxContentLength;
    private readonly X509RevocationMode _revocationMode = X509RevocationMode.NoCheck;

    /// <summary>Creates a verifier that trusts exactly <paramref name="trustAnchors"/>.</summary>
    /// <param name="trustAnchors">The root certificates a chain must end at. Nothing else is trusted.</param>
    /// <param name="intermediates">Extra intermediate CA certificates for building chains (not
    /// trusted by themselves); <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentNullException"><paramref name="trustAnchors"/> is <see langword="null"/>, or a collection holds <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="trustAnchors"/> is empty.</exception>
    public ArtifactSignatureVerifier(IEnumerable<X509Certificate2> trustAnchors, IEnumerable<X509Certificate2>? intermediates = null)
    {
        ArgumentNullException.ThrowIfNull(trustAnchors);
        _trustAnchors = [.. trustAnchors];
        _intermediates = intermediates is null ? [] : [.. intermediates];
        if (_trustAnchors.Length == 0)
        {
            throw new ArgumentException("At least one trust anchor is needed; the machine's store is never used.", nameof(trustAnchors));
        }

        foreach (X509Certificate2 anchor in _trustAnchors)
        {
            ArgumentNullException.ThrowIfNull(anchor, nameof(trustAnchors));
        }

        foreach (X509Certificate2 intermediate in _intermediates)
        {
            ArgumentNullException.ThrowIfNull(intermediate, nameof(intermediates));
        }
    }

    /// <summary>The trusted root certificates.</summary>
    public IReadOnlyList<X509Certificate2> TrustAnchors => _trustAnchors;

    /// <summary>The extra, untrusted intermediates offered to chain building.</summary>
    public IReadOnlyList<X509Certificate2> Intermediates => _intermediates;

    /// <summary>The clock for "now": the chain's verification time and the future-signing-time check. <see cref="TimeProvider.System"/> unless set.</summary>
    /// <exception cref="ArgumentNullException">The value is <see langword="null"/>.</exception>
    public TimeProvider TimeProvider
    {
        get => _timeProvider;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            _timeProvider = value;
        }
    }

    /// <summary>How far in the future a signing time may lie (clock skew between signer and verifier): 5 minutes unless set.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or more than a day.</exception>
    public TimeSpan MaxClockSkew
    {
        get => _maxClockSkew;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, TimeSpan.FromDays(1));
            _maxClockSkew = value;
        }
    }

    /// <summary>The most bytes <see cref="Verify(Stream, ReadOnlySpan{byte})"/> reads from the artefact; <see cref="DefaultMaxContentLength"/> unless set.</summary>
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

    /// <summary>Revocation checking of the chain: <see cref="X509RevocationMode.NoCheck"/> unless set.
    /// <see cref="X509RevocationMode.Online"/> fetches CRLs and OCSP responses over the network.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined mode.</exception>
    public X509RevocationMode RevocationMode
    {
        get => _revocationMode;
        init
        {
            if (!Enum.IsDefined(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Not a revocation mode.");
            }

            _revocationMode = value;
        }
    }

    /// <summary>An extended key usage the chain must be valid for (for example code signing,
    /// <c>1.3.6.1.5.5.7.3.3</c>), or <see langword="null"/> (the default) to require none.</summary>
    public Oid? RequiredExtendedKeyUsage { get; init; }

    /// <summary>Verifies the detached CMS <paramref name="signature"/> over <paramref name="source"/>.</summary>
    /// <returns>The outcome; never throws for a bad signature or content.</returns>
    public SignatureVerificationResult Verify(ReadOnlySpan<byte> source, ReadOnlySpan<byte> signature)
    {
        if (signature.Length > MaxSignatureSizeInBytes)
        {
            return SignatureTooLarge(signature.Length);
        }

        return VerifyGuarded(source.ToArray(), signature);
    }

    /// <summary>Reads <paramref name="source"/> to its end and verifies the detached CMS <paramref name="signature"/> over what was read.</summary>
    /// <returns>The outcome; <see cref="SignatureFailureReason.TooLarge"/> when the stream holds more than
    /// <see cref="MaxContentLength"/> bytes (reading stops at the limit, and a too-large signature is
    /// refused before the stream is read).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is <see langword="null"/>.</exception>
    /// <exception cref="IOException">Reading <paramref name="source"/> failed.</exception>
    public SignatureVerificationResult Verify(Stream source, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (signature.Length > MaxSignatureSizeInBytes)
        {
            return SignatureTooLarge(signature.Length);
        }

        byte[]? content = CmsPolicy.ReadBounded(source, _maxContentLength);
        return content is null
            ? Fail(SignatureFailureReason.TooLarge, $"The artefact is larger than the limit of {_maxContentLength} bytes.")
            : VerifyGuarded(content, signature);
    }

    private static SignatureVerificationResult SignatureTooLarge(int length) =>
        Fail(SignatureFailureReason.TooLarge, $"The signature is {length} bytes; at most {MaxSignatureSizeInBytes} are accepted.");

    private SignatureVerificationResult VerifyGuarded(byte[] content, ReadOnlySpan<byte> signature)
    {
        try
        {
            return VerifyCore(content, signature);
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException or FormatException or OverflowException or ArgumentException)
        {
            // A last line of defence: anything the BCL's decoders throw for outside data is a malformed signature.
            return Fail(SignatureFailureReason.Malformed, $"The signature could not be processed: {e.Message}");
        }
    }

    private SignatureVerificationResult VerifyCore(byte[] content, ReadOnlySpan<byte> signature)
    {
        if (!IsSingleEncodedValue(signature))
        {
            return Fail(SignatureFailureReason.Malformed, "The signature is not exactly one DER/BER-encoded value.");
        }

        var cms = new SignedCms(new ContentInfo(new Oid(CmsPolicy.IdData), content), detached: true);
        try
        {
            cms.Decode(signature);
        }
        catch (CryptographicException e)
        {
            return Fail(SignatureFailureReason.Malformed, $"The signature is not a CMS SignedData: {e.Message}");
        }

        if (CmsPolicy.HasEncapsulatedContent(signature, out string contentType))
        {
            return Fail(SignatureFailureReason.Malformed, "The signature embeds its content; a detached signature is expected.");
        }

        if (contentType != CmsPolicy.IdData)
        {
            return Fail(SignatureFailureReason.Malformed, $"The content type is {contentType}, not id-data.");
        }

        if (cms.Certificates.Count > MaxCertificates)
        {
            return Fail(SignatureFailureReason.TooLarge, $"The signature embeds {cms.Certificates.Count} certificates; at most {MaxCertificates} are accepted.");
        }

        SignerInfoCollection signers = cms.SignerInfos;
        if (signers.Count == 0)
        {
            return Fail(SignatureFailureReason.NoSigner, "The signature has no signer.");
        }

        if (signers.Count > 1)
        {
            return Fail(SignatureFailureReason.MultipleSigners, $"The signature has {signers.Count} signers; exactly one is accepted.");
        }

        SignerInfo signerInfo = signers[0];
        X509Certificate2? signer = signerInfo.Certificate;
        if (signer is null)
        {
            return Fail(SignatureFailureReason.SignerCertificateMissing, "The signer's certificate is not embedded in the signature.");
        }

        HashFunction? digest = CmsPolicy.Digest(signerInfo.DigestAlgorithm.Value);
        if (digest is null)
        {
            return Fail(SignatureFailureReason.WeakAlgorithm, $"The digest algorithm {Describe(signerInfo.DigestAlgorithm)} is refused; SHA-256, SHA-384 and SHA-512 are allowed.", signer);
        }

        if (!CmsPolicy.IsAllowedSignatureAlgorithm(signerInfo.SignatureAlgorithm.Value, inSignerInfo: true))
        {
            return Fail(SignatureFailureReason.WeakAlgorithm, $"The signature algorithm {Describe(signerInfo.SignatureAlgorithm)} is refused; ECDSA and RSA with SHA-2 are allowed.", signer, digest: digest);
        }

        if (CmsPolicy.CheckPublicKey(signer) is string keyRefused)
        {
            return Fail(SignatureFailureReason.WeakAlgorithm, keyRefused, signer, digest: digest);
        }

        if (!CmsPolicy.AllowsDigitalSignature(signer))
        {
            return Fail(SignatureFailureReason.NotValidForSigning, "The signer certificate's key usage does not include digital signatures.", signer, digest: digest);
        }

        if (signerInfo.SignedAttributes.Count == 0)
        {
            // Legal CMS (the signature is then over the content itself), but without signed
            // attributes there is no signing time, and none can be bound to the signature.
            return Fail(SignatureFailureReason.SigningTimeMissing, "The signature has no signed attributes, so no signing time.", signer, digest: digest);
        }

        SignedAttributes attributes = ReadSignedAttributes(signerInfo);
        if (attributes.Error is string malformed)
        {
            return Fail(SignatureFailureReason.Malformed, malformed, signer, digest: digest);
        }

        DateTimeOffset? signingTime = attributes.SigningTime;
        byte[] actual = digest.HashData(content);
        if (!CryptographicOperations.FixedTimeEquals(actual, attributes.MessageDigest))
        {
            return Fail(SignatureFailureReason.ContentMismatch, "The content's digest does not match the signed message digest: this is not the artefact that was signed.", signer, signingTime, digest);
        }

        try
        {
            signerInfo.CheckSignature(verifySignatureOnly: true);
        }
        catch (CryptographicException)
        {
            return Fail(SignatureFailureReason.SignatureInvalid, "The signature does not verify under the signer certificate's public key.", signer, signingTime, digest);
        }

        DateTimeOffset now = _timeProvider.GetUtcNow();
        if (signingTime is not DateTimeOffset claimed)
        {
            return Fail(SignatureFailureReason.SigningTimeMissing, "The signature has no signing-time attribute.", signer, null, digest);
        }

        if (claimed > now + _maxClockSkew)
        {
            return Fail(SignatureFailureReason.SigningTimeInFuture, $"The signing time {claimed:O} is later than now ({now:O}) plus the allowed skew of {_maxClockSkew}.", signer, claimed, digest);
        }

        DateTimeOffset notBefore = signer.NotBefore.ToUniversalTime();
        DateTimeOffset notAfter = signer.NotAfter.ToUniversalTime();
        if (claimed < notBefore || claimed > notAfter)
        {
            return Fail(SignatureFailureReason.SigningTimeOutsideValidity, $"The signing time {claimed:O} is outside the signer certificate's validity ({notBefore:O} to {notAfter:O}).", signer, claimed, digest);
        }

        return VerifyChain(cms.Certificates, signer, claimed, digest, now);
    }

    private SignatureVerificationResult VerifyChain(X509Certificate2Collection embedded, X509Certificate2 signer, DateTimeOffset signingTime, HashFunction digest, DateTimeOffset now)
    {
        using var chain = new X509Chain();
        X509ChainPolicy policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.AddRange(_trustAnchors);
        policy.ExtraStore.AddRange(embedded);
        policy.ExtraStore.AddRange(_intermediates);
        policy.RevocationMode = _revocationMode;
        policy.RevocationFlag = X509RevocationFlag.ExcludeRoot;
        policy.DisableCertificateDownloads = true;
        policy.VerificationTime = now.UtcDateTime;
        policy.VerificationTimeIgnored = false;
        if (RequiredExtendedKeyUsage is Oid eku)
        {
            policy.ApplicationPolicy.Add(eku);
        }

        bool built = chain.Build(signer);
        var elements = new List<X509Certificate2>(chain.ChainElements.Count);
        foreach (X509ChainElement element in chain.ChainElements)
        {
            elements.Add(X509CertificateLoader.LoadCertificate(element.Certificate.RawDataMemory.Span));
        }

        X509ChainStatusFlags flags = X509ChainStatusFlags.NoError;
        foreach (X509ChainStatus status in chain.ChainStatus)
        {
            flags |= status.Status;
        }

        // Trust first: a chain that does not reach an anchor says nothing else worth reporting.
        if ((flags & (X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain)) != 0)
        {
            (SignatureFailureReason reason, string message) = Explain(chain, flags, now);
            return Fail(reason, message, signer, signingTime, digest, elements);
        }

        // Then the algorithm policy, stricter than the platform's (which may accept SHA-1 or
        // RSA-1024 certificates, or reject them with a vague status). The anchor is the caller's
        // choice, so only the certificates below it are checked.
        for (int i = 0; i < elements.Count - 1; i++)
        {
            X509Certificate2 certificate = elements[i];
            if (!CmsPolicy.IsAllowedSignatureAlgorithm(certificate.SignatureAlgorithm.Value, inSignerInfo: false))
            {
                return Fail(SignatureFailureReason.WeakAlgorithm, $"The certificate {certificate.Subject} is signed with {Describe(certificate.SignatureAlgorithm)}, which is refused.", signer, signingTime, digest, elements);
            }

            if (CmsPolicy.CheckPublicKey(certificate) is string refused)
            {
                return Fail(SignatureFailureReason.WeakAlgorithm, $"{certificate.Subject}: {refused}", signer, signingTime, digest, elements);
            }
        }

        if (!built || flags != X509ChainStatusFlags.NoError)
        {
            (SignatureFailureReason reason, string message) = Explain(chain, flags, now);
            return Fail(reason, message, signer, signingTime, digest, elements);
        }

        X509Certificate2 root = elements[^1];
        if (!IsTrustAnchor(root))
        {
            return Fail(SignatureFailureReason.UntrustedRoot, $"The chain ends at {root.Subject}, which is not a trust anchor.", signer, signingTime, digest, elements);
        }

        return new SignatureVerificationResult(
            SignatureFailureReason.None,
            $"Valid signature by {signer.Subject}, chained to the trust anchor {root.Subject}.",
            signer,
            signingTime,
            digest,
            elements);
    }

    private bool IsTrustAnchor(X509Certificate2 certificate)
    {
        foreach (X509Certificate2 anchor in _trustAnchors)
        {
            if (anchor.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Maps the chain's status flags to one reason, the most telling first.</summary>
    private static (SignatureFailureReason Reason, string Message) Explain(X509Chain chain, X509ChainStatusFlags flags, DateTimeOffset now)
    {
        string leafSubject = chain.ChainElements.Count > 0 ? chain.ChainElements[0].Certificate.Subject : "(none)";
        string lastSubject = chain.ChainElements.Count > 0 ? chain.ChainElements[^1].Certificate.Subject : "(none)";
        if ((flags & X509ChainStatusFlags.UntrustedRoot) != 0)
        {
            return (SignatureFailureReason.UntrustedRoot, $"The chain ends at {lastSubject}, which is not a trust anchor.");
        }

        if ((flags & X509ChainStatusFlags.PartialChain) != 0)
        {
            return (SignatureFailureReason.IncompleteChain, $"No chain to a trust anchor: the issuer of {lastSubject} is neither embedded, nor an extra intermediate, nor a trust anchor.");
        }

        if ((flags & X509ChainStatusFlags.Revoked) != 0)
        {
            return (SignatureFailureReason.Revoked, "A certificate of the chain is revoked.");
        }

        if ((flags & X509ChainStatusFlags.NotTimeValid) != 0)
        {
            foreach (X509ChainElement element in chain.ChainElements)
            {
                X509Certificate2 certificate = element.Certificate;
                if (now > certificate.NotAfter.ToUniversalTime())
                {
                    return (SignatureFailureReason.Expired, $"The certificate {certificate.Subject} expired at {certificate.NotAfter.ToUniversalTime():O}; now is {now:O}.");
                }

                if (now < certificate.NotBefore.ToUniversalTime())
                {
                    return (SignatureFailureReason.NotYetValid, $"The certificate {certificate.Subject} is valid only from {certificate.NotBefore.ToUniversalTime():O}; now is {now:O}.");
                }
            }

            return (SignatureFailureReason.Expired, "A certificate of the chain is not valid at the verification time.");
        }

        if ((flags & (X509ChainStatusFlags.NotValidForUsage | X509ChainStatusFlags.InvalidPolicyConstraints)) != 0)
        {
            return (SignatureFailureReason.NotValidForSigning, $"The chain of {leafSubject} is not valid for the required usage.");
        }

        if ((flags & X509ChainStatusFlags.HasWeakSignature) != 0)
        {
            return (SignatureFailureReason.WeakAlgorithm, "A certificate of the chain has a weak signature.");
        }

        if ((flags & (X509ChainStatusFlags.RevocationStatusUnknown | X509ChainStatusFlags.OfflineRevocation)) != 0)
        {
            return (SignatureFailureReason.RevocationUnknown, "The revocation status of a certificate of the chain is unknown.");
        }

        string detail = chain.ChainStatus.Length > 0 ? chain.ChainStatus[0].StatusInformation.Trim() : "no status";
        return (SignatureFailureReason.ChainInvalid, $"The chain is invalid ({flags}): {detail}");
    }

    private static bool IsSingleEncodedValue(ReadOnlySpan<byte> signature)
    {
        try
        {
            AsnDecoder.ReadEncodedValue(signature, AsnEncodingRules.BER, out _, out _, out int consumed);
            return consumed == signature.Length;
        }
        catch (AsnContentException)
        {
            return false;
        }
    }

    private readonly record struct SignedAttributes(byte[] MessageDigest, DateTimeOffset? SigningTime, string? Error);

    /// <summary>
    /// Reads the signed attributes this verifier relies on: exactly one content type (id-data),
    /// exactly one message digest, at most one signing time, each with exactly one value.
    /// </summary>
    private static SignedAttributes ReadSignedAttributes(SignerInfo signerInfo)
    {
        byte[]? messageDigest = null;
        DateTimeOffset? signingTime = null;
        bool contentType = false;
        foreach (CryptographicAttributeObject attribute in signerInfo.SignedAttributes)
        {
            string? oid = attribute.Oid.Value;
            if (oid is not (CmsPolicy.ContentTypeAttribute or CmsPolicy.MessageDigestAttribute or CmsPolicy.SigningTimeAttribute))
            {
                continue;
            }

            if (attribute.Values.Count != 1)
            {
                return new([], null, $"The signed attribute {oid} has {attribute.Values.Count} values; exactly one is required.");
            }

            byte[] value = attribute.Values[0].RawData;
            switch (oid)
            {
                case CmsPolicy.ContentTypeAttribute:
                    if (contentType)
                    {
                        return new([], null, "The content-type attribute appears more than once.");
                    }

                    contentType = true;
                    string type = AsnDecoder.ReadObjectIdentifier(value, AsnEncodingRules.BER, out _);
                    if (type != CmsPolicy.IdData)
                    {
                        return new([], null, $"The signed content type is {type}, not id-data.");
                    }

                    break;
                case CmsPolicy.MessageDigestAttribute:
                    if (messageDigest is not null)
                    {
                        return new([], null, "The message-digest attribute appears more than once.");
                    }

                    messageDigest = AsnDecoder.ReadOctetString(value, AsnEncodingRules.BER, out _);
                    break;
                default:
                    if (signingTime is not null)
                    {
                        return new([], null, "The signing-time attribute appears more than once.");
                    }

                    signingTime = new DateTimeOffset(new Pkcs9SigningTime(value).SigningTime.ToUniversalTime(), TimeSpan.Zero);
                    break;
            }
        }

        if (messageDigest is null || !contentType)
        {
            return new([], null, "The signature lacks the signed content-type and message-digest attributes.");
        }

        return new(messageDigest, signingTime, null);
    }

    private static string Describe(Oid oid) => oid.FriendlyName is { Length: > 0 } name ? $"{name} ({oid.Value})" : oid.Value ?? "(none)";

    private static SignatureVerificationResult Fail(
        SignatureFailureReason reason,
        string message,
        X509Certificate2? signer = null,
        DateTimeOffset? signingTime = null,
        HashFunction? digest = null,
        IReadOnlyList<X509Certificate2>? chain = null) =>
        new(reason, message, signer, signingTime, digest, chain);
}
