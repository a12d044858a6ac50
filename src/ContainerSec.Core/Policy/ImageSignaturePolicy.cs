using ContainerSec.Cryptography;

namespace ContainerSec.Policy;

/// <summary>
/// Who may sign the images of the repositories that match <see cref="RepositoryPattern"/>:
/// public keys (<see cref="ImageSignatureKind.Key"/> signatures) or a CMS verifier with its trust
/// anchors (<see cref="ImageSignatureKind.Cms"/> signatures).
/// </summary>
/// <remarks>
/// Patterns are those of <see cref="ImagePolicy"/>: matched against <c>registry/repository</c>,
/// <c>*</c> within one segment, a trailing <c>/**</c> any depth below, lower case. The keys and the
/// verifier are used, not owned: keep them undisposed while the rule is in use, and dispose them yourself.
/// </remarks>
public sealed class ImageSignatureRule
{
    private readonly VerificationKey[] _keys;
    private readonly string[] _keyIds;

    /// <summary>Trusts <paramref name="keys"/> for the repositories matching <paramref name="repositoryPattern"/>.</summary>
    /// <param name="repositoryPattern">A pattern such as <c>ghcr.io/org/**</c>.</param>
    /// <param name="keys">The public keys whose signatures are accepted (any <see cref="SignatureAlgorithm"/>; for ECDSA the
    /// algorithm the key was imported under fixes the signature encoding, P1363 or DER).</param>
    /// <exception cref="ArgumentNullException">An argument or a key is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The pattern is empty or not lower case, or <paramref name="keys"/> is empty.</exception>
    /// <exception cref="ObjectDisposedException">A key was disposed.</exception>
    public ImageSignatureRule(string repositoryPattern, IEnumerable<VerificationKey> keys)
    {
        ImageRepositoryPattern.Validate(repositoryPattern, nameof(repositoryPattern));
        ArgumentNullException.ThrowIfNull(keys);
        _keys = [.. keys];
        if (_keys.Length == 0)
        {
            throw new ArgumentException("At least one key is needed.", nameof(keys));
        }

        _keyIds = new string[_keys.Length];
        for (int i = 0; i < _keys.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(_keys[i], nameof(keys));
            _keyIds[i] = ImageSignature.GetKeyId(_keys[i]);
        }

        RepositoryPattern = repositoryPattern;
    }

    /// <summary>Trusts CMS signatures that <paramref name="cmsVerifier"/> accepts (its trust anchors, clock, usage and
    /// revocation settings) for the repositories matching <paramref name="repositoryPattern"/>.</summary>
    /// <param name="repositoryPattern">A pattern such as <c>registry.example.com/team/*</c>.</param>
    /// <param name="cmsVerifier">The CMS verifier.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The pattern is empty or not lower case.</exception>
    public ImageSignatureRule(string repositoryPattern, ArtifactSignatureVerifier cmsVerifier)
    {
        ImageRepositoryPattern.Validate(repositoryPattern, nameof(repositoryPattern));
        ArgumentNullException.ThrowIfNull(cmsVerifier);
        _keys = [];
        _keyIds = [];
        CmsVerifier = cmsVerifier;
        RepositoryPattern = repositoryPattern;
    }

    /// <summary>The repository pattern.</summary>
    public string RepositoryPattern { get; }

    /// <summary>The trusted public keys (empty for a CMS rule).</summary>
    public IReadOnlyList<VerificationKey> Keys => _keys;

    /// <summary>The key ids of <see cref="Keys"/>, in the same order.</summary>
    public IReadOnlyList<string> KeyIds => _keyIds;

    /// <summary>The CMS verifier, or <see langword="null"/> for a key rule.</summary>
    public ArtifactSignatureVerifier? CmsVerifier { get; }

    /// <inheritdoc/>
    public override string ToString() => CmsVerifier is null
        ? $"{RepositoryPattern}: {_keys.Length} key(s)"
        : $"{RepositoryPattern}: CMS, {CmsVerifier.TrustAnchors.Count} trust anchor(s)";
}

