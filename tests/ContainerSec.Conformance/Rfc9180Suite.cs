using System.Text.Json;
using ContainerSec.Cryptography;

namespace ContainerSec.Conformance;

/// <summary>
/// The RFC 9180 test vectors (a JSON array of entries with <c>mode</c>, <c>kem_id</c>, <c>kdf_id</c>,
/// <c>aead_id</c>…), run through the public API. Per entry, three kinds of case:
/// <list type="bullet">
/// <item>setup (1): <see cref="HpkeKem.DeriveKeyPair"/> of <c>ikmR</c>, <c>ikmE</c> (and <c>ikmS</c>) gives
/// <c>skRm/pkRm</c>, <c>skEm/pkEm</c> (<c>skSm/pkSm</c>); the sender set up with <c>ikmE</c>
/// (<see cref="HpkeSuite.SetupSenderForTesting"/>) produces <c>enc</c>, in the mode the entry names; and a
/// recipient context sets up from <c>enc</c>;</item>
/// <item>each encryption (257 per entry): the sender seals <c>pt</c> with <c>aad</c> to exactly <c>ct</c> and
/// the recipient opens <c>ct</c> back to <c>pt</c>, in sequence; the first one also through the single-shot
/// <see cref="HpkeSuite.Open"/>;</item>
/// <item>each export: both contexts export <c>exported_value</c> for <c>exporter_context</c> and <c>L</c>.</item>
/// </list>
/// KEM, KDF and AEAD ids the library does not offer are skipped with the reason, one skip per case the entry would have had.
/// </summary>
public static class Rfc9180Suite
{
    public const string Schema = "rfc9180 hpke test vectors";

    /// <summary>True for a non-empty array whose first element is an object with <c>kem_id</c>.</summary>
    public static bool Recognizes(JsonElement root) =>
        root.ValueKind == JsonValueKind.Array && root.GetArrayLength() > 0
        && root[0].ValueKind == JsonValueKind.Object && root[0].TryGetProperty("kem_id", out _);

    public static void Run(JsonElement root, FileResult result)
    {
        int index = 0;
        foreach (JsonElement entry in root.EnumerateArray())
        {
            RunEntry(entry, $"entry {index++}", result);
        }
    }

    private static void RunEntry(JsonElement entry, string id, FileResult result)
    {
        int mode = entry.GetProperty("mode").GetInt32();
        int kemId = entry.GetProperty("kem_id").GetInt32(), kdfId = entry.GetProperty("kdf_id").GetInt32(), aeadId = entry.GetProperty("aead_id").GetInt32();
        JsonElement encryptions = entry.TryGetProperty("encryptions", out JsonElement e) && e.ValueKind == JsonValueKind.Array ? e : default;
        JsonElement exports = entry.GetProperty("exports");
        int cases = 1 + (encryptions.ValueKind == JsonValueKind.Array ? encryptions.GetArrayLength() : 0) + exports.GetArrayLength();
        id = $"{id} (mode {mode}, kem 0x{kemId:x4}, kdf 0x{kdfId:x4}, aead 0x{aeadId:x4})";

        HpkeKem? kem = kemId switch { 0x10 => HpkeKem.DhKemP256HkdfSha256, 0x20 => HpkeKem.DhKemX25519HkdfSha256, _ => null };
        HpkeKdf? kdf = kdfId == 1 ? HpkeKdf.HkdfSha256 : null;
        HpkeAead? aead = aeadId switch { 1 => HpkeAead.Aes128Gcm, 2 => HpkeAead.Aes256Gcm, 0xFFFF => HpkeAead.ExportOnly, _ => null };
        string? notOffered = kem is null ? $"HPKE KEM 0x{kemId:x4} is not offered (DHKEM P-256 and X25519 only)"
            : kdf is null ? $"HPKE KDF 0x{kdfId:x4} is not offered (HKDF-SHA256 only)"
            : aead is null ? $"HPKE AEAD 0x{aeadId:x4} is not offered (AES-128-GCM, AES-256-GCM, Export-only)"
            : null;
        if (notOffered is not null)
        {
            for (int i = 0; i < cases; i++)
            {
                result.Skip(notOffered);
            }

            return;
        }

        var suite = new HpkeSuite(kem!, kdf!, aead!);
        try
        {
            RunSupported(suite, mode, entry, encryptions, exports, id, result);
        }
#pragma warning disable CA1031 // Any library exception fails the entry's remaining cases, never the runner.
        catch (Exception ex) when (ex is not (KeyNotFoundException or FormatException or InvalidOperationException { Source: "System.Text.Json" }))
#pragma warning restore CA1031
        {
            result.Fail(id, $"unexpected {ex.GetType().Name} ({ex.Message})");
        }
    }

