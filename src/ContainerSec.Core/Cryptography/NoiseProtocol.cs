using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace ContainerSec.Cryptography;

/// <summary>
/// A complete Noise protocol: a <see cref="NoisePattern"/> and a <see cref="NoiseDhFunction"/>,
/// always with the cipher <c>AESGCM</c> (AES-256-GCM) and the hash <c>SHA256</c>, as in
/// <c>Noise_XX_25519_AESGCM_SHA256</c>. Other ciphers and hashes are not offered.
/// </summary>
public sealed class NoiseProtocol
{
    private NoiseProtocol(NoisePattern pattern, NoiseDhFunction dh)
    {
        Pattern = pattern;
        DhFunction = dh;
        Name = $"Noise_{pattern.Name}_{dh.Name}_AESGCM_SHA256";
        NameBytes = Encoding.ASCII.GetBytes(Name);
    }

    /// <summary>The handshake pattern.</summary>
    public NoisePattern Pattern { get; }

    /// <summary>The DH function.</summary>
    public NoiseDhFunction DhFunction { get; }

    /// <summary>The full protocol name, such as <c>Noise_XX_25519_AESGCM_SHA256</c>; it is hashed into the transcript.</summary>
    public string Name { get; }

    internal byte[] NameBytes { get; }

    /// <summary>The protocol for <paramref name="pattern"/> over <paramref name="dhFunction"/> with AESGCM and SHA256.</summary>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static NoiseProtocol Create(NoisePattern pattern, NoiseDhFunction dhFunction)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(dhFunction);
        return new NoiseProtocol(pattern, dhFunction);
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

        NoiseDhFunction? dh = parts[2] switch
        {
            "25519" => NoiseDhFunction.X25519,
            "P256" => NoiseDhFunction.P256,
            _ => null,
        };
        NoisePattern? pattern = Array.Find(NoisePattern.All, p => p.Name == parts[1]);
        if (dh is null || pattern is null)
        {
            return false;
        }

        protocol = new NoiseProtocol(pattern, dh);
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
