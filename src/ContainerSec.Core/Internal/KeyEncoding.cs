using System.Formats.Asn1;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;

namespace ContainerSec.Internal;

/// <summary>
/// Key encodings shared by the asymmetric key objects: size limits, PEM, PKCS#8 (plain and
/// PBES2-encrypted) and SubjectPublicKeyInfo framing. Every parse error of data from outside
/// becomes a <see cref="CryptographicException"/> with a message that names the format, never
/// the bytes.
/// </summary>
internal static class KeyEncoding
{
    /// <summary>Encoded keys (DER bytes or PEM characters) longer than this are refused before any parsing.</summary>
    public const int MaxEncodedLength = 16 * 1024;

    /// <summary>PBKDF2 iterations written by encrypted exports (OWASP 2023 for PBKDF2-HMAC-SHA256).</summary>
    public const int ExportIterations = 600_000;

    /// <summary>PBKDF2 iteration counts above this are refused on import: a file must not be able to stall the caller.</summary>
    public const int MaxImportIterations = 10_000_000;

    public const string PrivateKeyLabel = "PRIVATE KEY";
    public const string EncryptedPrivateKeyLabel = "ENCRYPTED PRIVATE KEY";
    public const string PublicKeyLabel = "PUBLIC KEY";

    public const string EcPublicKeyOid = "1.2.840.10045.2.1";
    public const string RsaEncryptionOid = "1.2.840.113549.1.1.1";
    public const string RsaPssOid = "1.2.840.113549.1.1.10";
    public const string Ed25519Oid = "1.3.101.112";
    private const string Pbes2Oid = "1.2.840.113549.1.5.13";
    private const string Pbkdf2Oid = "1.2.840.113549.1.5.12";
    private const string Mgf1Oid = "1.2.840.113549.1.1.8";

    private static readonly string[] AllowedPrfOids = ["1.2.840.113549.2.9", "1.2.840.113549.2.10", "1.2.840.113549.2.11"];
    private static readonly string[] AllowedCipherOids = ["2.16.840.1.101.3.4.1.2", "2.16.840.1.101.3.4.1.22", "2.16.840.1.101.3.4.1.42"];

    /// <summary>Refuses input longer than <see cref="MaxEncodedLength"/>.</summary>
    public static void CheckLength(int length, string paramName)
    {
        if (length > MaxEncodedLength)
        {
            throw Error.TooLong(paramName, "encoded key", MaxEncodedLength, length);
        }
    }

    public static CryptographicException Malformed(string what) =>
        new($"The input is not a well-formed {what}.");

    public static CryptographicException WrongKeyType(string expected, string found) =>
        new($"The key is not a {expected} key (it holds a {found} key).");

    /// <summary>
    /// The algorithm OID, parameters and private key of a PKCS#8 <c>PrivateKeyInfo</c> that fills
    /// <paramref name="source"/> exactly. The result points into <paramref name="source"/> (no copy
    /// of the key is made), so zeroing the caller's array zeroes it too.
    /// </summary>
    public static Pkcs8PrivateKeyInfo DecodePkcs8(byte[] source)
    {
        try
        {
            var info = Pkcs8PrivateKeyInfo.Decode(source, out int read, skipCopy: true);
            if (read != source.Length)
            {
                throw Malformed("PKCS#8 PrivateKeyInfo (trailing data)");
            }

            return info;
        }
        catch (Exception ex) when (ex is CryptographicException or AsnContentException or ArgumentException)
        {
            throw Malformed("PKCS#8 PrivateKeyInfo");
        }
    }

    /// <summary>The algorithm OID, algorithm parameters (or empty) and key bit string of a SubjectPublicKeyInfo that fills <paramref name="source"/> exactly.</summary>
    public static (string Oid, ReadOnlyMemory<byte> Parameters, byte[] Key) DecodeSpki(ReadOnlySpan<byte> source)
    {
        try
        {
            var reader = new AsnReader(source.ToArray(), AsnEncodingRules.DER);
            AsnReader spki = reader.ReadSequence();
            reader.ThrowIfNotEmpty();
            AsnReader algorithm = spki.ReadSequence();
            string oid = algorithm.ReadObjectIdentifier();
            ReadOnlyMemory<byte> parameters = algorithm.HasData ? algorithm.ReadEncodedValue() : ReadOnlyMemory<byte>.Empty;
            algorithm.ThrowIfNotEmpty();
            byte[] key = spki.ReadBitString(out int unused);
            spki.ThrowIfNotEmpty();
            if (unused != 0)
            {
                throw Malformed("SubjectPublicKeyInfo");
            }

            return (oid, parameters, key);
        }
        catch (AsnContentException)
        {
            throw Malformed("SubjectPublicKeyInfo");
        }
    }