    private static void RunSupported(HpkeSuite suite, int mode, JsonElement entry, JsonElement encryptions, JsonElement exports, string id, FileResult result)
    {
        byte[] info = Hex(entry, "info");
        byte[] psk = mode is 1 or 3 ? Hex(entry, "psk") : [], pskId = mode is 1 or 3 ? Hex(entry, "psk_id") : [];
        using KeyAgreementPrivateKey recipient = suite.Kem.DeriveKeyPair(Hex(entry, "ikmR"), KeyExportPolicy.AllowPlaintextExport);
        using KeyAgreementPrivateKey ephemeral = suite.Kem.DeriveKeyPair(Hex(entry, "ikmE"), KeyExportPolicy.AllowPlaintextExport);
        using KeyAgreementPrivateKey? sender = mode is 2 or 3 ? suite.Kem.DeriveKeyPair(Hex(entry, "ikmS"), KeyExportPolicy.AllowPlaintextExport) : null;
        byte[] enc = Hex(entry, "enc");

        string? setupProblem =
            !recipient.Export().AsSpan().SequenceEqual(Hex(entry, "skRm")) || !recipient.PublicKey.Export().AsSpan().SequenceEqual(Hex(entry, "pkRm")) ? "DeriveKeyPair(ikmR) differs from skRm/pkRm"
            : !ephemeral.Export().AsSpan().SequenceEqual(Hex(entry, "skEm")) || !ephemeral.PublicKey.Export().AsSpan().SequenceEqual(Hex(entry, "pkEm")) ? "DeriveKeyPair(ikmE) differs from skEm/pkEm"
            : sender is not null && (!sender.Export().AsSpan().SequenceEqual(Hex(entry, "skSm")) || !sender.PublicKey.Export().AsSpan().SequenceEqual(Hex(entry, "pkSm"))) ? "DeriveKeyPair(ikmS) differs from skSm/pkSm"
            : null;

        using HpkeSenderContext senderContext = suite.SetupSenderForTesting(Hex(entry, "ikmE"), recipient.PublicKey, info, sender, psk, pskId);
        using HpkeRecipientContext recipientContext = suite.SetupRecipient(enc, recipient, info, sender?.PublicKey, psk, pskId);
        setupProblem ??= !senderContext.EncapsulatedKey.SequenceEqual(enc) ? "the sender's encapsulated key differs from enc"
            : (int)senderContext.Mode != mode || (int)recipientContext.Mode != mode ? $"the contexts are in mode {senderContext.Mode}/{recipientContext.Mode}, not {mode}"
            : null;
        if (setupProblem is null)
        {
            result.Pass();
        }
        else
        {
            result.Fail(id, setupProblem);
        }

        if (encryptions.ValueKind == JsonValueKind.Array)
        {
            int sequence = 0;
            foreach (JsonElement encryption in encryptions.EnumerateArray())
            {
                CheckEncryption(suite, encryption, sequence++, enc, recipient, info, sender, psk, pskId, senderContext, recipientContext, id, result);
            }
        }

        foreach (JsonElement export in exports.EnumerateArray())
        {
            byte[] context = Hex(export, "exporter_context"), expected = Hex(export, "exported_value");
            int length = export.GetProperty("L").GetInt32();
            bool senderOk = senderContext.Export(context, length).AsSpan().SequenceEqual(expected);
            bool recipientOk = recipientContext.Export(context, length).AsSpan().SequenceEqual(expected);
            if (senderOk && recipientOk)
            {
                result.Pass();
            }
            else
            {
                result.Fail(id, $"export (context {export.GetProperty("exporter_context").GetString()}, L {length}) differs for the {(senderOk ? "recipient" : "sender")}");
            }
        }
    }

    private static void CheckEncryption(HpkeSuite suite, JsonElement encryption, int sequence, byte[] enc, KeyAgreementPrivateKey recipient, byte[] info,
        KeyAgreementPrivateKey? sender, byte[] psk, byte[] pskId, HpkeSenderContext senderContext, HpkeRecipientContext recipientContext, string id, FileResult result)
    {
        byte[] aad = Hex(encryption, "aad"), pt = Hex(encryption, "pt"), ct = Hex(encryption, "ct");
        byte[] sealedBytes = senderContext.Seal(pt, associatedData: aad);
        byte[] opened;
        try
        {
            opened = recipientContext.Open(ct, associatedData: aad);
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            result.Fail(id, $"encryption {sequence}: the recipient cannot open ct ({ex.GetType().Name})");
            return;
        }

        bool singleShotOk = sequence != 0 || suite.Open(enc, recipient, ct, info, aad, sender?.PublicKey, psk, pskId).AsSpan().SequenceEqual(pt);
        if (!sealedBytes.AsSpan().SequenceEqual(ct))
        {
            result.Fail(id, $"encryption {sequence}: the sender's ciphertext differs from ct");
        }
        else if (!opened.AsSpan().SequenceEqual(pt))
        {
            result.Fail(id, $"encryption {sequence}: the recipient's plaintext differs from pt");
        }
        else if (!singleShotOk)
        {
            result.Fail(id, "encryption 0: single-shot Open differs from pt");
        }
        else
        {
            result.Pass();
        }
    }

    private static byte[] Hex(JsonElement element, string name) => Convert.FromHexString(element.GetProperty(name).GetString() ?? "");
}
