using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using ContainerSec.Cryptography;

namespace ContainerSec.Policy;

/// <summary>How an <see cref="ImageSignature"/> is made.</summary>
public enum ImageSignatureKind
{
    /// <summary>A raw signature by a <see cref="SigningKey"/>, verified with a configured <see cref="VerificationKey"/> named by its key id.</summary>
    Key,

    /// <summary>A detached CMS <c>SignedData</c> (<see cref="ArtifactSigner"/>), verified by an <see cref="ArtifactSignatureVerifier"/> against its trust anchors.</summary>
    Cms,
}

/// <summary>
/// The signed payload of an image signature: a fixed, versioned byte string that binds the
/// repository (<c>registry/repository</c>, normalised) and the manifest digest, so that a
/// signature for one image cannot be replayed on another. <c>docs/admission.md</c>, section
/// "Image signatures", gives it byte by byte.
/// </summary>
/// <remarks>
/// The payload is the ASCII text (each line ends with one <c>\n</c>, nothing follows):
/// <code>
/// ContainerSec image signature v1
/// repository &lt;registry/repository&gt;
/// digest sha256:&lt;64 lower-case hex&gt;
/// </code>
/// The repository is <see cref="ImageReference.Name"/>, which cannot hold a space or a line
/// break, so every (repository, digest) pair has exactly one payload and no payload has two
/// readings. Only SHA-256 manifest digests are signed in version 1; the tag is not signed (a tag
/// moves, a digest does not).
/// </remarks>
public static partial class ImageSignaturePayload
{
    /// <summary>The largest payload accepted: 8 KiB (a repository is at most 4096 characters).</summary>
    public const int MaxSizeInBytes = 8192;

    private const string Header = "ContainerSec image signature v1\n";
    private const string RepositoryLabel = "repository ";
    private const string DigestLabel = "digest ";

    /// <summary>Builds the payload to sign for <paramref name="image"/>.</summary>
    /// <param name="image">An image reference pinned by a SHA-256 digest, for example <c>ghcr.io/org/app@sha256:…</c> (a tag may be present; it is not signed).</param>
    /// <returns>The payload bytes (UTF-8, which is ASCII here).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">Not a valid reference, no digest (tag only), or a digest other than SHA-256.</exception>
    public static byte[] Create(string image)
    {
        ArgumentNullException.ThrowIfNull(image);
        ImageReference reference = ImageReference.TryParse(image, out string? error) ?? throw new ArgumentException(error, nameof(image));
        return CheckSignable(reference) is string refused ? throw new ArgumentException(refused, nameof(image)) : Build(reference);
    }

    /// <summary>Why <paramref name="reference"/> cannot carry a version 1 signature, or null when it can.</summary>
    internal static string? CheckSignable(ImageReference reference) => reference.Digest switch
    {
        null => $"image '{reference}' is referenced by tag only; a signature covers a manifest digest, so a digest (@sha256:…) is required",
        string digest when !Sha256Digest().IsMatch(digest) => $"image '{reference}' has the digest '{digest}'; signatures cover sha256:<64 hex> digests only",
        _ => null,
    };

    internal static byte[] Build(ImageReference reference) =>
        Encoding.UTF8.GetBytes($"{Header}{RepositoryLabel}{reference.Name}\n{DigestLabel}{reference.Digest}\n");

    /// <summary>Reads a payload strictly (canonical form only); false for anything else.</summary>
    internal static bool TryParse(ReadOnlySpan<byte> payload, out string repository, out string digest)
    {
        repository = digest = "";
        if (payload.Length > MaxSizeInBytes || HasForbiddenByte(payload))
        {
            return false;
        }

        string text = Encoding.ASCII.GetString(payload);
        if (!text.StartsWith(Header, StringComparison.Ordinal))
        {
            return false;
        }

        string[] lines = text[Header.Length..].Split('\n');
        if (lines.Length != 3 || lines[2].Length != 0
            || !lines[0].StartsWith(RepositoryLabel, StringComparison.Ordinal)
            || !lines[1].StartsWith(DigestLabel, StringComparison.Ordinal))
        {
            return false;
        }

        string name = lines[0][RepositoryLabel.Length..];
        string hash = lines[1][DigestLabel.Length..];
        if (!Sha256Digest().IsMatch(hash) || ImageReference.TryParse($"{name}@{hash}", out _) is not { } parsed || parsed.Name != name)
        {
            return false;
        }

        repository = name;
        digest = hash;
        return true;
    }

