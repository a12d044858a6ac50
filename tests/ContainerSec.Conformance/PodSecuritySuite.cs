using System.Text.Json;
using ContainerSec.Policy;

namespace ContainerSec.Conformance;

/// <summary>
/// Schema <c>containersec.conformance.pod-security/v1</c> (pod-security-admission fixtures): each case's
/// <c>object</c> is evaluated at its <c>level</c> and at every version in <c>versions</c>; one
/// result per (case, version). A case passes at a version when <see cref="PodSecurityResult.Allowed"/>
/// equals <c>expected.allowed</c>. The level and versions are read from the case, never from the file
/// name, so the runner also works on the hidden holdout set and on newer versions.
/// </summary>
public static class PodSecuritySuite
{
    public const string Schema = "containersec.conformance.pod-security/v1";

    public static void Run(JsonElement root, FileResult result)
    {
        foreach (JsonElement test in root.GetProperty("cases").EnumerateArray())
        {
            string id = test.GetProperty("id").GetString()!;
            PodSecurityLevel level = PodSecurityLevel.Parse(test.GetProperty("level").GetString()!);
            bool expected = test.GetProperty("expected").GetProperty("allowed").GetBoolean();
            JsonElement manifest = test.GetProperty("object");
            foreach (JsonElement versionElement in test.GetProperty("versions").EnumerateArray())
            {
                string versionText = versionElement.GetString()!;
                if (!PodSecurityVersion.TryParse(versionText, out PodSecurityVersion version))
                {
                    throw new FormatException($"{id}: invalid version '{versionText}'");
                }

                Guard(result, $"{id}@{versionText}", () =>
                {
                    PodSecurityResult decision = PodSecurityEvaluator.Evaluate(manifest, level, version);
                    if (decision.Allowed == expected)
                    {
                        result.Pass();
                    }
                    else
                    {
                        result.Fail($"{id}@{versionText}", expected
                            ? $"expected allowed, refused: {decision.Message}"
                            : $"expected refused at {level.Name}:{versionText}, allowed");
                    }
                });
            }
        }
    }

    /// <summary>Runs one case; an exception fails that case alone (a missing field of the schema fails the file).</summary>
    internal static void Guard(FileResult result, string id, Action run)
    {
        try
        {
            run();
        }
#pragma warning disable CA1031 // Any library exception is a reported outcome of the case.
        catch (Exception ex) when (ex is not (KeyNotFoundException or FormatException))
#pragma warning restore CA1031
        {
            result.Fail(id, $"unexpected {ex.GetType().Name} ({ex.Message})");
        }
    }
}
