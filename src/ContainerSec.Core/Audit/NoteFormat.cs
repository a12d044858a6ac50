using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ContainerSec.Cryptography;

namespace ContainerSec.Audit;

/// <summary>The C2SP signed-note rules the signer, the verifier and the parser share.</summary>
internal static class NoteFormat
{
    /// <summary>Signature type 0x01: Ed25519 over the note text.</summary>
    public const byte Ed25519Type = 0x01;

    /// <summary>Signature type 0x02: ECDSA (ASN.1 DER, SHA-256) as transparency-dev/witness.</summary>
    public const byte EcdsaType = 0x02;

    /// <summary>"— " (U+2014 EM DASH, space) in UTF-8.</summary>
    public static ReadOnlySpan<byte> SignaturePrefix => "\u2014 "u8;

    /// <summary>A key name: non-empty, valid UTF-8 (a .NET string without lone surrogates), no white space, no '+'.</summary>
    public static bool IsValidName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('+', StringComparison.Ordinal))
        {
            return false;
        }

        ReadOnlySpan<char> rest = name;
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out Rune rune, out int used) != System.Buffers.OperationStatus.Done
                || Rune.IsWhiteSpace(rune) || Rune.IsControl(rune))
            {
                return false;
            }

            rest = rest[used..];
        }

        return true;
    }

    /// <summary>Valid UTF-8 with no ASCII control character other than newline.</summary>
    public static bool IsValidNoteBytes(ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes)
        {
            if (b < 0x20 && b != (byte)'\n')
            {
                return false;
            }
        }

        return System.Text.Unicode.Utf8.IsValid(bytes);
    }

    /// <summary>
    /// The key ID: Ed25519 <c>SHA-256(name ‖ 0x0A ‖ 0x01 ‖ pub32)[:4]</c>; ECDSA <c>SHA-256(SPKI DER)[:4]</c>; big-endian.
    /// </summary>
    public static uint KeyId(string name, byte type, ReadOnlySpan<byte> publicKey)
    {
        Span<byte> hash = stackalloc byte[32];
        if (type == EcdsaType)
        {
            SHA256.HashData(publicKey, hash);
        }
        else
        {
            byte[] prefix = Encoding.UTF8.GetBytes(name + "\n");
            using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            h.AppendData(prefix);
            h.AppendData([type]);
            h.AppendData(publicKey);
            h.GetHashAndReset(hash);
        }

        return BinaryPrimitives.ReadUInt32BigEndian(hash);
    }

    /// <summary>The signature type and the encoded public key of a verification key (Ed25519: 32 bytes; ECDSA P-256: SPKI DER).</summary>
    public static (byte Type, byte[] PublicKey) Encode(VerificationKey key) =>
        key.Algorithm == SignatureAlgorithm.Ed25519 ? (Ed25519Type, key.ExportRawPublicKey())
        : key.Algorithm == SignatureAlgorithm.EcdsaP256Sha256Der ? (EcdsaType, key.ExportSubjectPublicKeyInfo())
        : throw new ArgumentException("Signed notes use Ed25519 or ECDSA P-256 (SignatureAlgorithm.EcdsaP256Sha256Der) keys.", nameof(key));

    /// <summary><c>name+hex(keyID)+base64(type ‖ public key)</c>.</summary>
    public static string FormatKey(string name, uint keyId, byte type, ReadOnlySpan<byte> key) =>
        string.Create(CultureInfo.InvariantCulture, $"{name}+{keyId:x8}+{Convert.ToBase64String([type, .. key])}");

    /// <summary>Splits <c>name+hex8+base64</c>; false when the shape is wrong.</summary>
    public static bool TrySplitKey(string encoded, out string name, out uint keyId, out byte[] payload)
    {
        name = "";
        keyId = 0;
        payload = [];
        string[] parts = encoded.Split('+', 3);
        if (parts.Length != 3 || !IsValidName(parts[0]) || parts[1].Length != 8
            || !uint.TryParse(parts[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out keyId)
            || parts[1].Any(char.IsUpper))
        {
            return false;
        }

        try
        {
            payload = Convert.FromBase64String(parts[2]);
        }
        catch (FormatException)
        {
            return false;
        }

        name = parts[0];
        return payload.Length > 1 && Convert.ToBase64String(payload) == parts[2];
    }
}