/// <summary>
/// Requires a valid signature over an image's manifest digest: the image must be pinned by a
/// SHA-256 digest, and at least one offered <see cref="ImageSignature"/> must be over the payload of
/// exactly that repository and digest (<see cref="ImageSignaturePayload"/>) and verify under a key or
/// CMS verifier of a rule whose pattern matches the repository. Every matching rule contributes
/// (union); a repository that no rule matches is refused.
/// </summary>
/// <remarks>
/// <para>Each signature is checked in this order, the first failure reported
/// (<see cref="ImageSignatureStatus"/>): the payload must equal the image's payload byte for byte
/// (otherwise it is read to say why: <see cref="ImageSignatureStatus.Malformed"/>,
/// <see cref="ImageSignatureStatus.WrongRepository"/>, <see cref="ImageSignatureStatus.WrongDigest"/>);
/// a key signature's key id must be a trusted key of a matching rule
/// (<see cref="ImageSignatureStatus.UnknownKey"/>) and verify under it
/// (<see cref="ImageSignatureStatus.BadSignature"/>); a CMS signature needs a matching CMS rule
/// (<see cref="ImageSignatureStatus.UnknownKey"/>) whose verifier accepts it
/// (<see cref="ImageSignatureStatus.CmsRefused"/>, with the verifier's result). Signatures are always
/// verified over the payload rebuilt from the image, never over bytes from outside.</para>
/// <para>Bad signatures are outcomes, never exceptions. Instances are immutable and thread-safe as long
/// as the rules' keys are not disposed.</para>
/// </remarks>
public sealed class ImageSignaturePolicy
{
    /// <summary>The most signatures evaluated for one image: 16. More are refused before any is verified.</summary>
    public const int MaxSignatures = 16;

    private readonly ImageSignatureRule[] _rules;

    /// <summary>Creates the policy.</summary>
    /// <param name="rules">The rules; an empty set refuses every image.</param>
    /// <exception cref="ArgumentNullException"><paramref name="rules"/> or a rule is <see langword="null"/>.</exception>
    public ImageSignaturePolicy(IEnumerable<ImageSignatureRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        _rules = [.. rules];
        foreach (ImageSignatureRule rule in _rules)
        {
            ArgumentNullException.ThrowIfNull(rule, nameof(rules));
        }
    }

    /// <summary>The rules.</summary>
    public IReadOnlyList<ImageSignatureRule> Rules => _rules;

    /// <summary>Decides whether <paramref name="image"/> carries a trusted signature among <paramref name="signatures"/>.</summary>
    /// <param name="image">The image reference as written in the pod spec.</param>
    /// <param name="signatures">The signatures found for the image (for example in the registry); at most <see cref="MaxSignatures"/>.</param>
    /// <returns>Allowed with the signature that verified, or refused with the reasons: a malformed or tag-only reference, a
    /// digest other than SHA-256, no rule for the repository, no or too many signatures, and why each signature failed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="image"/>, <paramref name="signatures"/> or a signature is <see langword="null"/>.</exception>
    /// <exception cref="ObjectDisposedException">A key of a rule was disposed.</exception>
    public ImageSignatureDecision Evaluate(string image, IEnumerable<ImageSignature> signatures)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(signatures);
        var offered = new List<ImageSignature>();
        foreach (ImageSignature signature in signatures)
        {
            ArgumentNullException.ThrowIfNull(signature, nameof(signatures));
            if (offered.Count == MaxSignatures)
            {
                return Refused(image, $"more than {MaxSignatures} signatures were offered; none was verified");
            }

            offered.Add(signature);
        }

        if (ImageReference.TryParse(image, out string? error) is not { } reference)
        {
            return Refused(image, error!);
        }

        if (ImageSignaturePayload.CheckSignable(reference) is string unsignable)
        {
            return Refused(image, unsignable);
        }

