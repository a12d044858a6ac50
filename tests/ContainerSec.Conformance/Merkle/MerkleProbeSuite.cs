using System.Text.Json;
using ContainerSec.Audit;
using static ContainerSec.Conformance.Merkle.MerkleJson;

namespace ContainerSec.Conformance.Merkle;

/// <summary>
/// transparency-dev/merkle <c>testdata/inclusion</c> and <c>testdata/consistency</c> probes: one
/// case per file (standard base64 byte strings, <c>null</c> = empty proof). <c>wantErr: false</c>
/// must verify through <see cref="MerkleProof"/>, <c>wantErr: true</c> must fail (the verifier
/// returns false; it never throws for a bad proof, so an exception is a failure either way).
/// </summary>
internal static class MerkleProbeSuite
{
    public const string InclusionSchema = "merkle inclusion probe";
    public const string ConsistencySchema = "merkle consistency probe";

    public static bool IsInclusion(JsonElement root) => Has(root, "leafIdx", "treeSize", "leafHash", "proof", "wantErr");

    public static bool IsConsistency(JsonElement root) => Has(root, "size1", "size2", "root1", "root2", "proof", "wantErr");

    public static void RunInclusion(JsonElement root, FileResult result)
    {
        string id = OptionalString(root, "desc") ?? "inclusion";
        ulong index = U64(root, "leafIdx"), size = U64(root, "treeSize");
        byte[] leafHash = Base64(root, "leafHash"), expectedRoot = Base64(root, "root");
        byte[][] proof = List(root, "proof", hex: false);
        bool wantErr = root.GetProperty("wantErr").GetBoolean();
        Guard(result, id, () =>
        {
            bool ok = MerkleProof.VerifyInclusion(index, size, leafHash, proof, expectedRoot);
            Check(result, id, ok != wantErr, wantErr ? "a bad inclusion proof verified" : "a good inclusion proof was rejected",
                wantErr ? "rejected as expected" : "verified");
        });
    }

    public static void RunConsistency(JsonElement root, FileResult result)
    {
        string id = OptionalString(root, "desc") ?? "consistency";
        ulong size1 = U64(root, "size1"), size2 = U64(root, "size2");
        byte[] root1 = Base64(root, "root1"), root2 = Base64(root, "root2");
        byte[][] proof = List(root, "proof", hex: false);
        bool wantErr = root.GetProperty("wantErr").GetBoolean();
        Guard(result, id, () =>
        {
            bool ok = MerkleProof.VerifyConsistency(size1, size2, proof, root1, root2);
            Check(result, id, ok != wantErr, wantErr ? "a bad consistency proof verified" : "a good consistency proof was rejected",
                wantErr ? "rejected as expected" : "verified");
        });
    }

    internal static bool Has(JsonElement root, params string[] names) =>
        root.ValueKind == JsonValueKind.Object && names.All(n => root.TryGetProperty(n, out _));
}
