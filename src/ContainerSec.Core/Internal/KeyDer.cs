using System.Formats.Asn1;
using System.Security.Cryptography;

namespace ContainerSec.Internal;

/// <summary>
/// Strict DER for the key containers the library reads itself: SubjectPublicKeyInfo (RFC 5280)
/// and PKCS#8 PrivateKeyInfo (RFC 5208 / RFC 5958). BER, indefinite lengths and trailing bytes are
/// refused; every failure is a <see cref="CryptographicException"/> that names the algorithm.
/// </summary>
internal static class KeyDer
{
    public const string EcPublicKeyOid = "1.2.840.10045.2.1";
    public const string X25519Oid = "1.3.101.110";

    /// <summary>The parts of a SubjectPublicKeyInfo: algorithm OID, the parameters' encoded bytes (or empty), the key bits.</summary>
    public static (string AlgorithmOid, byte[] Parameters, byte[] Key) ReadSubjectPublicKeyInfo(ReadOnlySpan<byte> source, string algorithm)
    {
        try
        {
            var outer = new AsnReader(source.ToArray(), AsnEncodingRules.DER);
            AsnReader spki = outer.ReadSequence();
            outer.ThrowIfNotEmpty();
            (string oid, byte[] parameters) = ReadAlgorithmIdentifier(spki);
            byte[] key = spki.ReadBitString(out int unusedBits);
            spki.ThrowIfNotEmpty();
            if (unusedBits != 0)
            {
                throw Error.InvalidKey(algorithm, "SubjectPublicKeyInfo", "the key BIT STRING has unused bits");
            }

            return (oid, parameters, key);
        }
        catch (AsnContentException ex)
        {
            throw Error.InvalidKey(algorithm, "SubjectPublicKeyInfo", "malformed DER", ex);
        }
    }

    public static byte[] WriteSubjectPublicKeyInfo(string algorithmOid, string? parameterOid, ReadOnlySpan<byte> key)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            WriteAlgorithmIdentifier(writer, algorithmOid, parameterOid);
            writer.WriteBitString(key);
        }

        return writer.Encode();
    }

    /// <summary>Reads an RFC 8410 PKCS#8 key of <paramref name="algorithmOid"/> (no parameters) and returns the private key bytes and the optional public key.</summary>
    public static (SecretBytes PrivateKey, byte[]? PublicKey) ReadCurvePkcs8(ReadOnlySpan<byte> source, string algorithmOid, string algorithm)
    {
        byte[] copy = source.ToArray();
        try
        {
            var outer = new AsnReader(copy, AsnEncodingRules.DER);
            AsnReader info = outer.ReadSequence();
            outer.ThrowIfNotEmpty();
            if (!info.TryReadInt32(out int version) || version is not (0 or 1))
            {
                throw Error.InvalidKey(algorithm, "PKCS#8 private key", "the version is not 0 or 1");
            }

            (string oid, byte[] parameters) = ReadAlgorithmIdentifier(info);
            if (oid != algorithmOid || parameters.Length != 0)
            {
                throw Error.InvalidKey(algorithm, "PKCS#8 private key", $"the algorithm is {oid}, not {algorithmOid} without parameters");
            }

            var inner = new AsnReader(info.ReadOctetString(), AsnEncodingRules.DER);
            byte[] privateKey = inner.ReadOctetString();
            inner.ThrowIfNotEmpty();
            SecretBytes secret = SecretBytes.Copy(privateKey);
            CryptographicOperations.ZeroMemory(privateKey);
            try
            {
                if (info.HasData && info.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0)))
                {
                    info.ReadEncodedValue();
                }

                byte[]? publicKey = null;
                if (version == 1 && info.HasData)
                {
                    publicKey = info.ReadBitString(out int unusedBits, new Asn1Tag(TagClass.ContextSpecific, 1));
                    if (unusedBits != 0)
                    {
                        throw Error.InvalidKey(algorithm, "PKCS#8 private key", "the public key BIT STRING has unused bits");
                    }
                }

                info.ThrowIfNotEmpty();
                return (secret, publicKey);
            }
            catch
            {
                secret.Dispose();
                throw;
            }
        }
        catch (AsnContentException ex)
        {
            throw Error.InvalidKey(algorithm, "PKCS#8 private key", "malformed DER", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(copy);
        }
    }

    /// <summary>Writes an RFC 8410 PKCS#8 (version 0) key; the caller should zero the result.</summary>
    public static byte[] WriteCurvePkcs8(string algorithmOid, ReadOnlySpan<byte> privateKey)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(0);
            WriteAlgorithmIdentifier(writer, algorithmOid, parameterOid: null);
            using (writer.PushOctetString())
            {
                writer.WriteOctetString(privateKey);
            }
        }

        byte[] encoded = writer.Encode();
        writer.Reset();
        return encoded;
    }

    private static (string Oid, byte[] Parameters) ReadAlgorithmIdentifier(AsnReader reader)
    {
        AsnReader algorithm = reader.ReadSequence();
        string oid = algorithm.ReadObjectIdentifier();
        byte[] parameters = algorithm.HasData ? algorithm.ReadEncodedValue().ToArray() : [];
        algorithm.ThrowIfNotEmpty();
        return (oid, parameters);
    }

    private static void WriteAlgorithmIdentifier(AsnWriter writer, string algorithmOid, string? parameterOid)
    {
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(algorithmOid);
            if (parameterOid is not null)
            {
                writer.WriteObjectIdentifier(parameterOid);
            }
        }
    }
}