        var matching = new List<ImageSignatureRule>();
        foreach (ImageSignatureRule rule in _rules)
        {
            if (ImageRepositoryPattern.Matches(rule.RepositoryPattern, reference.Name))
            {
                matching.Add(rule);
            }
        }

        if (matching.Count == 0)
        {
            return Refused(image, $"no signature rule covers repository '{reference.Name}'");
        }

        if (offered.Count == 0)
        {
            return Refused(image, $"image '{image}' has no signature");
        }

        byte[] payload = ImageSignaturePayload.Build(reference);
        var checks = new ImageSignatureCheck[offered.Count];
        ImageSignatureCheck? verified = null;
        for (int i = 0; i < offered.Count; i++)
        {
            checks[i] = Check(i, offered[i], reference, payload, matching);
            verified ??= checks[i].Status == ImageSignatureStatus.Verified ? checks[i] : null;
        }

        return new ImageSignatureDecision(image, verified, checks, verified is null ? [.. checks.Select(c => c.ToString())] : []);
    }

    private static ImageSignatureDecision Refused(string image, string reason) => new(image, null, [], [reason]);

    private static ImageSignatureCheck Check(int index, ImageSignature signature, ImageReference reference, byte[] payload, List<ImageSignatureRule> rules)
    {
        ReadOnlySpan<byte> offered = signature.Payload.Span;
        if (!offered.SequenceEqual(payload))
        {
            (ImageSignatureStatus status, string message) = !ImageSignaturePayload.TryParse(offered, out string repository, out string digest)
                ? (ImageSignatureStatus.Malformed, "the signed payload is not a version 1 image signature payload")
                : repository != reference.Name
                    ? (ImageSignatureStatus.WrongRepository, $"the signature is for repository '{repository}', not '{reference.Name}'")
                    : (ImageSignatureStatus.WrongDigest, $"the signature is for digest {digest}, not {reference.Digest}");
            return new(index, status, signature.KeyId, null, null, message);
        }

        return signature.Kind == ImageSignatureKind.Key
            ? CheckKey(index, signature, payload, rules)
            : CheckCms(index, signature, payload, rules, reference);
    }

    private static ImageSignatureCheck CheckKey(int index, ImageSignature signature, byte[] payload, List<ImageSignatureRule> rules)
    {
        string keyId = signature.KeyId!;
        VerificationKey? known = null;
        foreach (ImageSignatureRule rule in rules)
        {
            for (int k = 0; k < rule.KeyIds.Count; k++)
            {
                if (rule.KeyIds[k] != keyId)
                {
                    continue;
                }

                known = rule.Keys[k];
                if (known.Verify(payload, signature.Signature.Span))
                {
                    return new(index, ImageSignatureStatus.Verified, keyId, known.Algorithm, null,
                        $"verified by key {keyId} ({known.Algorithm.Name}) of rule '{rule.RepositoryPattern}'");
                }
            }
        }

        return known is null
            ? new(index, ImageSignatureStatus.UnknownKey, keyId, null, null, $"key {keyId} is not trusted for this repository")
            : new(index, ImageSignatureStatus.BadSignature, keyId, known.Algorithm, null,
                $"the signature does not verify under key {keyId} ({known.Algorithm.Name})");
    }

    private static ImageSignatureCheck CheckCms(int index, ImageSignature signature, byte[] payload, List<ImageSignatureRule> rules, ImageReference reference)
    {
        SignatureVerificationResult? last = null;
        foreach (ImageSignatureRule rule in rules)
        {
            if (rule.CmsVerifier is not { } verifier)
            {
                continue;
            }

            last = verifier.Verify(payload, signature.Signature.Span);
            if (last.IsValid)
            {
                return new(index, ImageSignatureStatus.Verified, null, null, last,
                    $"verified CMS signature by {last.SignerSubject} of rule '{rule.RepositoryPattern}'");
            }
        }

        return last is null
            ? new(index, ImageSignatureStatus.UnknownKey, null, null, null, $"no CMS trust anchors are configured for repository '{reference.Name}'")
            : new(index, ImageSignatureStatus.CmsRefused, null, null, last, $"the CMS signature is refused: {last.Reason}: {last.Message}");
    }
}

