using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ContainerSec.Audit;
using static ContainerSec.Conformance.Merkle.MerkleJson;

namespace ContainerSec.Conformance.Merkle;

/// <summary>
/// Proof tables (<c>inclusion[]</c>, <c>consistency[]</c>, optional <c>roots[]</c>): every entry
/// is checked both ways. <b>Verification</b>: <c>valid: true</c> must verify through
/// <see cref="MerkleProof"/>, <c>valid: false</c> must not. <b>Generation</b>: a
/// <see cref="MerkleTree"/> is built from the leaf inputs and must produce the root and the proof
/// byte for byte (and the leaf hash of <c>leafInputHex</c> where given).
/// </summary>
/// <remarks>
/// Leaf inputs come from the file: <c>leafInputsHex[]</c>, or <c>leafInputFormat</c> (a
/// <c>%d</c> template such as <c>leaf %d</c>, its range read from <c>i = A..B</c> or else up to
/// the largest size in the file). A table without either (transparency-dev <c>cmd/proofgen</c>)
/// is generated from the RFC 6962 reference leaves, which those tables are defined over; when an
/// entry's root does not match them, its generation check is skipped with that reason and the
/// entry is verified only.
/// </remarks>
internal static partial class MerkleTableSuite
{
    public const string Schema = "merkle proof tables";

