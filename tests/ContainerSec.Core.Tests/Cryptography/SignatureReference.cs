using ContainerSec.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;

namespace ContainerSec.Tests.Cryptography;

/// <summary>
/// BouncyCastle as the independent implementation for signatures and the shared test keys. An
/// algorithm this class does not know makes the cross-checks throw, so a new one cannot slip
/// through untested.
/// </summary>
internal static class SignatureReference
{
    private static readonly Lazy<byte[]> Rsa2048 = new(() =>
    {
        using SigningKey key = SigningKey.Generate(SignatureAlgorithm.RsaPssSha256, 2048, KeyExportPolicy.AllowPlaintextExport);
        return key.ExportPkcs8PrivateKey();
    });

    private static readonly Dictionary<SignatureAlgorithm, byte[]> Keys = [];

    /// <summary>BouncyCastle's signer name for the algorithm; DER and P1363 ECDSA differ.</summary>
    public static string SignerName(SignatureAlgorithm algorithm) => algorithm.Name switch
    {
        "ECDSA-P256-SHA256" => "SHA256WITHPLAIN-ECDSA",
        "ECDSA-P384-SHA384" => "SHA384WITHPLAIN-ECDSA",
        "ECDSA-P521-SHA512" => "SHA512WITHPLAIN-ECDSA",
        "ECDSA-P256-SHA256-DER" => "SHA256WITHECDSA",
        "ECDSA-P384-SHA384-DER" => "SHA384WITHECDSA",
        "ECDSA-P521-SHA512-DER" => "SHA512WITHECDSA",
        "RSA-PSS-SHA256" => "SHA256WITHRSAANDMGF1",
        "RSA-PSS-SHA384" => "SHA384WITHRSAANDMGF1",
        "RSA-PSS-SHA512" => "SHA512WITHRSAANDMGF1",
        "RSA-PKCS1-SHA256" => "SHA256WITHRSA",
        "RSA-PKCS1-SHA384" => "SHA384WITHRSA",
        "RSA-PKCS1-SHA512" => "SHA512WITHRSA",
        "Ed25519" => "Ed25519",
        _ => throw new NotSupportedException($"No BouncyCastle reference for {algorithm.Name}; add one."),
    };

    /// <summary>An exportable PKCS#8 test key for the algorithm, made once (RSA: one 2048-bit key shared by all RSA algorithms).</summary>
    public static byte[] Pkcs8(SignatureAlgorithm algorithm)
    {
        if (algorithm.IsRsa)
        {
            return Rsa2048.Value;
        }

        lock (Keys)
        {
            if (!Keys.TryGetValue(algorithm, out byte[]? pkcs8))
            {
                using SigningKey key = SigningKey.Generate(algorithm, KeyExportPolicy.AllowPlaintextExport);
                Keys[algorithm] = pkcs8 = key.ExportPkcs8PrivateKey();
            }

            return pkcs8;
        }
    }

    public static SigningKey Key(SignatureAlgorithm algorithm, KeyExportPolicy policy = KeyExportPolicy.AllowPlaintextExport) =>
        SigningKey.ImportPkcs8PrivateKey(algorithm, Pkcs8(algorithm), policy);

    public static byte[] Sign(SignatureAlgorithm algorithm, byte[] pkcs8, byte[] message)
    {
        ISigner signer = SignerUtilities.GetSigner(SignerName(algorithm));
        signer.Init(true, PrivateKeyFactory.CreateKey(pkcs8));
        signer.BlockUpdate(message, 0, message.Length);
        return signer.GenerateSignature();
    }

    public static bool Verify(SignatureAlgorithm algorithm, byte[] spki, byte[] message, byte[] signature)
    {
        ISigner signer = SignerUtilities.GetSigner(SignerName(algorithm));
        signer.Init(false, PublicKeyFactory.CreateKey(spki));
        signer.BlockUpdate(message, 0, message.Length);
        return signer.VerifySignature(signature);
    }
}
