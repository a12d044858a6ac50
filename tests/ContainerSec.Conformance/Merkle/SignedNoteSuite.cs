using System.Text;
using System.Text.Json;
using ContainerSec.Audit;
using ContainerSec.Cryptography;
using static ContainerSec.Conformance.Merkle.MerkleJson;

namespace ContainerSec.Conformance.Merkle;

/// <summary>
/// C2SP signed-note vectors (<c>keys[]</c>, <c>vectors[]</c>). Keys: every <c>vkey</c> parses with
/// <see cref="NoteVerifier.Parse"/> to the published name and key ID, and every <c>skey</c> imports
/// with <see cref="NoteSigner.ParseSignerKey"/> to a signer whose verifier key is the <c>vkey</c>.
/// <c>sign</c>: the signed note equals <c>expectedNote</c> byte for byte (for Ed25519, which is
/// deterministic; a randomised algorithm is checked by opening instead). <c>open</c>: the status is
/// <c>expect</c> (<c>ok</c>, <c>error:malformed</c>, <c>error:unverified</c>,
/// <c>error:invalid-signature</c>) and the text and verified / unverified names are as given.
/// </summary>
internal static class SignedNoteSuite
{
    public const string Schema = "signed note vectors";

    public static bool Recognizes(JsonElement root) => MerkleProbeSuite.Has(root, "keys", "vectors");

    public static void Run(JsonElement root, FileResult result)
    {
        var vkeys = new Dictionary<string, string>(StringComparer.Ordinal);
        var skeys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (JsonElement key in Array(root, "keys"))
        {
            string id = key.GetProperty("id").GetString()!;
            string vkey = key.GetProperty("vkey").GetString()!;
            vkeys[id] = vkey;
            string? skey = OptionalString(key, "skey");
            if (skey is not null)
            {
                skeys[id] = skey;
            }

            string? name = OptionalString(key, "name"), keyIdHex = OptionalString(key, "keyIdHex");
            Guard(result, $"key {id}", () =>
            {
                using NoteVerifier verifier = NoteVerifier.Parse(vkey);
                bool same = (name is null || verifier.Name == name) && (keyIdHex is null || verifier.KeyId.ToString("x8", System.Globalization.CultureInfo.InvariantCulture) == keyIdHex)
                    && verifier.VerifierKey == vkey;
                Check(result, $"key {id}", same, $"verifier key parsed as {verifier}", "keys parsed");
                if (skey is not null)
                {
                    using NoteSigner signer = NoteSigner.ParseSignerKey(skey);
                    Check(result, $"key {id}", signer.VerifierKey == vkey, $"signer key gives verifier key {signer.VerifierKey}, want {vkey}", "signer keys imported");
                }
            });
        }

        int n = 0;
        foreach (JsonElement vector in Array(root, "vectors"))
        {
            string id = OptionalString(vector, "id") ?? $"vectors[{n}]";
            n++;
            string op = vector.GetProperty("op").GetString()!;
            switch (op)
            {
                case "sign":
                    RunSign(vector, id, skeys, vkeys, result);
                    break;
                case "open":
                    RunOpen(vector, id, vkeys, result);
                    break;
                default:
                    result.Fail(id, $"unknown op '{op}'");
                    break;
            }
        }
    }

    private static void RunSign(JsonElement vector, string id, Dictionary<string, string> skeys, Dictionary<string, string> vkeys, FileResult result)
    {
        string signerId = vector.GetProperty("signer").GetString()!;
        string text = vector.GetProperty("text").GetString()!;
        string expected = vector.GetProperty("expectedNote").GetString()!;
        string skey = skeys[signerId];
        string vkey = vkeys[signerId];
        Guard(result, id, () =>
        {
            using NoteSigner signer = NoteSigner.ParseSignerKey(skey);
            using NoteVerifier verifier = NoteVerifier.Parse(vkey);
            string note = signer.Sign(text);
            bool deterministic = verifier.Algorithm == SignatureAlgorithm.Ed25519;
            Check(result, id, !deterministic || note == expected, $"signed note differs:\n{note}\nwant\n{expected}", "signed byte for byte");
            NoteOpenStatus status = SignedNote.Open(note, [verifier], out SignedNote? opened);
            Check(result, id, status == NoteOpenStatus.Verified && opened!.Text == text, $"own note opened as {status}", "own notes opened");
        });
    }

    private static void RunOpen(JsonElement vector, string id, Dictionary<string, string> vkeys, FileResult result)
    {
        string[] trustedIds = [.. Array(vector, "trusted").Select(t => t.GetString()!)];
        string[] trustedKeys = [.. trustedIds.Select(t => vkeys[t])];
        byte[] note = OptionalString(vector, "noteBase64") is { } b64
            ? Convert.FromBase64String(b64)
            : Encoding.UTF8.GetBytes(vector.GetProperty("note").GetString()!);
        string expect = vector.GetProperty("expect").GetString()!;
        NoteOpenStatus want = expect switch
        {
            "ok" => NoteOpenStatus.Verified,
            "error:malformed" => NoteOpenStatus.Malformed,
            "error:unverified" => NoteOpenStatus.Unverified,
            "error:invalid-signature" => NoteOpenStatus.InvalidSignature,
            _ => throw new FormatException($"unknown expect '{expect}'"),
        };
        string? expectText = OptionalString(vector, "expectText");
        string[]? verifiedNames = vector.TryGetProperty("expectVerifiedNames", out _) ? [.. Array(vector, "expectVerifiedNames").Select(e => e.GetString()!)] : null;
        string[]? unverifiedNames = vector.TryGetProperty("expectUnverifiedNames", out _) ? [.. Array(vector, "expectUnverifiedNames").Select(e => e.GetString()!)] : null;
        Guard(result, id, () =>
        {
            NoteVerifier[] verifiers = [.. trustedKeys.Select(NoteVerifier.Parse)];
            try
            {
                NoteOpenStatus status = SignedNote.Open(note, verifiers, out SignedNote? opened);
                bool ok = status == want;
                if (ok && opened is not null)
                {
                    ok = (expectText is null || opened.Text == expectText)
                        && (verifiedNames is null || opened.Signatures.Select(s => s.Name).SequenceEqual(verifiedNames))
                        && (unverifiedNames is null || opened.UnverifiedSignatures.Select(s => s.Name).SequenceEqual(unverifiedNames));
                }

                Check(result, id, ok, $"opened as {status}, want {want} (or text/names differ)", $"opened: {expect}");
            }
            finally
            {
                foreach (NoteVerifier verifier in verifiers)
                {
                    verifier.Dispose();
                }
            }
        });
    }
}
