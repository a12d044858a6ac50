using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using ContainerSec.Cryptography;

namespace ContainerSec.Internal;

/// <summary>
/// Builds BCL key objects (<see cref="ECDsa"/>, <see cref="RSA"/>) and Ed25519 key bytes from
/// PKCS#8 and SubjectPublicKeyInfo, checking the key type, curve and RSA size against what the
/// caller asked for. Everything wrong with the data is a <see cref="CryptographicException"/>.
/// </summary>
internal static class AsymmetricKeys
{
    public const int Ed25519KeySize = 32;

    public static string Describe(string oid) => oid switch
    {
        KeyEncoding.EcPublicKeyOid => "EC",
        KeyEncoding.RsaEncryptionOid => "RSA",
        KeyEncoding.RsaPssOid => "RSA-PSS",
        KeyEncoding.Ed25519Oid => "Ed25519",
        "1.3.101.110" => "X25519",
        "1.2.840.10040.4.1" => "DSA (refused by design)",
        _ => $"unknown (OID {oid})",
    };

    /// <summary>Refuses an RSA key outside 2048 … 4096 bits.</summary>
    public static void CheckRsaSize(RSA rsa)
    {
        int bits = rsa.KeySize;
        if (bits is < SignatureAlgorithm.MinRsaKeySizeInBits or > SignatureAlgorithm.MaxRsaKeySizeInBits)
        {
            rsa.Dispose();
            throw new CryptographicException(
                $"RSA keys must be {SignatureAlgorithm.MinRsaKeySizeInBits} to {SignatureAlgorithm.MaxRsaKeySizeInBits} bits; this key has {bits} bits.");
        }
    }

    /// <summary>Checks an RSA size chosen by the caller (key generation).</summary>
    public static void CheckRsaSizeArgument(int keySizeInBits, string paramName)
    {
        if (keySizeInBits is < SignatureAlgorithm.MinRsaKeySizeInBits or > SignatureAlgorithm.MaxRsaKeySizeInBits || keySizeInBits % 8 != 0)
        {
            throw new ArgumentOutOfRangeException(paramName, keySizeInBits,
                $"RSA keys must be a multiple of 8 bits from {SignatureAlgorithm.MinRsaKeySizeInBits} to {SignatureAlgorithm.MaxRsaKeySizeInBits}.");
        }
    }

    public static ECDsa EcdsaFromPkcs8(SignatureAlgorithm algorithm, byte[] pkcs8) =>
        Ecdsa(algorithm, KeyEncoding.DecodePkcs8(pkcs8).AlgorithmId.Value ?? "", pkcs8, @private: true);

    public static ECDsa EcdsaFromSpki(SignatureAlgorithm algorithm, ReadOnlySpan<byte> spki)
    {
        byte[] copy = spki.ToArray();
        return Ecdsa(algorithm, KeyEncoding.DecodeSpki(copy).Oid, copy, @private: false);
    }

    /// <summary>An ECDSA public key from the uncompressed point <c>04 ‖ X ‖ Y</c>.</summary>
    public static ECDsa EcdsaFromPoint(SignatureAlgorithm algorithm, ReadOnlySpan<byte> point)
    {
        int size = algorithm.FieldSizeInBytes;
        if (point.Length != 1 + (2 * size) || point[0] != 0x04)
        {
            throw new CryptographicException($"An {algorithm.Name} public point must be 04 ‖ X ‖ Y, {1 + (2 * size)} bytes.");
        }

        try
        {
            return ECDsa.Create(new ECParameters
            {
                Curve = algorithm.Curve,
                Q = new ECPoint { X = point.Slice(1, size).ToArray(), Y = point.Slice(1 + size, size).ToArray() },
            });
        }
        catch (CryptographicException)
        {
            throw new CryptographicException($"The point is not on the {algorithm.Name} curve.");
        }
    }

    public static RSA RsaFromPkcs8(string expected, byte[] pkcs8, SignatureAlgorithm? pssAlgorithm)
    {
        Pkcs8PrivateKeyInfo info = KeyEncoding.DecodePkcs8(pkcs8);
        bool pss = CheckRsaAlgorithm(expected, info.AlgorithmId.Value ?? "", info.AlgorithmParameters, pssAlgorithm);
        var rsa = RSA.Create();
        try
        {
            int read;
            if (pss)
            {
                rsa.ImportRSAPrivateKey(info.PrivateKeyBytes.Span, out read);
            }
            else
            {
                rsa.ImportPkcs8PrivateKey(pkcs8, out _);
                read = info.PrivateKeyBytes.Length;
            }

            if (read != info.PrivateKeyBytes.Length)
            {
                throw new CryptographicException();
            }
        }
        catch (CryptographicException)
        {
            rsa.Dispose();
            throw KeyEncoding.Malformed("RSA private key");
        }

        CheckRsaSize(rsa);
        return rsa;
    }

