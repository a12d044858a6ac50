using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace ContainerSec.Cryptography;

/// <summary>
/// A complete Noise protocol: a <see cref="NoisePattern"/> and a DH function, always with the
/// cipher <c>AESGCM</c> (AES-256-GCM) and the hash <c>SHA256</c>, as in
/// <c>Noise_XX_25519_AESGCM_SHA256</c>. Other ciphers and hashes are not offered.
/// </summary>
/// <remarks>
/// <para>The DH function is a <see cref="KeyAgreementAlgorithm"/>: <see cref="KeyAgreementAlgorithm.X25519"/>
/// (Noise name <c>25519</c>, as specified) or <see cref="KeyAgreementAlgorithm.EcdhP256"/> (Noise name
/// <c>P256</c>, this library's documented extension: public keys are the 65-byte uncompressed point
/// <c>04 ‖ X ‖ Y</c>, DH outputs the 32-byte x-coordinate; not interoperable with other Noise
/// libraries). See <c>docs/handshake.md</c>.</para>
/// </remarks>
public sealed class NoiseProtocol
{
    private NoiseProtocol(NoisePattern pattern, KeyAgreementAlgorithm keyAgreement, string dhName)
    {
        Pattern = pattern;
        KeyAgreement = keyAgreement;
        Name = $"Noise_{pattern.Name}_{dhName}_AESGCM_SHA256";
        NameBytes = Encoding.ASCII.GetBytes(Name);
    }

    /// <summary>The handshake pattern.</summary>
    public NoisePattern Pattern { get; }

    /// <summary>The DH function: <see cref="KeyAgreementAlgorithm.X25519"/> or <see cref="KeyAgreementAlgorithm.EcdhP256"/>.</summary>
    public KeyAgreementAlgorithm KeyAgreement { get; }

    /// <summary>The full protocol name, such as <c>Noise_XX_25519_AESGCM_SHA256</c>; it is hashed into the transcript.</summary>
    public string Name { get; }

    internal byte[] NameBytes { get; }

    /// <summary>The protocol for <paramref name="pattern"/> over <paramref name="keyAgreement"/> with AESGCM and SHA256.</summary>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="keyAgreement"/> is neither X25519 nor ECDH P-256 (P-384 and P-521 are not offered for Noise).</exception>
    public static NoiseProtocol Create(NoisePattern pattern, KeyAgreementAlgorithm keyAgreement)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(keyAgreement);
        string dhName = DhName(keyAgreement)
            ?? throw new ArgumentException($"{keyAgreement.Name} is not offered for Noise: use X25519 or ECDH P-256.", nameof(keyAgreement));
        return new NoiseProtocol(pattern, keyAgreement, dhName);
    }

    /// <summary>Parses a protocol name such as <c>Noise_IK_25519_AESGCM_SHA256</c> or <c>Noise_XX_P256_AESGCM_SHA256</c>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The name is malformed or names a pattern, DH, cipher or hash that is not offered
    /// (for example <c>ChaChaPoly</c>, <c>BLAKE2s</c>, <c>448</c> or a pattern other than N, NN, NK, XX, IK, XXpsk3).</exception>
    public static NoiseProtocol Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return TryParse(name, out NoiseProtocol? protocol)
            ? protocol
            : throw new ArgumentException(
                "Not a supported Noise protocol name. Supported: Noise_<N|NN|NK|XX|IK|XXpsk3>_<25519|P256>_AESGCM_SHA256.", nameof(name));
    }

    /// <summary>Parses a protocol name; returns <see langword="false"/> if it is malformed or not offered.</summary>
    public static bool TryParse([NotNullWhen(true)] string? name, [NotNullWhen(true)] out NoiseProtocol? protocol)
    {
        protocol = null;
        string[]? parts = name?.Split('_');
        if (parts is not { Length: 5 } || parts[0] != "Noise" || parts[3] != "AESGCM" || parts[4] != "SHA256")
        {
            return false;
        }

        KeyAgreementAlgorithm? keyAgreement = parts[2] switch
        {
            "25519" => KeyAgreementAlgorithm.X25519,
            "P256" => KeyAgreementAlgorithm.EcdhP256,
            _ => null,
        };
        NoisePattern? pattern = Array.Find(NoisePattern.All, p => p.Name == parts[1]);
        if (keyAgreement is null || pattern is null)
        {
            return false;
        }

        protocol = new NoiseProtocol(pattern, keyAgreement, parts[2]);
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => Name;

    private static string? DhName(KeyAgreementAlgorithm keyAgreement) =>
        ReferenceEquals(keyAgreement, KeyAgreementAlgorithm.X25519) ? "25519"
        : ReferenceEquals(keyAgreement, KeyAgreementAlgorithm.EcdhP256) ? "P256"
        : null;
}
