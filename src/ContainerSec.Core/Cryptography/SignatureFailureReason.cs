namespace ContainerSec.Cryptography;

/// <summary>
/// Why <see cref="ArtifactSignatureVerifier"/> did not accept a signature. The members are listed
/// roughly in the order the checks run; the first failure is reported. <c>docs/cms.md</c> gives
/// the exact order (for example, a signature without any signed attributes is
/// <see cref="SigningTimeMissing"/> before its content is compared).
/// </summary>
public enum SignatureFailureReason
{
    /// <summary>The signature is valid.</summary>
    None = 0,

    /// <summary>The signature blob (over <see cref="ArtifactSignatureVerifier.MaxSignatureSizeInBytes"/>),
    /// the streamed content (over <see cref="ArtifactSignatureVerifier.MaxContentLength"/>) or the number
    /// of embedded certificates (over <see cref="ArtifactSignatureVerifier.MaxCertificates"/>) exceeds its
    /// limit; nothing was parsed past that point.</summary>
    TooLarge,

    /// <summary>The signature is not a well-formed detached CMS <c>SignedData</c> (bad DER or BER,
    /// trailing bytes, embedded content, a content type other than <c>id-data</c>, a missing or
    /// repeated signed attribute).</summary>
    Malformed,

    /// <summary>The <c>SignedData</c> has no signer.</summary>
    NoSigner,

    /// <summary>The <c>SignedData</c> has more than one signer; exactly one is accepted.</summary>
    MultipleSigners,

    /// <summary>The signer's certificate is not among the certificates embedded in the signature.</summary>
    SignerCertificateMissing,

    /// <summary>A refused algorithm: a digest other than SHA-256/384/512 (SHA-1, MD5), a signature
    /// algorithm other than ECDSA or RSA with SHA-2, a DSA key, an RSA key under 2048 bits, a curve
    /// other than P-256/P-384/P-521 — in the signature or in a certificate of the chain.</summary>
    WeakAlgorithm,

    /// <summary>The signer's key usage does not allow digital signatures, or the chain is not valid
    /// for <see cref="ArtifactSignatureVerifier.RequiredExtendedKeyUsage"/>.</summary>
    NotValidForSigning,

    /// <summary>The content's digest differs from the signed message digest: the artefact is not the one that was signed.</summary>
    ContentMismatch,

    /// <summary>The signature over the signed attributes does not verify under the signer's public key.</summary>
    SignatureInvalid,

    /// <summary>The signature has no signing-time attribute.</summary>
    SigningTimeMissing,

    /// <summary>The signing time is later than now plus <see cref="ArtifactSignatureVerifier.MaxClockSkew"/>.</summary>
    SigningTimeInFuture,

    /// <summary>The signing time is outside the signer certificate's validity period.</summary>
    SigningTimeOutsideValidity,

    /// <summary>The chain ends at a self-signed root that is not one of the trust anchors.</summary>
    UntrustedRoot,

    /// <summary>The chain could not be built up to a trust anchor: an issuer (usually an
    /// intermediate) is neither embedded, nor among the extra intermediates, nor a trust anchor.</summary>
    IncompleteChain,

    /// <summary>A certificate of the chain is revoked (only when revocation checking was asked for).</summary>
    Revoked,

    /// <summary>A certificate of the chain has expired at the verification time.</summary>
    Expired,

    /// <summary>A certificate of the chain is not yet valid at the verification time.</summary>
    NotYetValid,

    /// <summary>The revocation status of a certificate could not be determined (only when revocation checking was asked for).</summary>
    RevocationUnknown,

    /// <summary>The chain is invalid for another reason (a bad certificate signature, a CA without
    /// the CA basic constraint, a violated name or path-length constraint, …); the message names it.</summary>
    ChainInvalid,
}
