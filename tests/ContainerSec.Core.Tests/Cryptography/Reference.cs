using ContainerSec.Cryptography;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Agreement;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Utilities;

namespace ContainerSec.Tests.Cryptography;

/// <summary>
/// The independent implementation (BouncyCastle) every cross-check compares against. An algorithm
/// this class does not know makes the cross-checks throw, so a new algorithm cannot slip through
/// untested.
/// </summary>
internal static class Reference
{
    public static IDigest Digest(HashFunction function) => function.Name switch
    {
        "SHA-256" => new Sha256Digest(),
        "SHA-384" => new Sha384Digest(),
        "SHA-512" => new Sha512Digest(),
        _ => throw new NotSupportedException($"No BouncyCastle reference for {function.Name}; add one."),
    };

    public static byte[] Hash(HashFunction function, byte[] data)
    {
        IDigest digest = Digest(function);
        digest.BlockUpdate(data, 0, data.Length);
        byte[] output = new byte[digest.GetDigestSize()];
        digest.DoFinal(output, 0);
        return output;
    }

    public static byte[] Hmac(HashFunction function, byte[] key, byte[] data)
    {
        var hmac = new HMac(Digest(function));
        hmac.Init(new KeyParameter(key));
        hmac.BlockUpdate(data, 0, data.Length);
        byte[] output = new byte[hmac.GetMacSize()];
        hmac.DoFinal(output, 0);
        return output;
    }

    public static byte[] Hkdf(HashFunction function, byte[] ikm, byte[] salt, byte[] info, int length)
    {
        var generator = new HkdfBytesGenerator(Digest(function));
        generator.Init(new HkdfParameters(ikm, salt, info));
        byte[] output = new byte[length];
        generator.GenerateBytes(output, 0, length);
        return output;
    }

    /// <summary>AES-GCM encryption with a 128-bit tag; returns <c>ciphertext ‖ tag</c>.</summary>
    public static byte[] GcmEncrypt(AeadAlgorithm algorithm, byte[] key, byte[] nonce, byte[] plaintext, byte[] associatedData)
    {
        GcmBlockCipher cipher = Gcm(algorithm, key, nonce, associatedData, forEncryption: true);
        byte[] output = new byte[cipher.GetOutputSize(plaintext.Length)];
        int written = cipher.ProcessBytes(plaintext, 0, plaintext.Length, output, 0);
        written += cipher.DoFinal(output, written);
        return written == output.Length ? output : output[..written];
    }

    /// <summary>AES-GCM decryption of <c>ciphertext ‖ tag</c>; throws <see cref="InvalidCipherTextException"/> on a bad tag.</summary>
    public static byte[] GcmDecrypt(AeadAlgorithm algorithm, byte[] key, byte[] nonce, byte[] ciphertext, byte[] associatedData)
    {
        GcmBlockCipher cipher = Gcm(algorithm, key, nonce, associatedData, forEncryption: false);
        byte[] output = new byte[cipher.GetOutputSize(ciphertext.Length)];
        int written = cipher.ProcessBytes(ciphertext, 0, ciphertext.Length, output, 0);
        written += cipher.DoFinal(output, written);
        return written == output.Length ? output : output[..written];
    }

    /// <summary>The BouncyCastle curve of an ECDH algorithm.</summary>
    public static X9ECParameters Curve(KeyAgreementAlgorithm algorithm) => algorithm.Name switch
    {
        "ECDH-P256" => SecNamedCurves.GetByName("secp256r1"),
        "ECDH-P384" => SecNamedCurves.GetByName("secp384r1"),
        "ECDH-P521" => SecNamedCurves.GetByName("secp521r1"),
        _ => throw new NotSupportedException($"No BouncyCastle curve for {algorithm.Name}; add one."),
    };

    /// <summary>The raw Diffie-Hellman output (ECDH x-coordinate, padded; X25519 u-coordinate) computed by BouncyCastle.</summary>
    public static byte[] Agree(KeyAgreementAlgorithm algorithm, byte[] privateKey, byte[] peerPublicKey)
    {
        if (algorithm == KeyAgreementAlgorithm.X25519)
        {
            var agreement = new X25519Agreement();
            agreement.Init(new X25519PrivateKeyParameters(privateKey));
            byte[] secret = new byte[agreement.AgreementSize];
            agreement.CalculateAgreement(new X25519PublicKeyParameters(peerPublicKey), secret, 0);
            return secret;
        }

        X9ECParameters curve = Curve(algorithm);
        var domain = new ECDomainParameters(curve);
        var basic = new ECDHBasicAgreement();
        basic.Init(new ECPrivateKeyParameters(new BigInteger(1, privateKey), domain));
        BigInteger x = basic.CalculateAgreement(new ECPublicKeyParameters(curve.Curve.DecodePoint(peerPublicKey), domain));
        return BigIntegers.AsUnsignedByteArray(algorithm.SharedSecretSizeInBytes, x);
    }

    /// <summary>The raw public key of a raw private key, computed by BouncyCastle.</summary>
    public static byte[] PublicKey(KeyAgreementAlgorithm algorithm, byte[] privateKey)
    {
        if (algorithm == KeyAgreementAlgorithm.X25519)
        {
            return new X25519PrivateKeyParameters(privateKey).GeneratePublicKey().GetEncoded();
        }

        X9ECParameters curve = Curve(algorithm);
        return curve.G.Multiply(new BigInteger(1, privateKey)).Normalize().GetEncoded(compressed: false);
    }

    private static GcmBlockCipher Gcm(AeadAlgorithm algorithm, byte[] key, byte[] nonce, byte[] associatedData, bool forEncryption)
    {
        if (algorithm.Name != $"AES-{algorithm.KeySizeInBytes * 8}-GCM" || algorithm.TagSizeInBytes != 16)
        {
            throw new NotSupportedException($"No BouncyCastle reference for {algorithm.Name}; add one.");
        }

        var cipher = new GcmBlockCipher(AesUtilities.CreateEngine());
        cipher.Init(forEncryption, new AeadParameters(new KeyParameter(key), 128, nonce, associatedData));
        return cipher;
    }
}