    /// <summary>Writes a SubjectPublicKeyInfo with no algorithm parameters (Ed25519).</summary>
    public static byte[] EncodeSpki(string oid, ReadOnlySpan<byte> key)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(oid);
            }

            writer.WriteBitString(key);
        }

        return writer.Encode();
    }

    /// <summary>Writes <c>OCTET STRING(value)</c>, the Ed25519 <c>CurvePrivateKey</c> (RFC 8410).</summary>
    public static byte[] EncodeOctetString(ReadOnlySpan<byte> value)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteOctetString(value);
        return writer.Encode();
    }

    /// <summary>Reads <c>OCTET STRING</c> filling exactly <paramref name="destination"/>.</summary>
    public static void DecodeOctetString(ReadOnlyMemory<byte> source, Span<byte> destination, string what)
    {
        try
        {
            var reader = new AsnReader(source, AsnEncodingRules.DER);
            if (!reader.TryReadOctetString(destination, out int written) || written != destination.Length)
            {
                throw Malformed(what);
            }

            reader.ThrowIfNotEmpty();
        }
        catch (AsnContentException)
        {
            throw Malformed(what);
        }
    }

    /// <summary>
    /// Checks that the parameters of an id-RSASSA-PSS key allow signing with
    /// <paramref name="hashOid"/>, MGF1 with the same hash and a salt of <paramref name="hashSize"/>
    /// bytes. Absent parameters allow any PSS use.
    /// </summary>
    public static void CheckPssKeyParameters(ReadOnlyMemory<byte>? parameters, string hashOid, int hashSize)
    {
        if (parameters is not { Length: > 0 } encoded || encoded.Span.SequenceEqual((ReadOnlySpan<byte>)[0x05, 0x00]))
        {
            return;
        }

        string hash = "1.3.14.3.2.26", mgfHash = "1.3.14.3.2.26";
        int saltLength = 20;
        try
        {
            var reader = new AsnReader(encoded, AsnEncodingRules.DER);
            AsnReader sequence = reader.ReadSequence();
            reader.ThrowIfNotEmpty();
            var tag0 = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
            var tag1 = new Asn1Tag(TagClass.ContextSpecific, 1, isConstructed: true);
            var tag2 = new Asn1Tag(TagClass.ContextSpecific, 2, isConstructed: true);
            if (sequence.HasData && sequence.PeekTag().HasSameClassAndValue(tag0))
            {
                AsnReader explicitHash = sequence.ReadSequence(tag0);
                hash = explicitHash.ReadSequence().ReadObjectIdentifier();
            }

            if (sequence.HasData && sequence.PeekTag().HasSameClassAndValue(tag1))
            {
                AsnReader mgf = sequence.ReadSequence(tag1).ReadSequence();
                if (mgf.ReadObjectIdentifier() != Mgf1Oid)
                {
                    throw new CryptographicException("The RSA-PSS key restricts signing to a mask generation function other than MGF1.");
                }

                mgfHash = mgf.ReadSequence().ReadObjectIdentifier();
            }

            if (sequence.HasData && sequence.PeekTag().HasSameClassAndValue(tag2))
            {
                if (!sequence.ReadSequence(tag2).TryReadInt32(out saltLength))
                {
                    throw Malformed("RSASSA-PSS-params");
                }
            }
        }
        catch (AsnContentException)
        {
            throw Malformed("RSASSA-PSS-params");
        }

        if (hash != hashOid || mgfHash != hashOid || saltLength > hashSize)
        {
            throw new CryptographicException(
                "The RSA-PSS key's parameters restrict it to another hash, MGF1 hash or a salt longer than the hash; it cannot be used with this algorithm.");
        }
    }

    /// <summary>
    /// Decrypts an <c>EncryptedPrivateKeyInfo</c> into a plain PKCS#8 <c>PrivateKeyInfo</c> the
    /// caller must zero. Only PBES2 with PBKDF2-HMAC-SHA-2 and AES-CBC is accepted (PBES1, SHA-1
    /// and DES/3DES/RC2 are refused), with at most <see cref="MaxImportIterations"/> iterations.
    /// </summary>
    public static byte[] DecryptPkcs8(ReadOnlySpan<char> password, ReadOnlySpan<byte> source)
    {
        byte[] encrypted = source.ToArray();
        CheckPbes2(encrypted);
        try
        {
            Pkcs8PrivateKeyInfo info = Pkcs8PrivateKeyInfo.DecryptAndDecode(password, encrypted, out int read);
            try
            {
                if (read != encrypted.Length)
                {
                    throw Malformed("PKCS#8 EncryptedPrivateKeyInfo (trailing data)");
                }

                return info.Encode();
            }
            finally
            {
                // The decrypted key inside the BCL object: zero it rather than wait for the GC.
                if (MemoryMarshal.TryGetArray(info.PrivateKeyBytes, out ArraySegment<byte> segment))
                {
                    CryptographicOperations.ZeroMemory(segment);
                }
            }
        }
        catch (Exception ex) when (ex is CryptographicException or AsnContentException)
        {
            throw new CryptographicException("The encrypted private key could not be decrypted: the password is wrong or the data is corrupt.");
        }
    }

    /// <summary>Encrypts a plain PKCS#8 <c>PrivateKeyInfo</c> with PBES2: PBKDF2-HMAC-SHA-256 (<see cref="ExportIterations"/>), AES-256-CBC.</summary>
    public static byte[] EncryptPkcs8(byte[] pkcs8, ReadOnlySpan<char> password)
    {
        Pkcs8PrivateKeyInfo info = Pkcs8PrivateKeyInfo.Decode(pkcs8, out _, skipCopy: true);
        return info.Encrypt(password, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, ExportIterations));
    }

    /// <summary>
    /// Finds the one PEM block labelled <paramref name="label"/> and decodes it. Other blocks
    /// (certificates, parameters) are ignored; none, or more than one, is an error.
    /// </summary>
    /// <param name="source">The PEM text.</param>
    /// <param name="label">The label to find.</param>
    /// <param name="refusedLabel">A label that means the caller chose the wrong method (an encrypted key given to the plain import), or null.</param>
    /// <param name="refusedMessage">The error for <paramref name="refusedLabel"/>.</param>
    public static byte[] ReadPem(ReadOnlySpan<char> source, string label, string? refusedLabel = null, string? refusedMessage = null)
    {
        byte[]? found = null;
        ReadOnlySpan<char> rest = source;
        while (PemEncoding.TryFind(rest, out PemFields fields))
        {
            ReadOnlySpan<char> foundLabel = rest[fields.Label];
            if (foundLabel.SequenceEqual(label))
            {
                if (found is not null)
                {
                    CryptographicOperations.ZeroMemory(found);
                    throw new CryptographicException($"The PEM text holds more than one '{label}' block.");
                }

                found = new byte[fields.DecodedDataLength];
                if (!Convert.TryFromBase64Chars(rest[fields.Base64Data], found, out int written) || written != found.Length)
                {
                    throw Malformed($"PEM '{label}' block");
                }
            }
            else if (refusedLabel is not null && foundLabel.SequenceEqual(refusedLabel))
            {
                throw new CryptographicException(refusedMessage);
            }

            rest = rest[fields.Location.End..];
        }

        return found ?? throw new CryptographicException($"The text holds no PEM '{label}' block.");
    }

    /// <summary>Writes <paramref name="der"/> as PEM with <paramref name="label"/>.</summary>
    public static string WritePem(string label, ReadOnlySpan<byte> der) => new(PemEncoding.Write(label, der));

    /// <summary>Runs <paramref name="import"/> on a copy of a plain PKCS#8 key and zeroes the copy.</summary>
    public static T ImportPkcs8<T>(ReadOnlySpan<byte> source, Func<byte[], T> import)
    {
        CheckLength(source.Length, nameof(source));
        return ZeroAfter(source.ToArray(), import);
    }

    /// <summary>Decrypts an encrypted PKCS#8 key, runs <paramref name="import"/> on it and zeroes the plaintext.</summary>
    public static T ImportEncryptedPkcs8<T>(ReadOnlySpan<char> password, ReadOnlySpan<byte> source, Func<byte[], T> import)
    {
        CheckLength(source.Length, nameof(source));
        return ZeroAfter(DecryptPkcs8(password, source), import);
    }

    /// <summary>Finds the one <c>PRIVATE KEY</c> PEM block, runs <paramref name="import"/> on it and zeroes the bytes.</summary>
    public static T ImportPem<T>(ReadOnlySpan<char> source, Func<byte[], T> import)
    {
        CheckLength(source.Length, nameof(source));
        return ZeroAfter(ReadPem(source, PrivateKeyLabel, EncryptedPrivateKeyLabel,
            "The PEM holds an ENCRYPTED PRIVATE KEY; import it with ImportFromEncryptedPem and its password."), import);
    }

    /// <summary>Finds the one <c>ENCRYPTED PRIVATE KEY</c> PEM block, decrypts it and runs <paramref name="import"/>.</summary>
    public static T ImportEncryptedPem<T>(ReadOnlySpan<char> source, ReadOnlySpan<char> password, Func<byte[], T> import)
    {
        CheckLength(source.Length, nameof(source));
        return ImportEncryptedPkcs8(password, ReadPem(source, EncryptedPrivateKeyLabel), import);
    }

    /// <summary>Encrypts a plain PKCS#8 key the caller exported and zeroes it.</summary>
    public static byte[] EncryptAndZero(byte[] pkcs8, ReadOnlySpan<char> password)
    {
        if (password.IsEmpty)
        {
            CryptographicOperations.ZeroMemory(pkcs8);
            throw new ArgumentException("The password must not be empty.", nameof(password));
        }

        try
        {
            return EncryptPkcs8(pkcs8, password);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    /// <summary>Writes a plain PKCS#8 key as PEM and zeroes it.</summary>
    public static string PemAndZero(byte[] pkcs8)
    {
        try
        {
            return WritePem(PrivateKeyLabel, pkcs8);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    private static T ZeroAfter<T>(byte[] secret, Func<byte[], T> import)
    {
        try
        {
            return import(secret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    private static void CheckPbes2(byte[] encrypted)
    {
        try
        {
            var reader = new AsnReader(encrypted, AsnEncodingRules.DER);
            AsnReader info = reader.ReadSequence();
            AsnReader algorithm = info.ReadSequence();
            if (algorithm.ReadObjectIdentifier() != Pbes2Oid)
            {
                throw new CryptographicException("The private key is encrypted with a scheme other than PBES2; PBES1 (MD5, SHA-1, DES, RC2) is refused.");
            }

            AsnReader parameters = algorithm.ReadSequence();
            AsnReader kdf = parameters.ReadSequence();
            if (kdf.ReadObjectIdentifier() != Pbkdf2Oid)
            {
                throw new CryptographicException("The private key's PBES2 key derivation is not PBKDF2.");
            }

            AsnReader pbkdf2 = kdf.ReadSequence();
            pbkdf2.ReadOctetString();
            if (!pbkdf2.TryReadInt32(out int iterations) || iterations < 1 || iterations > MaxImportIterations)
            {
                throw new CryptographicException($"The private key's PBKDF2 iteration count is outside 1 … {MaxImportIterations}.");
            }

            if (pbkdf2.HasData && pbkdf2.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
            {
                pbkdf2.ReadInteger();
            }

            string prf = pbkdf2.HasData ? pbkdf2.ReadSequence().ReadObjectIdentifier() : "1.2.840.113549.2.7";
            if (Array.IndexOf(AllowedPrfOids, prf) < 0)
            {
                throw new CryptographicException("The private key's PBKDF2 uses HMAC-SHA-1 or another refused function; HMAC-SHA-256/384/512 is required.");
            }

            string cipher = parameters.ReadSequence().ReadObjectIdentifier();
            if (Array.IndexOf(AllowedCipherOids, cipher) < 0)
            {
                throw new CryptographicException("The private key is encrypted with a cipher other than AES-CBC (DES, 3DES and RC2 are refused).");
            }
        }
        catch (AsnContentException)
        {
            throw Malformed("PKCS#8 EncryptedPrivateKeyInfo");
        }
    }
}