/// <summary>What happened to one offered signature. The first failing check is reported.</summary>
public enum ImageSignatureStatus
{
    /// <summary>The signature is over this image's payload and verifies under a trusted key or CMS verifier.</summary>
    Verified = 1, // 0 is no status: a default(ImageSignatureStatus) must never read as verified.

    /// <summary>The signed payload is not a canonical version 1 payload.</summary>
    Malformed,

    /// <summary>The payload names another repository: a signature of another image, replayed.</summary>
    WrongRepository,

    /// <summary>The payload names this repository but another manifest digest.</summary>
    WrongDigest,

    /// <summary>The key id is not a trusted key of a rule matching the repository, or (CMS) no matching rule has a CMS verifier.</summary>
    UnknownKey,

    /// <summary>The key is trusted but the signature does not verify (tampered, wrong encoding, wrong length).</summary>
    BadSignature,

    /// <summary>The CMS verifier refused the signature (bad signature, untrusted or expired chain, …); see <see cref="ImageSignatureCheck.CmsResult"/>.</summary>
    CmsRefused,
}

/// <summary>The outcome for one offered signature.</summary>
public sealed class ImageSignatureCheck
{
    internal ImageSignatureCheck(int index, ImageSignatureStatus status, string? keyId, SignatureAlgorithm? algorithm, SignatureVerificationResult? cmsResult, string message)
    {
        Index = index;
        Status = status;
        KeyId = keyId;
        Algorithm = algorithm;
        CmsResult = cmsResult;
        Message = message;
    }

    /// <summary>The position of the signature in the offered sequence.</summary>
    public int Index { get; }

    /// <summary>Verified, or why not.</summary>
    public ImageSignatureStatus Status { get; }

    /// <summary>The key id of a key signature; <see langword="null"/> for CMS.</summary>
    public string? KeyId { get; }

    /// <summary>The algorithm of the trusted key that was tried, when one was.</summary>
    public SignatureAlgorithm? Algorithm { get; }

    /// <summary>The CMS verifier's result (signer, chain, reason), for a CMS signature that reached a verifier.</summary>
    public SignatureVerificationResult? CmsResult { get; }

    /// <summary>A sentence for logs: which key verified, or why the signature failed.</summary>
    public string Message { get; }

    /// <inheritdoc/>
    public override string ToString() => $"signature {Index}: {Status}: {Message}";
}

/// <summary>The decision of <see cref="ImageSignaturePolicy.Evaluate"/>.</summary>
public sealed class ImageSignatureDecision
{
    internal ImageSignatureDecision(string image, ImageSignatureCheck? verifiedBy, IReadOnlyList<ImageSignatureCheck> checks, IReadOnlyList<string> reasons)
    {
        Image = image;
        VerifiedBy = verifiedBy;
        Checks = checks;
        Reasons = reasons;
    }

    /// <summary>The image as given.</summary>
    public string Image { get; }

    /// <summary>True when a signature verified.</summary>
    public bool Allowed => VerifiedBy is not null;

    /// <summary>The first signature that verified, or <see langword="null"/>.</summary>
    public ImageSignatureCheck? VerifiedBy { get; }

    /// <summary>One entry per offered signature, in order; empty when the image was refused before any signature was checked.</summary>
    public IReadOnlyList<ImageSignatureCheck> Checks { get; }

    /// <summary>Why the image is refused (empty when allowed): the image-level reason, or one line per failed signature.</summary>
    public IReadOnlyList<string> Reasons { get; }

    /// <inheritdoc/>
    public override string ToString() => Allowed
        ? $"{Image}: allowed ({VerifiedBy!.Message})"
        : $"{Image}: refused: {string.Join("; ", Reasons)}";
}
