using System.Text.Json;
using ContainerSec.Audit;
using static ContainerSec.Conformance.Merkle.MerkleJson;

namespace ContainerSec.Conformance.Merkle;

/// <summary>
/// The RFC 6962 reference tree: <c>hasherVectors[]</c> through <see cref="MerkleHasher"/> (the
/// node vector hashes children that are not 32 bytes), every root in <c>rootHashesBySizeHex</c>
/// and every complete-subtree hash in <c>nodeHashesByLevelHex</c> from a <see cref="MerkleTree"/>
/// built from <c>leafInputsHex</c>, and, for every size, every generated inclusion and
/// consistency proof verified against the published roots.
/// </summary>
internal static class MerkleReferenceTreeSuite
{
    public const string Schema = "merkle reference tree";

    public static bool Recognizes(JsonElement root) => MerkleProbeSuite.Has(root, "hasherVectors", "rootHashesBySizeHex");

    public static void Run(JsonElement root, FileResult result)
    {
        using var hasher = new MerkleHasher();
        int n = 0;
        foreach (JsonElement vector in Array(root, "hasherVectors"))
        {
            string id = OptionalString(vector, "desc") ?? $"hasherVectors[{n}]";
            n++;
            string kind = vector.GetProperty("kind").GetString()!;
            byte[] want = Hex(vector, "want");
            Guard(result, id, () =>
            {
                byte[]? got = kind switch
                {
                    "emptyRoot" => MerkleHasher.EmptyRoot,
                    "leaf" => hasher.HashLeaf(Hex(vector, "leafHex")),
                    "node" => hasher.HashChildren(Hex(vector, "leftHex"), Hex(vector, "rightHex")),
                    _ => null,
                };
                if (got is null)
                {
                    result.Fail(id, $"unknown hasher vector kind '{kind}'");
                    return;
                }

                Check(result, id, got.AsSpan().SequenceEqual(want), $"{kind} hash is {Hex(got)}, want {Hex(want)}", "hasher vectors");
            });
        }

        byte[][] leaves = List(root, "leafInputsHex", hex: true);
        using var tree = new MerkleTree();
        foreach (byte[] leaf in leaves)
        {
            tree.Append(leaf);
        }

        byte[][] roots = List(root, "rootHashesBySizeHex", hex: true);
        for (int size = 0; size < roots.Length; size++)
        {
            string id = $"rootHashesBySizeHex[{size}]";
            int s = size;
            Guard(result, id, () =>
            {
                if ((ulong)s > tree.Size)
                {
                    result.Fail(id, $"only {tree.Size} leaf inputs");
                    return;
                }

                byte[] got = tree.GetRoot((ulong)s);
                Check(result, id, got.AsSpan().SequenceEqual(roots[s]), $"root is {Hex(got)}, want {Hex(roots[s])}", "roots");
            });
        }

        int level = 0;
        foreach (JsonElement row in Array(root, "nodeHashesByLevelHex"))
        {
            byte[][] hashes = [.. row.EnumerateArray().Select(h => Convert.FromHexString(h.GetString()!))];
            for (int i = 0; i < hashes.Length; i++)
            {
                string id = $"nodeHashesByLevelHex[{level}][{i}]";
                int width = 1 << level, first = i * width;
                byte[] want = hashes[i];
                Guard(result, id, () =>
                {
                    using var subtree = new MerkleTree();
                    for (int j = first; j < first + width && j < leaves.Length; j++)
                    {
                        subtree.Append(leaves[j]);
                    }

                    byte[] got = subtree.Size == (ulong)width ? subtree.GetRoot() : [];
                    Check(result, id, got.AsSpan().SequenceEqual(want), $"subtree hash is {Hex(got)}, want {Hex(want)}", "subtree hashes");
                });
            }

            level++;
        }

        // Every proof the tree generates verifies against the published roots.
        for (int size = 1; size < roots.Length && (ulong)size <= tree.Size; size++)
        {
            for (int m = 0; m < size; m++)
            {
                string id = $"inclusion({m},{size})";
                int s = size, leaf = m;
                Guard(result, id, () => Check(result, id,
                    MerkleProof.VerifyInclusion((ulong)leaf, (ulong)s, tree.GetLeafHash((ulong)leaf), tree.GetInclusionProof((ulong)leaf, (ulong)s), roots[s]),
                    "generated inclusion proof does not verify against the published root", "generated proofs verified"));
            }

            for (int m = 1; m <= size; m++)
            {
                string id = $"consistency({m},{size})";
                int s = size, old = m;
                Guard(result, id, () => Check(result, id,
                    MerkleProof.VerifyConsistency((ulong)old, (ulong)s, tree.GetConsistencyProof((ulong)old, (ulong)s), roots[old], roots[s]),
                    "generated consistency proof does not verify against the published roots", "generated proofs verified"));
            }
        }
    }
}