    /// <summary>The RFC 6962 reference leaf inputs (transparency-dev/merkle testonly LeafInputs).</summary>
    private static readonly string[] ReferenceLeavesHex =
        ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];

    public static bool Recognizes(JsonElement root) => MerkleProbeSuite.Has(root, "inclusion", "consistency");

    public static void Run(JsonElement root, FileResult result)
    {
        ulong largest = LargestSize(root);
        (byte[][] leaves, bool fromFile) = LeafInputs(root, largest);
        using var tree = new MerkleTree();
        foreach (byte[] leaf in leaves)
        {
            tree.Append(leaf);
        }

        int n = 0;
        foreach (JsonElement entry in Array(root, "roots"))
        {
            string id = $"roots[{n++}]";
            ulong size = U64(entry, "treeSize");
            byte[] want = Hex(entry, "rootHex");
            Guard(result, id, () => Generated(result, id, tree, fromFile, size, want, () =>
                Check(result, id, tree.GetRoot(size).AsSpan().SequenceEqual(want), $"root of size {size} is {Hex(tree.GetRoot(size))}, want {Hex(want)}", "roots generated")));
        }

        n = 0;
        foreach (JsonElement entry in Array(root, "inclusion"))
        {
            string id = OptionalString(entry, "id") ?? $"inclusion[{n}]";
            n++;
            ulong index = U64(entry, "leafIndex"), size = U64(entry, "treeSize");
            byte[] leafHash = Hex(entry, "leafHashHex"), expectedRoot = Hex(entry, "rootHex");
            byte[][] proof = List(entry, "proofHex", hex: true);
            bool valid = !entry.TryGetProperty("valid", out JsonElement v) || v.GetBoolean();
            byte[]? leafInput = OptionalString(entry, "leafInputHex") is { } hex ? Convert.FromHexString(hex) : null;
            Guard(result, id, () =>
            {
                bool ok = MerkleProof.VerifyInclusion(index, size, leafHash, proof, expectedRoot);
                Check(result, id, ok == valid, valid ? "a valid inclusion proof was rejected" : "an invalid inclusion proof verified", "inclusion verified");
                if (leafInput is not null)
                {
                    using var hasher = new MerkleHasher();
                    Check(result, id, hasher.HashLeaf(leafInput).AsSpan().SequenceEqual(leafHash), "leafHashHex is not the leaf hash of leafInputHex", "leaf hashes generated");
                }

                if (valid)
                {
                    Generated(result, id, tree, fromFile, size, expectedRoot, () =>
                    {
                        byte[][] generated = tree.GetInclusionProof(index, size);
                        bool same = SameProof(generated, proof) && tree.GetLeafHash(index).AsSpan().SequenceEqual(leafHash);
                        Check(result, id, same, $"generated inclusion proof {Hex(generated)} differs from {Hex(proof)}", "inclusion generated");
                    });
                }
            });
        }

        n = 0;
        foreach (JsonElement entry in Array(root, "consistency"))
        {
            string id = OptionalString(entry, "id") ?? $"consistency[{n}]";
            n++;
            ulong size1 = U64(entry, "size1"), size2 = U64(entry, "size2");
            byte[] root1 = Hex(entry, "root1Hex"), root2 = Hex(entry, "root2Hex");
            byte[][] proof = List(entry, "proofHex", hex: true);
            bool valid = !entry.TryGetProperty("valid", out JsonElement v) || v.GetBoolean();
            Guard(result, id, () =>
            {
                bool ok = MerkleProof.VerifyConsistency(size1, size2, proof, root1, root2);
                Check(result, id, ok == valid, valid ? "a valid consistency proof was rejected" : "an invalid consistency proof verified", "consistency verified");
                if (valid && size1 > 0)
                {
                    Generated(result, id, tree, fromFile, size2, root2, () =>
                    {
                        byte[][] generated = tree.GetConsistencyProof(size1, size2);
                        bool same = SameProof(generated, proof) && tree.GetRoot(size1).AsSpan().SequenceEqual(root1);
                        Check(result, id, same, $"generated consistency proof {Hex(generated)} differs from {Hex(proof)}", "consistency generated");
                    });
                }
            });
        }
    }

    /// <summary>Runs a generation check when the tree can produce it (see the class remarks).</summary>
    private static void Generated(FileResult result, string id, MerkleTree tree, bool fromFile, ulong size, byte[] expectedRoot, Action check)
    {
        if (size > tree.Size)
        {
            if (fromFile)
            {
                result.Fail(id, $"the file's leaf inputs give {tree.Size} leaves, fewer than size {size}");
            }
            else
            {
                result.Skip("generation: the file names no leaf inputs for this size");
            }

            return;
        }

        if (!fromFile && !tree.GetRoot(size).AsSpan().SequenceEqual(expectedRoot))
        {
            result.Skip("generation: the file names no leaf inputs and its root is not over the RFC 6962 reference leaves");
            return;
        }

        check();
    }

    private static ulong LargestSize(JsonElement root)
    {
        ulong largest = 0;
        foreach (JsonElement e in Array(root, "inclusion"))
        {
            largest = Math.Max(largest, U64(e, "treeSize"));
        }

        foreach (JsonElement e in Array(root, "consistency"))
        {
            largest = Math.Max(largest, U64(e, "size2"));
        }

        foreach (JsonElement e in Array(root, "roots"))
        {
            largest = Math.Max(largest, U64(e, "treeSize"));
        }

        return largest;
    }

    private static (byte[][] Leaves, bool FromFile) LeafInputs(JsonElement root, ulong largest)
    {
        if (root.TryGetProperty("leafInputsHex", out _))
        {
            return (List(root, "leafInputsHex", hex: true), true);
        }

        if (OptionalString(root, "leafInputFormat") is { } format)
        {
            int paren = format.IndexOf(" (", StringComparison.Ordinal);
            string template = paren >= 0 ? format[..paren] : format;
            if (!template.Contains("%d", StringComparison.Ordinal))
            {
                throw new FormatException($"leafInputFormat '{format}' has no %d");
            }

            Match range = RangePattern().Match(format);
            ulong first = range.Success ? ulong.Parse(range.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
            ulong last = range.Success ? ulong.Parse(range.Groups[2].Value, CultureInfo.InvariantCulture) : largest - 1;
            if (last < first || last - first >= (ulong)MerkleTree.MaxSize)
            {
                throw new FormatException($"leafInputFormat '{format}' names an unusable range");
            }

            var leaves = new byte[last - first + 1][];
            for (ulong i = first; i <= last; i++)
            {
                leaves[i - first] = Encoding.UTF8.GetBytes(template.Replace("%d", i.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
            }

            return (leaves, true);
        }

        return ([.. ReferenceLeavesHex.Select(Convert.FromHexString)], false);
    }

    [GeneratedRegex(@"(\d+)\s*\.\.\s*(\d+)")]
    private static partial Regex RangePattern();
}
