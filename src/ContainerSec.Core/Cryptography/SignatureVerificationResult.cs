using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ContainerSec.Cryptography;

/// <summary>
/// The outcome of <see cref="ArtifactSignatureVerifier.Verify(ReadOnlySpan{byte}, ReadOnlySpan{byte})"/>:
/// valid or not, why not (<see cref="Reason"/> and <see cref="Message"/>), who signed, when they
/// said they did, and the chain that was built.
/// </summary>
/// <remarks>
/// The signer is reported whenever it could be identified, also for an invalid signature, so
/// that a refusal can be logged with the identity it claimed; an identity is only trustworthy
/// when <see cref="IsValid"/> is <see langword="true"/>.
/// </remarks>
public sealed class SignatureVerificationResult
{
    internal SignatureVerificationResult(
        SignatureFailureReason reason,
        string message,
        X509Certificate2? signerCertificate,
        DateTimeOffset? signingTime,
        HashFunction? digestAlgorithm,
        IReadOnlyList<X509Certificate2>? chain)
    {
        Reason = reason;
        Message = message;
        SignerCertificate = signerCertificate;
        SigningTime = signingTime;
        DigestAlgorithm = digestAlgorithm;
        Chain = chain ?? [];
        if (signerCertificate is not null)
        {
            SignerThumbprint = signerCertificate.GetCertHashString(HashAlgorithmName.SHA256);
            SignerSubjectKeyIdentifier = signerCertificate.Extensions["2.5.29.14"] is X509SubjectKeyIdentifierExtension ski
                ? ski.SubjectKeyIdentifier
                : null;
        }
    }

    /// <summary>Whether every check passed: <see cref="Reason"/> is <see cref="SignatureFailureReason.None"/>.</summary>
    public bool IsValid => Reason == SignatureFailureReason.None;

    /// <summary>Why the signature was not accepted; <see cref="SignatureFailureReason.None"/> when it was.</summary>
    public SignatureFailureReason Reason { get; }

    /// <summary>A sentence for logs explaining the outcome. It names certificates and algorithms, never key material.</summary>
    public string Message { get; }

    /// <summary>The signer's certificate, when the signature named one that was embedded; otherwise <see langword="null"/>.</summary>
    public X509Certificate2? SignerCertificate { get; }

    /// <summary>The signer's subject distinguished name, or <see langword="null"/>.</summary>
    public string? SignerSubject => SignerCertificate?.Subject;

    /// <summary>The SHA-256 thumbprint of the signer's certificate in upper-case hex, or <see langword="null"/>.</summary>
    public string? SignerThumbprint { get; }

    /// <summary>The signer certificate's subject key identifier in upper-case hex, or <see langword="null"/> when it has none.</summary>
    public string? SignerSubjectKeyIdentifier { get; }

    /// <summary>The signed signing time (as claimed by the signer, not a trusted timestamp), or <see langword="null"/>.</summary>
    public DateTimeOffset? SigningTime { get; }

    /// <summary>The digest algorithm of the signature, when it is one of the allowed ones; otherwise <see langword="null"/>.</summary>
    public HashFunction? DigestAlgorithm { get; }

    /// <summary>
    /// The chain that was built, from the signer's certificate to the trust anchor; empty when
    /// verification stopped before chain building. For a chain that failed, the elements that
    /// could be found.
    /// </summary>
    public IReadOnlyList<X509Certificate2> Chain { get; }

    /// <inheritdoc/>
    public override string ToString() => IsValid
        ? $"Valid signature by {SignerSubject} (SHA-256 {SignerThumbprint})"
        : $"{Reason}: {Message}";
}