    public static RSA RsaFromSpki(string expected, ReadOnlySpan<byte> spki, SignatureAlgorithm? pssAlgorithm)
    {
        (string oid, ReadOnlyMemory<byte> parameters, byte[] key) = KeyEncoding.DecodeSpki(spki);
        bool pss = CheckRsaAlgorithm(expected, oid, parameters, pssAlgorithm);
        var rsa = RSA.Create();
        try
        {
            // Both paths read the RSAPublicKey inside the bit string, so an id-RSASSA-PSS key
            // and an rsaEncryption key with the same modulus import the same.
            rsa.ImportRSAPublicKey(key, out int read);
            if (read != key.Length || (!pss && rsa.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(spki) is false))
            {
                throw new CryptographicException();
            }
        }
        catch (CryptographicException)
        {
            rsa.Dispose();
            throw KeyEncoding.Malformed("RSA public key");
        }

        CheckRsaSize(rsa);
        return rsa;
    }

    /// <summary>Accepts rsaEncryption, or id-RSASSA-PSS when signing with PSS and its parameters allow the algorithm; returns whether it is PSS.</summary>
    private static bool CheckRsaAlgorithm(string expected, string oid, ReadOnlyMemory<byte>? parameters, SignatureAlgorithm? pssAlgorithm)
    {
        if (oid == KeyEncoding.RsaEncryptionOid)
        {
            return false;
        }

        if (oid == KeyEncoding.RsaPssOid && pssAlgorithm is not null)
        {
            KeyEncoding.CheckPssKeyParameters(parameters, HashOid(pssAlgorithm.HashFunction!), pssAlgorithm.HashFunction!.HashSizeInBytes);
            return true;
        }

        throw KeyEncoding.WrongKeyType(expected, Describe(oid));
    }

    /// <summary>The 32-byte seed of an Ed25519 PKCS#8 key (RFC 8410), into <paramref name="seed"/>.</summary>
    public static void Ed25519FromPkcs8(byte[] pkcs8, Span<byte> seed)
    {
        Pkcs8PrivateKeyInfo info = KeyEncoding.DecodePkcs8(pkcs8);
        string oid = info.AlgorithmId.Value ?? "";
        if (oid != KeyEncoding.Ed25519Oid)
        {
            throw KeyEncoding.WrongKeyType("Ed25519", Describe(oid));
        }

        if (info.AlgorithmParameters is { Length: > 0 })
        {
            throw KeyEncoding.Malformed("Ed25519 PrivateKeyInfo (parameters must be absent)");
        }

        KeyEncoding.DecodeOctetString(info.PrivateKeyBytes, seed, "Ed25519 private key");
    }

    /// <summary>The 32-byte public key of an Ed25519 SubjectPublicKeyInfo (RFC 8410).</summary>
    public static byte[] Ed25519FromSpki(ReadOnlySpan<byte> spki)
    {
        (string oid, ReadOnlyMemory<byte> parameters, byte[] key) = KeyEncoding.DecodeSpki(spki);
        if (oid != KeyEncoding.Ed25519Oid)
        {
            throw KeyEncoding.WrongKeyType("Ed25519", Describe(oid));
        }

        if (parameters.Length != 0 || key.Length != Ed25519KeySize)
        {
            throw KeyEncoding.Malformed("Ed25519 SubjectPublicKeyInfo");
        }

        return key;
    }

    public static byte[] Ed25519Pkcs8(ReadOnlySpan<byte> seed)
    {
        byte[] inner = KeyEncoding.EncodeOctetString(seed);
        try
        {
            return new Pkcs8PrivateKeyInfo(new Oid(KeyEncoding.Ed25519Oid, null), null, inner, skipCopies: true).Encode();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(inner);
        }
    }

    /// <summary>Imports an EC key after checking its algorithm OID, then checks its curve.</summary>
    private static ECDsa Ecdsa(SignatureAlgorithm algorithm, string oid, byte[] encoded, bool @private)
    {
        if (oid != KeyEncoding.EcPublicKeyOid)
        {
            throw KeyEncoding.WrongKeyType(algorithm.Name, Describe(oid));
        }

        var ecdsa = ECDsa.Create();
        try
        {
            if (@private)
            {
                ecdsa.ImportPkcs8PrivateKey(encoded, out _);
            }
            else
            {
                ecdsa.ImportSubjectPublicKeyInfo(encoded, out _);
            }
        }
        catch (CryptographicException)
        {
            ecdsa.Dispose();
            throw KeyEncoding.Malformed(@private ? "EC private key" : "EC public key (or the point is not on its curve)");
        }

        return CheckCurve(algorithm, ecdsa);
    }

    private static ECDsa CheckCurve(SignatureAlgorithm algorithm, ECDsa ecdsa)
    {
        ECCurve curve = ecdsa.ExportParameters(false).Curve;
        string? oid = curve.IsNamed ? curve.Oid.Value ?? Oid.FromFriendlyName(curve.Oid.FriendlyName!, OidGroup.All).Value : null;
        if (oid != algorithm.CurveOid)
        {
            ecdsa.Dispose();
            throw new CryptographicException(curve.IsNamed
                ? $"The key is on another curve ({curve.Oid.FriendlyName ?? oid}); {algorithm.Name} needs {algorithm.Curve.Oid.FriendlyName}."
                : $"The key has explicit curve parameters; {algorithm.Name} accepts only the named curve {algorithm.Curve.Oid.FriendlyName}.");
        }

        return ecdsa;
    }

    private static string HashOid(HashFunction hash) => hash.HashSizeInBytes switch
    {
        32 => "2.16.840.1.101.3.4.2.1",
        48 => "2.16.840.1.101.3.4.2.2",
        _ => "2.16.840.1.101.3.4.2.3",
    };
}
