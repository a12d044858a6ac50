using System.Text.Json.Nodes;
using ContainerSec.Conformance;

namespace ContainerSec.Tests.Conformance;

/// <summary>
/// The Merkle, signed-note and checkpoint suites: every shared file runs with no failure, and a
/// corrupted vector of each kind (hash, proof entry, expectation, size, note) is reported as a failure.
/// </summary>
public sealed class MerkleSuiteTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("containersec-merkle-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Fact]
    public void RunFile_EverySharedMerkleFile_RunsWithoutFailure()
    {
        var files = ConformanceRunner.Expand([SharedData.PathOf("testvectors", "merkle")]);

        Assert.True(files.Count >= 125);
        foreach (var (path, name) in files)
        {
            FileResult result = ConformanceRunner.RunFile(path, name);
            Assert.True(result.Status == FileStatus.Ran, result.Summary());
            Assert.True(result.Failed == 0, string.Join(Environment.NewLine, result.Failures));
            Assert.True(result.Passed > 0, result.Summary());
        }
    }

    [Theory]
    [InlineData("transparency-dev-merkle/inclusion/1/happy-path.json")]
    [InlineData("transparency-dev-merkle/consistency/1/happy-path.json")]
    [InlineData("transparency-dev-merkle/inclusion/1/modified-proof[0]-bit-@3.json")]
    [InlineData("transparency-dev-merkle/consistency/additional/size1-is-zero-and-size2-is-not-zero.json")]
    public void RunFile_ProbeExpectationInverted_ReportsFailure(string file)
    {
        string path = Mutate(file, root => root["wantErr"] = !root["wantErr"]!.GetValue<bool>());

        Assert.Equal(1, ConformanceRunner.RunFile(path).Failed);
    }

    [Theory]
    [InlineData("transparency-dev-merkle/inclusion/1/happy-path.json", "proof")]
    [InlineData("transparency-dev-merkle/inclusion/3/happy-path.json", "root")]
    [InlineData("transparency-dev-merkle/inclusion/0/happy-path.json", "leafHash")]
    [InlineData("transparency-dev-merkle/consistency/2/happy-path.json", "proof")]
    [InlineData("transparency-dev-merkle/consistency/1/happy-path.json", "root1")]
    [InlineData("transparency-dev-merkle/consistency/1/happy-path.json", "root2")]
    public void RunFile_HappyPathBitFlipped_ReportsFailure(string file, string field)
    {
        string path = Mutate(file, root =>
        {
            JsonNode target = root[field]!;
            if (target is JsonArray proof)
            {
                proof[proof.Count - 1] = FlipBase64(proof[proof.Count - 1]!.GetValue<string>());
            }
            else
            {
                root[field] = FlipBase64(target.GetValue<string>());
            }
        });

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.Equal(1, result.Failed);
        Assert.Contains("rejected", result.Failures[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("derived/reference-tree-all-proofs.json", "inclusion")]
    [InlineData("derived/reference-tree-all-proofs.json", "consistency")]
    [InlineData("derived/leafN-100-tree.json", "inclusion")]
    [InlineData("derived/leafN-100-tree.json", "consistency")]
    [InlineData("transcribed/proofgen-tables.json", "inclusion")]
    [InlineData("transcribed/proofgen-tables.json", "consistency")]
    public void RunFile_TableProofEntryCorrupted_FailsVerificationAndGeneration(string file, string table)
    {
        string path = Mutate(file, root =>
        {
            JsonArray proof = root[table]!.AsArray().Select(e => e!["proofHex"]!.AsArray()).Last(p => p.Count > 0);
            proof[0] = FlipHex(proof[0]!.GetValue<string>());
        });

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.Equal(2, result.Failed);
        Assert.Contains(result.Failures, f => f.Contains("was rejected", StringComparison.Ordinal));
        Assert.Contains(result.Failures, f => f.Contains("differs", StringComparison.Ordinal));
    }

    [Fact]
    public void RunFile_LeafN100RootCorrupted_ReportsFailure()
    {
        string path = Mutate("derived/leafN-100-tree.json", root => root["roots"]![5]!["rootHex"] = FlipHex(root["roots"]![5]!["rootHex"]!.GetValue<string>()));

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.Equal(1, result.Failed);
        Assert.StartsWith("roots[5]", result.Failures[0], StringComparison.Ordinal);
    }

    [Fact]
    public void RunFile_LeafInputFormatChanged_GenerationFails()
    {
        string path = Mutate("derived/leafN-100-tree.json", root => root["leafInputFormat"] = "leaf-%d (ASCII), i = 0..99");

        FileResult result = ConformanceRunner.RunFile(path);

        // Every generated root and proof now differs (67 roots, 10 + 10 proofs); verification is unaffected.
        Assert.Equal(87, result.Failed);
    }

    [Fact]
    public void RunFile_ProofgenLeafInputCorrupted_ReportsFailure()
    {
        string path = Mutate("transcribed/proofgen-tables.json", root => root["inclusion"]![2]!["leafInputHex"] = "11");

        Assert.Equal(1, ConformanceRunner.RunFile(path).Failed);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(3)]
    public void RunFile_HasherVectorCorrupted_ReportsFailure(int index)
    {
        string path = Mutate("transcribed/rfc6962-reference-tree.json", root =>
            root["hasherVectors"]![index]!["want"] = FlipHex(root["hasherVectors"]![index]!["want"]!.GetValue<string>()));

        Assert.Equal(1, ConformanceRunner.RunFile(path).Failed);
    }

    [Fact]
    public void RunFile_ReferenceRootCorrupted_ReportsRootAndProofFailures()
    {
        string path = Mutate("transcribed/rfc6962-reference-tree.json", root =>
            root["rootHashesBySizeHex"]![5] = FlipHex(root["rootHashesBySizeHex"]![5]!.GetValue<string>()));

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.Contains(result.Failures, f => f.StartsWith("rootHashesBySizeHex[5]", StringComparison.Ordinal));
        Assert.Contains(result.Failures, f => f.StartsWith("inclusion(0,5)", StringComparison.Ordinal));
        Assert.Contains(result.Failures, f => f.StartsWith("consistency(5,8)", StringComparison.Ordinal));
    }

    [Fact]
    public void RunFile_SignedNoteExpectedSignatureCorrupted_ReportsFailure()
    {
        string path = Mutate("transcribed/signed-note.json", root =>
        {
            JsonNode sign = root["vectors"]!.AsArray().First(v => v!["op"]!.GetValue<string>() == "sign")!;
            sign["expectedNote"] = sign["expectedNote"]!.GetValue<string>().Replace("x08go", "x08gp", StringComparison.Ordinal);
        });

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.Equal(1, result.Failed);
        Assert.Contains("differs", result.Failures[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("open-peter-ok", "error:invalid-signature")]
    [InlineData("open-invalid-signature", "ok")]
    [InlineData("open-no-trusted-key", "ok")]
    [InlineData("open-malformed-control-char", "error:unverified")]
    public void RunFile_SignedNoteExpectationChanged_ReportsFailure(string id, string expect)
    {
        string path = Mutate("transcribed/signed-note.json", root =>
            root["vectors"]!.AsArray().First(v => v!["id"]!.GetValue<string>() == id)!["expect"] = expect);

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.Equal(1, result.Failed);
        Assert.StartsWith(id, result.Failures[0], StringComparison.Ordinal);
    }

    [Fact]
    public void RunFile_SignedNoteKeyIdCorrupted_ReportsFailure()
    {
        string path = Mutate("transcribed/signed-note.json", root => root["keys"]![1]!["keyIdHex"] = "530d903b");

        Assert.Equal(1, ConformanceRunner.RunFile(path).Failed);
    }

    [Theory]
    [InlineData("parse-bad-size-hex", "ok")]
    [InlineData("parse-bad-root-base64", "ok")]
    [InlineData("parse-bad-origin", "ok")]
    [InlineData("parse-ok", "error")]
    public void RunFile_CheckpointExpectationChanged_ReportsFailure(string id, string expect)
    {
        string path = Mutate("transcribed/checkpoint-body.json", root =>
            root["vectors"]!.AsArray().First(v => v!["id"]!.GetValue<string>() == id)!["expect"] = expect);

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.Equal(1, result.Failed);
        Assert.StartsWith(id, result.Failures[0], StringComparison.Ordinal);
    }

    [Fact]
    public void RunFile_CheckpointFormatOrSizeCorrupted_ReportsFailure()
    {
        string format = Mutate("transcribed/checkpoint-body.json", root => root["vectors"]![0]!["treeSize"] = 123456789013L);
        string size = Mutate("transcribed/checkpoint-body.json", root => root["vectors"]![1]!["treeSize"] = 1L, "size.json");

        Assert.Equal(1, ConformanceRunner.RunFile(format).Failed);
        Assert.Equal(1, ConformanceRunner.RunFile(size).Failed);
    }

    private static string FlipBase64(string base64)
    {
        byte[] bytes = Convert.FromBase64String(base64);
        bytes[0] ^= 0x10;
        return Convert.ToBase64String(bytes);
    }

    private static string FlipHex(string hex)
    {
        byte[] bytes = Convert.FromHexString(hex);
        bytes[^1] ^= 0x01;
        return Convert.ToHexStringLower(bytes);
    }

    private string Mutate(string file, Action<JsonNode> change, string name = "vectors.json")
    {
        JsonNode root = JsonNode.Parse(File.ReadAllText(SharedData.PathOf("testvectors", "merkle", file)))!;
        change(root);
        string path = Path.Combine(_scratch, name);
        File.WriteAllText(path, root.ToJsonString());
        return path;
    }
}
