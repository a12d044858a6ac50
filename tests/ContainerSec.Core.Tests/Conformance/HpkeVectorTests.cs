using System.Text.Json.Nodes;
using ContainerSec.Conformance;

namespace ContainerSec.Tests.Conformance;

/// <summary>The RFC 9180 suite of the runner: every entry passes, corrupted vectors fail, unoffered ids are skipped.</summary>
public sealed class HpkeVectorTests : IDisposable
{
    private static readonly string[] Path9180 = ["testvectors", "hpke", "rfc9180-subset.json"];

    private readonly string _scratch = Directory.CreateTempSubdirectory("containersec-hpke-").FullName;

    [Fact]
    public void RunFile_SharedVectors_EveryEntryEncryptionAndExportPasses()
    {
        JsonArray entries = Load();
        int expected = entries.Sum(e => 1 + e!["encryptions"]!.AsArray().Count + e!["exports"]!.AsArray().Count);

        FileResult result = ConformanceRunner.RunFile(SharedData.PathOf(Path9180));

        Assert.Equal(FileStatus.Ran, result.Status);
        Assert.Equal(Rfc9180Suite.Schema, result.Schema);
        Assert.True(result.Failed == 0, string.Join(Environment.NewLine, result.Failures));
        Assert.Equal(16 * (1 + 257 + 3), expected);
        Assert.Equal(expected, result.Passed);
    }

    [Theory]
    [InlineData("ct", 0)]
    [InlineData("ct", 256)]
    [InlineData("pt", 100)]
    public void RunFile_EncryptionCorrupted_ReportsFailure(string field, int index)
    {
        FileResult result = RunMutated(entries =>
        {
            JsonObject encryption = entries[5]!["encryptions"]![index]!.AsObject();
            encryption[field] = FlipFirstHexDigit(encryption[field]!.GetValue<string>());
        });

        Assert.True(result.Failed >= 1);
        Assert.Contains("encryption", result.Failures[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("exported_value")]
    [InlineData("exporter_context")]
    public void RunFile_ExportCorrupted_ReportsFailure(string field)
    {
        FileResult result = RunMutated(entries =>
        {
            JsonObject export = entries[9]!["exports"]![1]!.AsObject();
            export[field] = FlipFirstHexDigit(export[field]!.GetValue<string>());
        });

        Assert.Equal(1, result.Failed);
        Assert.Contains("export", result.Failures[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("enc")]
    [InlineData("skRm")]
    [InlineData("pkEm")]
    public void RunFile_SetupValueCorrupted_ReportsFailure(string field)
    {
        FileResult result = RunMutated(entries => entries[2]![field] = FlipFirstHexDigit(entries[2]![field]!.GetValue<string>()));

        Assert.True(result.Failed >= 1);
    }

    [Fact]
    public void RunFile_ModeChanged_ReportsFailure()
    {
        FileResult withoutPsk = RunMutated(entries => entries.First(e => e!["mode"]!.GetValue<int>() == 1)!["mode"] = 0);
        FileResult missingPsk = RunMutated(entries => entries[0]!["mode"] = 1);

        Assert.True(withoutPsk.Failed >= 1);
        Assert.Equal(FileStatus.Error, missingPsk.Status);
        Assert.Equal(1, missingPsk.FailedForTotals);
    }

    [Theory]
    [InlineData("kem_id", 0x21, "HPKE KEM 0x0021 is not offered")]
    [InlineData("kdf_id", 2, "HPKE KDF 0x0002 is not offered")]
    [InlineData("aead_id", 3, "HPKE AEAD 0x0003 is not offered")]
    public void RunFile_IdNotOffered_SkippedWithReason(string field, int value, string reason)
    {
        FileResult result = RunMutated(entries => entries[0]![field] = value);

        Assert.Equal(0, result.Failed);
        Assert.Equal(261, result.Skipped);
        Assert.Contains(reason, result.Summary(), StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    private static JsonArray Load() => JsonNode.Parse(File.ReadAllText(SharedData.PathOf(Path9180)))!.AsArray();

    private static string FlipFirstHexDigit(string hex) => hex.Length == 0 ? "00" : (hex[0] == '0' ? '1' : '0') + hex[1..];

    private FileResult RunMutated(Action<JsonArray> change)
    {
        JsonArray entries = Load();
        change(entries);
        string path = Path.Combine(_scratch, "hpke.json");
        File.WriteAllText(path, entries.ToJsonString());
        return ConformanceRunner.RunFile(path);
    }
}
