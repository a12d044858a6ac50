using System.Text.Json.Nodes;
using ContainerSec.Conformance;

namespace ContainerSec.Tests.Conformance;

/// <summary>The RBAC conformance suite passes the shared cases and is shown able to fail on each case kind.</summary>
public sealed class RbacSuiteTests : IDisposable
{
    private const string SharedFile = "kubernetes-rbac-cases.json";
    private readonly string _scratch = Directory.CreateTempSubdirectory("containersec-rbac-").FullName;

    [Fact]
    public void RunFile_SharedRbacCases_AllPass()
    {
        FileResult result = ConformanceRunner.RunFile(SharedData.PathOf("conformance", "rbac", SharedFile));

        Assert.Equal(FileStatus.Ran, result.Status);
        Assert.Equal(0, result.Failed);
        Assert.Equal(86, result.Passed);
    }

    public static TheoryData<string> Kinds() => new(["authorize", "rule_allows", "allowed_subjects", "rules_for", "applies_to", "covers", "non_resource_url_covers", "aggregate"]);

    [Theory]
    [MemberData(nameof(Kinds))]
    public void RunFile_ExpectedOutcomeFlipped_ReportsExactlyThatCase(string kind)
    {
        string? id = null;
        string path = Mutate(test => test["kind"]!.GetValue<string>() == kind, test =>
        {
            id = test["id"]!.GetValue<string>();
            JsonObject expected = test["expected"]!.AsObject();
            switch (kind)
            {
                case "authorize" or "rule_allows":
                    expected["allowed"] = !expected["allowed"]!.GetValue<bool>();
                    break;
                case "allowed_subjects":
                    // Same subjects, another order: an ordered comparison must notice.
                    var subjects = expected["subjects"]!.AsArray();
                    JsonNode first = subjects[0]!.DeepClone();
                    subjects.RemoveAt(0);
                    subjects.Add(first);
                    break;
                case "rules_for" or "aggregate":
                    expected["rules"]!.AsArray().Add(new JsonObject { ["verbs"] = new JsonArray("get"), ["resources"] = new JsonArray("secrets") });
                    break;
                case "applies_to":
                    expected["applies"] = !expected["applies"]!.GetValue<bool>();
                    break;
                case "covers":
                    expected["covered"] = !expected["covered"]!.GetValue<bool>();
                    break;
                default:
                    expected["covers"] = !expected["covers"]!.GetValue<bool>();
                    break;
            }
        });

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.Equal(1, result.Failed);
        Assert.StartsWith(id + ":", result.Failures[0], StringComparison.Ordinal);
    }

    [Fact]
    public void RunFile_VerbCaseChanged_FailsBecauseVerbsAreCaseSensitive()
    {
        // An allowed single-rule match without a verb wildcard, asked with the verb upper-cased, is not allowed any more.
        string path = Mutate(test => test["kind"]!.GetValue<string>() == "rule_allows" && test["expected"]!["allowed"]!.GetValue<bool>()
            && !test["rules"]!.ToJsonString().Contains("\"*\"", StringComparison.Ordinal), test => test["request"]!["verb"] = test["request"]!["verb"]!.GetValue<string>().ToUpperInvariant());

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.Equal(1, result.Failed);
    }

    [Fact]
    public void RunFile_AggregatedRulesReordered_FailsOrderedComparison()
    {
        string path = Mutate(test => test["kind"]!.GetValue<string>() == "aggregate" && test["expected"]!["rules"]!.AsArray().Count > 1, test =>
        {
            var rules = test["expected"]!["rules"]!.AsArray();
            JsonNode first = rules[0]!.DeepClone();
            rules.RemoveAt(0);
            rules.Add(first);
        });

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.Equal(1, result.Failed);
    }

    [Fact]
    public void RunFile_UncoveredRulesReorderedUnordered_StillPasses()
    {
        string path = Mutate(test => test["kind"]!.GetValue<string>() == "rules_for" && test["expected"]!["rules"]!.AsArray().Count > 1, test =>
        {
            var rules = test["expected"]!["rules"]!.AsArray();
            JsonNode first = rules[0]!.DeepClone();
            rules.RemoveAt(0);
            rules.Add(first);
        });

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.Equal(0, result.Failed);
    }

    [Fact]
    public void RunFile_UnknownKind_FailsThatCaseWithReasonAndRunsTheRest()
    {
        string path = Mutate(test => true, test => test["kind"] = "can_i_deploy");

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.Equal(FileStatus.Ran, result.Status);
        Assert.Equal((85, 1), (result.Passed, result.Failed));
        Assert.Contains("unknown case kind 'can_i_deploy'", result.Failures[0], StringComparison.Ordinal);
    }

    [Fact]
    public void RunFile_UnknownExpectedField_FailsThatCase()
    {
        string path = Mutate(test => test["kind"]!.GetValue<string>() == "authorize", test => test["expected"]!["reason"] = "RBAC: allowed by …");

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.Equal(1, result.Failed);
        Assert.Contains("'reason' is not known", result.Failures[0], StringComparison.Ordinal);
    }

    [Fact]
    public void RunFile_MalformedCase_FailsThatCaseNotTheFile()
    {
        string path = Mutate(test => test["kind"]!.GetValue<string>() == "authorize", test => test["request"]!["isResourceRequest"] = "yes");

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.Equal(FileStatus.Ran, result.Status);
        Assert.Equal(1, result.Failed);
        Assert.Contains("malformed case", result.Failures[0], StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    /// <summary>Copies the shared RBAC file with the first case matching <paramref name="select"/> changed.</summary>
    private string Mutate(Func<JsonObject, bool> select, Action<JsonObject> change)
    {
        JsonNode root = JsonNode.Parse(File.ReadAllText(SharedData.PathOf("conformance", "rbac", SharedFile)))!;
        change(root["cases"]!.AsArray().Select(c => c!.AsObject()).First(select));
        string path = Path.Combine(_scratch, "cases.json");
        File.WriteAllText(path, root.ToJsonString());
        return path;
    }
}
