using ContainerSec.Internal.Noise;

namespace ContainerSec.Cryptography;

/// <summary>
/// The Diffie-Hellman function of a Noise protocol: <see cref="X25519"/> (Noise name <c>25519</c>,
/// per the specification) or <see cref="P256"/> (Noise name <c>P256</c>, this library's documented
/// extension; see <c>docs/handshake.md</c>). The set is closed.
/// </summary>
public abstract class NoiseDhFunction
{
    private protected NoiseDhFunction(string name, int publicKeySizeInBytes, int privateKeySizeInBytes, int sharedSecretSizeInBytes)
    {
        Name = name;
        PublicKeySizeInBytes = publicKeySizeInBytes;
        PrivateKeySizeInBytes = privateKeySizeInBytes;
        SharedSecretSizeInBytes = sharedSecretSizeInBytes;
    }

    /// <summary>X25519 (RFC 7748), Noise's <c>25519</c>: 32-byte public keys and DH outputs. All-zero DH outputs (low-order peer keys) are refused.</summary>
    public static NoiseDhFunction X25519 { get; } = new X25519NoiseDhFunction();

    /// <summary>
    /// ECDH over NIST P-256, this library's extension <c>P256</c>: public keys are 65-byte
    /// uncompressed SEC1 points (<c>0x04 ‖ X ‖ Y</c>), DH outputs the 32-byte x-coordinate.
    /// Points not on the curve are refused. Not interoperable with other Noise libraries.
    /// </summary>
    public static NoiseDhFunction P256 { get; } = new P256NoiseDhFunction();

    /// <summary>The name in a Noise protocol name: <c>25519</c> or <c>P256</c>.</summary>
    public string Name { get; }

    /// <summary>The size of an encoded public key in bytes (Noise's DHLEN for 25519: 32; 65 for P-256).</summary>
    public int PublicKeySizeInBytes { get; }

    /// <summary>The size of a raw private key in bytes (32 for both).</summary>
    public int PrivateKeySizeInBytes { get; }

    /// <summary>The size of a DH output in bytes (32 for both).</summary>
    public int SharedSecretSizeInBytes { get; }

    /// <inheritdoc/>
    public override string ToString() => Name;

    internal abstract NoiseDhKey GenerateKey();

    internal abstract NoiseDhKey ImportKey(ReadOnlySpan<byte> privateKey);

    private sealed class X25519NoiseDhFunction : NoiseDhFunction
    {
        public X25519NoiseDhFunction()
            : base("25519", 32, 32, 32)
        {
        }

        internal override NoiseDhKey GenerateKey() => X25519DhKey.Generate();

        internal override NoiseDhKey ImportKey(ReadOnlySpan<byte> privateKey) => X25519DhKey.Import(privateKey);
    }

    private sealed class P256NoiseDhFunction : NoiseDhFunction
    {
        public P256NoiseDhFunction()
            : base("P256", 65, 32, 32)
        {
        }

        internal override NoiseDhKey GenerateKey() => P256DhKey.Generate();

        internal override NoiseDhKey ImportKey(ReadOnlySpan<byte> privateKey) => P256DhKey.Import(privateKey);
    }
}
