using System.Security.Cryptography;
using ContainerSec.Cryptography;
using Org.BouncyCastle.Math.EC.Rfc7748;

namespace ContainerSec.Internal.Noise;

/// <summary>
/// The small DH abstraction the Noise handshake runs on (Noise §4.1: GENERATE_KEYPAIR, DH,
/// DHLEN): a private key that knows its public key and can agree with a peer's public key.
/// One subclass per <see cref="NoiseDhFunction"/>.
/// </summary>
internal abstract class NoiseDhKey : IDisposable
{
    /// <summary>The encoded public key, <see cref="NoiseDhFunction.PublicKeySizeInBytes"/> long.</summary>
    public abstract ReadOnlySpan<byte> PublicKey { get; }

    /// <summary>
    /// DH(private, peer): writes the shared secret into <paramref name="destination"/>
    /// (<see cref="NoiseDhFunction.SharedSecretSizeInBytes"/> bytes).
    /// </summary>
    /// <exception cref="CryptographicException">The peer key is malformed, off the curve, or of low order (all-zero X25519 output).</exception>
    public abstract void Agree(ReadOnlySpan<byte> peerPublicKey, Span<byte> destination);

    /// <summary>Writes the private key bytes (the caller has already checked the export policy).</summary>
    public abstract int ExportPrivateKey(Span<byte> destination);

    public abstract void Dispose();
}

/// <summary>X25519 (RFC 7748) over BouncyCastle's constant-time field arithmetic; the scalar lives in pinned, zeroed memory.</summary>
internal sealed class X25519DhKey : NoiseDhKey
{
    private const int Size = 32;
    private readonly SecretBytes _scalar;
    private readonly byte[] _publicKey = new byte[Size];

    private X25519DhKey(SecretBytes scalar)
    {
        _scalar = scalar;
        X25519.GeneratePublicKey(scalar.Span, _publicKey);
    }

    public static X25519DhKey Generate() => new(SecretBytes.Random(Size));

    public static X25519DhKey Import(ReadOnlySpan<byte> privateKey) => new(SecretBytes.Copy(privateKey));

    public override ReadOnlySpan<byte> PublicKey => _publicKey;

    public override void Agree(ReadOnlySpan<byte> peerPublicKey, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_scalar.IsDisposed, this);
        if (peerPublicKey.Length != Size)
        {
            throw new CryptographicException($"An X25519 public key must be exactly {Size} bytes; {peerPublicKey.Length} bytes were given.");
        }

        // BouncyCastle returns false when the result is all zero: the peer sent a low-order point,
        // which would make the "shared" secret known to everyone (RFC 7748 §6.1).
        if (!X25519.CalculateAgreement(_scalar.Span, peerPublicKey, destination[..Size]))
        {
            CryptographicOperations.ZeroMemory(destination[..Size]);
            throw new CryptographicException("The peer's X25519 public key is of low order: the shared secret would be all zero.");
        }
    }

    public override int ExportPrivateKey(Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_scalar.IsDisposed, this);
        _scalar.Span.CopyTo(destination);
        return Size;
    }

    public override void Dispose() => _scalar.Dispose();
}

/// <summary>
/// ECDH over NIST P-256 with the BCL (OpenSSL on Linux). Public keys are 65-byte uncompressed SEC1
/// points (0x04 ‖ X ‖ Y); the shared secret is the 32-byte x-coordinate of the product.
/// </summary>
internal sealed class P256DhKey : NoiseDhKey
{
    private const int CoordinateSize = 32;
    private const int PublicSize = 1 + (2 * CoordinateSize);
    private readonly ECDiffieHellman _key;
    private readonly byte[] _publicKey;
    private bool _disposed;

    private P256DhKey(ECDiffieHellman key)
    {
        _key = key;
        ECParameters parameters = key.ExportParameters(includePrivateParameters: false);
        _publicKey = new byte[PublicSize];
        _publicKey[0] = 0x04;
        parameters.Q.X.AsSpan().CopyTo(_publicKey.AsSpan(1, CoordinateSize));
        parameters.Q.Y.AsSpan().CopyTo(_publicKey.AsSpan(1 + CoordinateSize, CoordinateSize));
    }

    public static P256DhKey Generate() => new(ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256));

    public static P256DhKey Import(ReadOnlySpan<byte> privateKey)
    {
        byte[] d = privateKey.ToArray();
        try
        {
            var parameters = new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = d };
            var key = ECDiffieHellman.Create();
            try
            {
                // The BCL computes Q from D and refuses D = 0 or D ≥ n.
                key.ImportParameters(parameters);
                return new P256DhKey(key);
            }
            catch
            {
                key.Dispose();
                throw;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(d);
        }
    }

    public override ReadOnlySpan<byte> PublicKey => _publicKey;

    public override void Agree(ReadOnlySpan<byte> peerPublicKey, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using ECDiffieHellman peer = ImportPublicKey(peerPublicKey);
        using ECDiffieHellmanPublicKey peerPublic = peer.PublicKey;
        byte[] secret = _key.DeriveRawSecretAgreement(peerPublic);
        try
        {
            secret.AsSpan().CopyTo(destination[..CoordinateSize]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    public override int ExportPrivateKey(Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ECParameters parameters = _key.ExportParameters(includePrivateParameters: true);
        try
        {
            parameters.D.AsSpan().CopyTo(destination);
            return parameters.D!.Length;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(parameters.D);
        }
    }

    public override void Dispose()
    {
        _disposed = true;
        _key.Dispose();
    }

    /// <summary>Imports a peer's uncompressed point; the BCL refuses points that are not on P-256.</summary>
    /// <exception cref="CryptographicException">Not 65 bytes, not uncompressed (0x04), or not on the curve.</exception>
    private static ECDiffieHellman ImportPublicKey(ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length != PublicSize || publicKey[0] != 0x04)
        {
            throw new CryptographicException($"A P-256 public key must be a {PublicSize}-byte uncompressed point (0x04 ‖ X ‖ Y).");
        }

        var parameters = new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint
            {
                X = publicKey.Slice(1, CoordinateSize).ToArray(),
                Y = publicKey.Slice(1 + CoordinateSize, CoordinateSize).ToArray(),
            },
        };
        var peer = ECDiffieHellman.Create();
        try
        {
            peer.ImportParameters(parameters);
            return peer;
        }
        catch (CryptographicException)
        {
            peer.Dispose();
            throw new CryptographicException("The peer's P-256 public key is not a point on the curve.");
        }
    }
}