    private static bool HasForbiddenByte(ReadOnlySpan<byte> payload)
    {
        foreach (byte b in payload)
        {
            if (b is not ((>= 0x20 and <= 0x7E) or (byte)'\n'))
            {
                return true;
            }
        }

        return false;
    }

    [GeneratedRegex(@"^sha256:[a-f0-9]{64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Sha256Digest();
}

/// <summary>
/// One signature offered for an image: the payload that was signed (<see cref="ImageSignaturePayload"/>),
/// the signature bytes and, for a key signature, the id of the key that made it.
/// </summary>
/// <remarks>
/// <para><b>Signature bytes.</b> <see cref="ImageSignatureKind.Key"/>: exactly what
/// <see cref="SigningKey.Sign(ReadOnlySpan{byte})"/> writes for the key's algorithm over the payload
/// bytes — Ed25519: 64 bytes (RFC 8032); ECDSA P-256: <c>r ‖ s</c> (64 bytes) for
/// <see cref="SignatureAlgorithm.EcdsaP256Sha256"/> or strict DER for
/// <see cref="SignatureAlgorithm.EcdsaP256Sha256Der"/> (what <c>openssl dgst -sha256 -sign</c>
/// writes); the verifier uses the algorithm its configured key was imported under and
/// never guesses. <see cref="ImageSignatureKind.Cms"/>: a detached CMS <c>SignedData</c> (DER) over
/// the payload bytes, as <see cref="ArtifactSigner"/> and <c>openssl cms -sign -binary</c> write.
/// Sign image payloads with dedicated keys: a key that also signs free-form bytes (signed notes,
/// artefacts) could be made to sign a payload.</para>
/// <para><b>Key id.</b> The lower-case hex SHA-256 of the key's SubjectPublicKeyInfo (DER),
/// 64 characters (<see cref="GetKeyId(VerificationKey)"/>): derived from the key, so it cannot name
/// a key other than the one it hashes.</para>
/// <para>Sizes are checked before anything is copied: a payload over
/// <see cref="ImageSignaturePayload.MaxSizeInBytes"/>, a key signature over
/// <see cref="MaxKeySignatureSizeInBytes"/> or a CMS signature over
/// <see cref="ArtifactSignatureVerifier.MaxSignatureSizeInBytes"/> throws. Malformed content
/// (a payload not in the canonical form, a signature of the wrong length or bad DER) is not an
/// exception: <see cref="ImageSignaturePolicy.Evaluate"/> refuses it with a reason.</para>
/// </remarks>
public sealed partial class ImageSignature
{
    /// <summary>The largest key signature accepted: 1024 bytes (an RSA-4096 signature is 512).</summary>
    public const int MaxKeySignatureSizeInBytes = 1024;

    private readonly byte[] _payload;
    private readonly byte[] _signature;

    private ImageSignature(ImageSignatureKind kind, string? keyId, byte[] payload, byte[] signature)
    {
        Kind = kind;
        KeyId = keyId;
        _payload = payload;
        _signature = signature;
    }

    /// <summary>Key or CMS.</summary>
    public ImageSignatureKind Kind { get; }

    /// <summary>The key id (64 lower-case hex) of a key signature; <see langword="null"/> for CMS.</summary>
    public string? KeyId { get; }

    /// <summary>The signed payload as received.</summary>
    public ReadOnlyMemory<byte> Payload => _payload;

    /// <summary>The signature bytes as received.</summary>
    public ReadOnlyMemory<byte> Signature => _signature;

    /// <summary>Wraps a key signature received from outside (a registry, a file).</summary>
    /// <param name="keyId">The id of the signing key: 64 lower-case hex characters.</param>
    /// <param name="payload">The payload that was signed.</param>
    /// <param name="signature">The signature bytes.</param>
    /// <returns>The signature, to pass to <see cref="ImageSignaturePolicy.Evaluate"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="keyId"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="keyId"/> is not 64 lower-case hex characters, <paramref name="payload"/>
    /// is larger than <see cref="ImageSignaturePayload.MaxSizeInBytes"/>, or <paramref name="signature"/> is empty or larger than
    /// <see cref="MaxKeySignatureSizeInBytes"/>.</exception>
    public static ImageSignature FromKey(string keyId, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        if (!KeyIdGrammar().IsMatch(keyId))
        {
            throw new ArgumentException("A key id is the lower-case hex SHA-256 of the key's SubjectPublicKeyInfo: 64 characters 0-9a-f.", nameof(keyId));
        }

        CheckSizes(payload, signature, MaxKeySignatureSizeInBytes);
        return new ImageSignature(ImageSignatureKind.Key, keyId, payload.ToArray(), signature.ToArray());
    }

    /// <summary>Wraps a detached CMS signature received from outside.</summary>
    /// <param name="payload">The payload that was signed.</param>
    /// <param name="signature">The detached CMS <c>SignedData</c>, DER.</param>
    /// <returns>The signature, to pass to <see cref="ImageSignaturePolicy.Evaluate"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="payload"/> is larger than <see cref="ImageSignaturePayload.MaxSizeInBytes"/>,
    /// or <paramref name="signature"/> is empty or larger than <see cref="ArtifactSignatureVerifier.MaxSignatureSizeInBytes"/>.</exception>
    public static ImageSignature FromCms(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> signature)
    {
        CheckSizes(payload, signature, ArtifactSignatureVerifier.MaxSignatureSizeInBytes);
        return new ImageSignature(ImageSignatureKind.Cms, null, payload.ToArray(), signature.ToArray());
    }

    /// <summary>Signs <paramref name="image"/>'s payload with <paramref name="key"/>.</summary>
    /// <param name="image">An image reference pinned by a SHA-256 digest.</param>
    /// <param name="key">The signing key (any algorithm of <see cref="SignatureAlgorithm"/>).</param>
    /// <returns>The key signature with the payload and the key id.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="image"/> is not signable (see <see cref="ImageSignaturePayload.Create"/>).</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="key"/> was disposed.</exception>
    public static ImageSignature Sign(string image, SigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        byte[] payload = ImageSignaturePayload.Create(image);
        return new ImageSignature(ImageSignatureKind.Key, KeyIdOf(key.ExportSubjectPublicKeyInfo()), payload, key.Sign(payload));
    }

    /// <summary>Signs <paramref name="image"/>'s payload as a detached CMS signature.</summary>
    /// <param name="image">An image reference pinned by a SHA-256 digest.</param>
    /// <param name="signer">The CMS signer (certificate with private key, intermediates to embed).</param>
    /// <returns>The CMS signature with the payload.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="image"/> is not signable (see <see cref="ImageSignaturePayload.Create"/>).</exception>
    /// <exception cref="InvalidOperationException">The signing certificate is not valid now (see <see cref="ArtifactSigner.Sign(ReadOnlySpan{byte})"/>).</exception>
    public static ImageSignature Sign(string image, ArtifactSigner signer)
    {
        ArgumentNullException.ThrowIfNull(signer);
        byte[] payload = ImageSignaturePayload.Create(image);
        return new ImageSignature(ImageSignatureKind.Cms, null, payload, signer.Sign(payload));
    }

    /// <summary>The key id of <paramref name="key"/>: lower-case hex SHA-256 of its SubjectPublicKeyInfo (DER).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="key"/> was disposed.</exception>
    public static string GetKeyId(VerificationKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return KeyIdOf(key.ExportSubjectPublicKeyInfo());
    }

    /// <summary>The key id of <paramref name="key"/>'s public half (the same as for its <see cref="VerificationKey"/>).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="key"/> was disposed.</exception>
    public static string GetKeyId(SigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return KeyIdOf(key.ExportSubjectPublicKeyInfo());
    }

    /// <inheritdoc/>
    public override string ToString() => Kind == ImageSignatureKind.Key
        ? $"ImageSignature(key {KeyId}, {_signature.Length} bytes)"
        : $"ImageSignature(CMS, {_signature.Length} bytes)";

    private static string KeyIdOf(byte[] subjectPublicKeyInfo) => Convert.ToHexStringLower(SHA256.HashData(subjectPublicKeyInfo));

    private static void CheckSizes(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> signature, int maxSignature)
    {
        if (payload.Length > ImageSignaturePayload.MaxSizeInBytes)
        {
            throw Internal.Error.TooLong(nameof(payload), "image signature payload", ImageSignaturePayload.MaxSizeInBytes, payload.Length);
        }

        if (signature.IsEmpty || signature.Length > maxSignature)
        {
            throw new ArgumentException($"The signature must be 1 to {maxSignature} bytes; {signature.Length} bytes were given.", nameof(signature));
        }
    }

    [GeneratedRegex(@"^[0-9a-f]{64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex KeyIdGrammar();
}
