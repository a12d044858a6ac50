using System.Text.Json;
using ContainerSec.Audit;
using ContainerSec.Cryptography;
using static ContainerSec.Conformance.Merkle.MerkleJson;

namespace ContainerSec.Conformance.Merkle;

/// <summary>
/// c2sp.org/tlog-checkpoint body vectors (<c>vectors[]</c> with <c>body</c> or <c>expectBody</c>).
/// <c>format</c> vectors: <see cref="Checkpoint.ToBody"/> equals <c>expectBody</c>. Parse vectors:
/// <see cref="Checkpoint.TryParse"/> succeeds exactly when <c>expect</c> is <c>ok</c>, with the given
/// <c>treeSize</c> / <c>rootHashHex</c>; each ok body is also signed (Ed25519 and ECDSA P-256) and
/// opened again through <see cref="Checkpoint.Open"/>.
/// </summary>
/// <remarks>
/// Origin policy: the expected origin is the <c>origin</c> of the file's first format vector
/// (golang/mod checks its own origin); a file without one parses with any origin.
/// </remarks>
internal static class CheckpointBodySuite
{
    public const string Schema = "checkpoint body vectors";

    public static bool Recognizes(JsonElement root) =>
        MerkleProbeSuite.Has(root, "vectors") && root.GetProperty("vectors").ValueKind == JsonValueKind.Array
        && root.GetProperty("vectors").EnumerateArray().Any(v => v.ValueKind == JsonValueKind.Object && (v.TryGetProperty("body", out _) || v.TryGetProperty("expectBody", out _)));

    public static void Run(JsonElement root, FileResult result)
    {
        string? expectedOrigin = Array(root, "vectors").Select(v => OptionalString(v, "origin")).FirstOrDefault(o => o is not null);
        int n = 0;
        foreach (JsonElement vector in Array(root, "vectors"))
        {
            string id = OptionalString(vector, "id") ?? $"vectors[{n}]";
            n++;
            if (vector.TryGetProperty("expectBody", out _))
            {
                string origin = vector.GetProperty("origin").GetString()!;
                ulong size = U64(vector, "treeSize");
                byte[] rootHash = Base64(vector, "rootHashB64");
                string want = vector.GetProperty("expectBody").GetString()!;
                Guard(result, id, () =>
                {
                    string body = new Checkpoint(origin, size, rootHash).ToBody();
                    Check(result, id, body == want, $"body is '{body}', want '{want}'", "formatted");
                });
                continue;
            }

            string text = vector.GetProperty("body").GetString()!;
            bool ok = vector.GetProperty("expect").GetString() == "ok";
            ulong? wantSize = vector.TryGetProperty("treeSize", out _) ? U64(vector, "treeSize") : null;
            byte[]? wantRoot = OptionalString(vector, "rootHashHex") is { } hex ? Convert.FromHexString(hex) : null;
            Guard(result, id, () =>
            {
                bool parsed = Checkpoint.TryParse(text, expectedOrigin, out Checkpoint? checkpoint);
                if (!ok)
                {
                    Check(result, id, !parsed, "a bad body parsed", "rejected");
                    return;
                }

                bool same = parsed && (wantSize is null || checkpoint!.TreeSize == wantSize)
                    && (wantRoot is null || checkpoint!.RootHash.AsSpan().SequenceEqual(wantRoot))
                    && checkpoint!.ToBody() == text;
                Check(result, id, same, parsed ? $"parsed as {checkpoint} with other values, or does not format back" : "a good body was rejected", "parsed");
                if (same)
                {
                    SignAndOpen(result, id, checkpoint!);
                }
            });
        }
    }

    private static void SignAndOpen(FileResult result, string id, Checkpoint checkpoint)
    {
        foreach (SignatureAlgorithm algorithm in new[] { SignatureAlgorithm.Ed25519, SignatureAlgorithm.EcdsaP256Sha256Der })
        {
            using var signer = new NoteSigner("example.com/log", SigningKey.Generate(algorithm));
            using NoteVerifier verifier = NoteVerifier.Parse(signer.VerifierKey);
            string note = checkpoint.Sign(signer);
            NoteOpenStatus status = Checkpoint.Open(note, [verifier], checkpoint.Origin, out Checkpoint? opened);
            Check(result, id, status == NoteOpenStatus.Verified && opened!.ToBody() == checkpoint.ToBody(),
                $"{algorithm.Name}-signed checkpoint opened as {status}", $"signed and opened ({algorithm.Name})");
        }
    }
}
