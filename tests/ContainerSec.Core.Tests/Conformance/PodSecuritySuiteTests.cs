using System.Text.Json.Nodes;
using ContainerSec.Conformance;

namespace ContainerSec.Tests.Conformance;

/// <summary>
/// The Pod Security and NetworkPolicy suites: every shared case passes at every listed version, and
/// flipping one expected outcome (or moving a case to a version where it does not hold) is reported.
/// </summary>
public sealed class PodSecuritySuiteTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("containersec-psa-").FullName;

    [Fact]
    public void RunFile_SharedPodSecurityFile_EveryCaseAtEveryVersionPasses()
    {
        string path = SharedData.PathOf("conformance", "pod-security", "pod-security-cases.json");
        int total = JsonNode.Parse(File.ReadAllText(path))!["cases"]!.AsArray().Sum(c => c!["versions"]!.AsArray().Count);

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.Equal(FileStatus.Ran, result.Status);
        Assert.True(result.Failed == 0, string.Join(Environment.NewLine, result.Failures));
        Assert.Equal(total, result.Passed);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void RunFile_PodSecurityExpectedFlipped_ReportsFailure(bool allowed)
    {
        string path = Mutate("pod-security", "pod-security-cases.json", c => c["expected"]!["allowed"]!.GetValue<bool>() == allowed,
            c =>
            {
                c["expected"]!["allowed"] = !allowed;
                c["versions"] = new JsonArray(c["versions"]!.AsArray()[0]!.GetValue<string>());
            });

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.Equal(1, result.Failed);
        Assert.Contains(allowed ? "allowed" : "refused", result.Failures[0], StringComparison.Ordinal);
    }

    [Fact]
    public void RunFile_VersionedFailureMovedBeforeCheckExists_ReportsFailure()
    {
        // runAsUser=0 is refused from v1.23 on; at v1.22 the check does not exist and the pod passes.
        string path = Mutate("pod-security", "pod-security-cases.json", c => c["id"]!.GetValue<string>() == "psa/restricted/fail/runasuser0/v1.23-v1.37",
            c => c["versions"] = new JsonArray("v1.22"));

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.Equal(1, result.Failed);
    }

    [Fact]
    public void RunFile_SharedNetpolFile_EveryCasePasses()
    {
        FileResult result = ConformanceRunner.RunFile(SharedData.PathOf("conformance", "netpol", "cyclonus-matcher-cases.json"));

        Assert.Equal(FileStatus.Ran, result.Status);
        Assert.Equal(0, result.Failed);
        Assert.Equal(3, result.Passed);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void RunFile_NetpolExpectedFlipped_ReportsFailure(int index)
    {
        int seen = 0;
        string path = Mutate("netpol", "cyclonus-matcher-cases.json", _ => seen++ == index,
            c => c["expected"]!["allowed"] = !c["expected"]!["allowed"]!.GetValue<bool>());

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.Equal(1, result.Failed);
        Assert.Equal(2, result.Passed);
    }

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    private string Mutate(string folder, string file, Func<JsonObject, bool> select, Action<JsonObject> change)
    {
        JsonNode root = JsonNode.Parse(File.ReadAllText(SharedData.PathOf("conformance", folder, file)))!;
        JsonObject target = root["cases"]!.AsArray().Select(c => c!.AsObject()).First(select);
        change(target);
        string path = Path.Combine(_scratch, file);
        File.WriteAllText(path, root.ToJsonString());
        return path;
    }
}
