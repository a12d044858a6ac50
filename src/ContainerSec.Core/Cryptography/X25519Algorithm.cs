using System.Security.Cryptography;
using ContainerSec.Internal;
using Rfc7748 = Org.BouncyCastle.Math.EC.Rfc7748;

namespace ContainerSec.Cryptography;

/// <summary>
/// X25519 (RFC 7748) through BouncyCastle's constant-time field arithmetic, with the private key in
/// <see cref="SecretBytes"/>. Every 32-byte public key is accepted (non-canonical u ≥ p and twist
/// points included, as RFC 7748 §5 requires; the top bit is ignored); an all-zero output, which any
/// small-order public key produces, is refused in <see cref="KeyAgreementPrivateKey.Agree"/>.
/// </summary>
internal sealed class X25519Algorithm : KeyAgreementAlgorithm
{
    private const int Size = 32;

    internal X25519Algorithm()
        : base("X25519", Size, Size, Size)
    {
    }

    internal override KeyAgreementPrivateKey.Core Generate()
    {
        SecretBytes key = SecretBytes.Random(Size);
        Rfc7748.X25519.ClampPrivateKey(key.Array.AsSpan());
        return new X25519Core(key);
    }

    internal override KeyAgreementPrivateKey.Core ImportPrivateKey(ReadOnlySpan<byte> source)
    {
        if (source.Length != Size)
        {
            throw Error.InvalidKey(Name, "private key", $"it must be {Size} bytes; {source.Length} bytes were given");
        }

        return new X25519Core(SecretBytes.Copy(source));
    }

    internal override KeyAgreementPrivateKey.Core ImportPkcs8PrivateKey(ReadOnlySpan<byte> source)
    {
        (SecretBytes key, byte[]? publicKey) = KeyDer.ReadCurvePkcs8(source, KeyDer.X25519Oid, Name);
        if (key.Length != Size)
        {
            int length = key.Length;
            key.Dispose();
            throw Error.InvalidKey(Name, "PKCS#8 private key", $"the key must be {Size} bytes; it is {length}");
        }

        var core = new X25519Core(key);
        if (publicKey is not null && !publicKey.AsSpan().SequenceEqual(core.PublicKey))
        {
            core.Dispose();
            throw Error.InvalidKey(Name, "PKCS#8 private key", "the public key it carries does not match the private key");
        }

        return core;
    }

    internal override object? ValidatePublicKey(ReadOnlySpan<byte> source)
    {
        if (source.Length != Size)
        {
            throw Error.InvalidKey(Name, "public key", $"it must be {Size} bytes; {source.Length} bytes were given");
        }

        return null;
    }

    internal override byte[] ReadSubjectPublicKeyInfo(ReadOnlySpan<byte> source)
    {
        (string oid, byte[] parameters, byte[] key) = KeyDer.ReadSubjectPublicKeyInfo(source, Name);
        if (oid != KeyDer.X25519Oid || parameters.Length != 0)
        {
            throw Error.InvalidKey(Name, "SubjectPublicKeyInfo", $"the algorithm is {oid}, not id-X25519 without parameters");
        }

        return key;
    }

    internal override byte[] WriteSubjectPublicKeyInfo(ReadOnlySpan<byte> publicKey) =>
        KeyDer.WriteSubjectPublicKeyInfo(KeyDer.X25519Oid, parameterOid: null, publicKey);

    private sealed class X25519Core : KeyAgreementPrivateKey.Core
    {
        private readonly SecretBytes _key;

        public X25519Core(SecretBytes key)
        {
            _key = key;
            byte[] publicKey = new byte[Size];
            Rfc7748.X25519.ScalarMultBase(key.Span, publicKey);
            PublicKey = publicKey;
        }

        public override byte[] PublicKey { get; }

        public override bool IsDisposed => _key.IsDisposed;

        public override void ExportPrivateKey(Span<byte> destination) => _key.Span.CopyTo(destination);

        public override byte[] ExportPkcs8PrivateKey() => KeyDer.WriteCurvePkcs8(KeyDer.X25519Oid, _key.Span);

        public override SecretBytes Agree(KeyAgreementPublicKey peerPublicKey, object owner)
        {
            SecretBytes secret = SecretBytes.Zeroed(Size);
            bool nonZero = Rfc7748.X25519.CalculateAgreement(_key.Span, peerPublicKey.RawBytes, secret.Array);

            // Dispose may have zeroed the key while it was in use: the result would be under a known key.
            if (_key.IsDisposed)
            {
                secret.Dispose();
                throw new ObjectDisposedException(owner.GetType().FullName);
            }

            if (!nonZero)
            {
                secret.Dispose();
                throw new CryptographicException(
                    "The X25519 result is all zeros: the peer's public key has small order (RFC 7748 §6.1). The peer's key is refused.");
            }

            return secret;
        }

        public override void Dispose() => _key.Dispose();
    }
}
