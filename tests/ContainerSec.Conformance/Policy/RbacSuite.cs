using System.Collections.Immutable;
using System.Text.Json;
using ContainerSec.Policy;

namespace ContainerSec.Conformance.Policy;

/// <summary>
/// <c>containersec.conformance.rbac/v1</c>: every case kind of ../shared/conformance/README.md runs
/// through the library's public RBAC API. Only the fields present in <c>expected</c> are compared;
/// lists are compared in order or as multisets as the case's <c>order</c> / <c>uncoveredOrder</c>
/// says (default: ordered for subjects and aggregation, unordered for effective and uncovered
/// rules). <c>authorize</c> cases run through both the straightforward
/// <see cref="RbacAuthorizer"/> and the <see cref="CompiledRbacAuthorizer"/>, and the compiled
/// evaluator's explanation must agree with its fast answer. A case of an unknown kind, with an
/// expected field the suite does not know, or that cannot be read, fails with the reason; the
/// rest of the file still runs.
/// </summary>
public static class RbacSuite
{
    public const string Schema = "containersec.conformance.rbac/v1";

    public static void Run(JsonElement root, FileResult result)
    {
        if (!root.TryGetProperty("cases", out JsonElement cases) || cases.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("no 'cases' list");
        }

        int index = 0;
        foreach (JsonElement test in cases.EnumerateArray())
        {
            string id = test.ValueKind == JsonValueKind.Object && test.TryGetProperty("id", out JsonElement idElement) && idElement.ValueKind == JsonValueKind.String
                ? idElement.GetString()!
                : $"case #{index}";
            index++;
            try
            {
                string? failure = RunCase(test);
                if (failure is null)
                {
                    result.Pass();
                }
                else
                {
                    result.Fail(id, failure);
                }
            }
#pragma warning disable CA1031 // A malformed case or a library exception fails that case, never the run.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                result.Fail(id, ex is FormatException or KeyNotFoundException or InvalidOperationException
                    ? $"malformed case: {ex.Message}"
                    : $"unexpected {ex.GetType().Name} ({ex.Message})");
            }
        }
    }

    /// <returns><see langword="null"/> when the case passes, else what differed.</returns>
    private static string? RunCase(JsonElement test)
    {
        if (test.ValueKind != JsonValueKind.Object)
        {
            return "malformed case: not an object";
        }

        string kind = RbacJson.Text(test, "kind");
        if (!test.TryGetProperty("expected", out JsonElement expected) || expected.ValueKind != JsonValueKind.Object)
        {
            return "malformed case: no 'expected' object";
        }

        var actual = new Dictionary<string, Func<JsonElement, string?>>(StringComparer.Ordinal);
        switch (kind)
        {
            case "authorize":
            {
                RbacPolicy policy = RbacJson.Policy(Required(test, "policy"));
                AccessRequest request = RbacJson.Request(Required(test, "request"));
                var baseline = new RbacAuthorizer(policy);
                var compiled = new CompiledRbacAuthorizer(policy);
                bool slow = baseline.Authorize(request).Allowed, fast = compiled.IsAllowed(request);
                bool explained = compiled.Authorize(request).Allowed, quick = baseline.IsAllowed(request);
                if (slow != fast || slow != explained || slow != quick)
                {
                    return $"evaluators disagree: baseline Authorize {slow}, baseline IsAllowed {quick}, compiled IsAllowed {fast}, compiled Authorize {explained}";
                }

                actual["allowed"] = e => Bool(e, slow);
                break;
            }

            case "rule_allows":
            {
                List<PolicyRule> rules = RbacJson.Rules(test, "rules");
                AccessRequest request = RbacJson.Request(Required(test, "request"));
                bool allowed = rules.Any(r => r.Allows(request));
                actual["allowed"] = e => Bool(e, allowed);
                break;
            }

            case "allowed_subjects":
            {
                var authorizer = new RbacAuthorizer(RbacJson.Policy(Required(test, "policy")));
                ImmutableArray<Subject> subjects = authorizer.AllowedSubjects(RbacJson.Request(Required(test, "request")), RbacJson.Text(test, "superUser"));
                actual["subjects"] = e => Compare(e, subjects, RbacJson.Subject, Ordered(expected, "order", true), s => s.ToString() + $" (apiGroup '{s.ApiGroup}')");
                actual["order"] = _ => null;
                break;
            }

            case "rules_for":
            {
                var authorizer = new RbacAuthorizer(RbacJson.Policy(Required(test, "policy")));
                EffectiveRules rules = authorizer.RulesFor(RbacJson.User(Required(test, "user")), RbacJson.Text(test, "namespace"));
                actual["rules"] = e => Compare(e, rules.Rules, RbacJson.Rule, Ordered(expected, "order", false), r => r.ToString());
                actual["order"] = _ => null;
                break;
            }

            case "applies_to":
            {
                bool applies = RbacAuthorizer.AppliesTo(RbacJson.Subjects(test, "subjects"), RbacJson.User(Required(test, "user")), RbacJson.Text(test, "namespace"), out int subjectIndex);
                actual["applies"] = e => Bool(e, applies);
                actual["index"] = e => e.GetInt32() == subjectIndex ? null : $"index {subjectIndex}, expected {e.GetInt32()}";
                break;
            }

            case "covers":
            {
                bool covered = RbacEscalation.Covers(RbacJson.Rules(test, "ownerRules"), RbacJson.Rules(test, "servantRules"), out ImmutableArray<PolicyRule> uncovered);
                actual["covered"] = e => Bool(e, covered);
                actual["uncoveredRules"] = e => Compare(e, uncovered, RbacJson.Rule, Ordered(expected, "uncoveredOrder", false), r => r.ToString());
                actual["uncoveredOrder"] = _ => null;
                break;
            }

            case "non_resource_url_covers":
            {
                bool covers = RbacEscalation.NonResourceUrlCovers(RbacJson.Text(test, "owner"), RbacJson.Text(test, "requested"));
                actual["covers"] = e => Bool(e, covers);
                break;
            }

            case "aggregate":
            {
                var roles = RbacJson.Array(test, "clusterRoles").Select(RbacJson.ClusterRole).ToList();
                string name = RbacJson.Text(test, "aggregate");
                ClusterRole target = roles.FirstOrDefault(r => r.Name == name) ?? throw new FormatException($"no clusterRole named '{name}'");
                ImmutableArray<PolicyRule> rules = new RbacPolicy(clusterRoles: roles).Aggregate(target);
                actual["rules"] = e => Compare(e, rules, RbacJson.Rule, Ordered(expected, "order", true), r => r.ToString());
                actual["order"] = _ => null;
                break;
            }

            default:
                return $"unknown case kind '{kind}' (known: authorize, rule_allows, allowed_subjects, rules_for, applies_to, covers, non_resource_url_covers, aggregate)";
        }

        var failures = new List<string>();
        foreach (JsonProperty field in expected.EnumerateObject())
        {
            if (!actual.TryGetValue(field.Name, out var check))
            {
                failures.Add($"expected field '{field.Name}' is not known for kind '{kind}'");
            }
            else if (check(field.Value) is { } difference)
            {
                failures.Add($"{field.Name}: {difference}");
            }
        }

        return failures.Count == 0 ? null : string.Join("; ", failures);
    }

    private static JsonElement Required(JsonElement test, string name) =>
        test.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Object ? value : throw new FormatException($"'{name}' is missing or not an object");

    private static string? Bool(JsonElement expected, bool actual) => expected.ValueKind switch
    {
        JsonValueKind.True or JsonValueKind.False => expected.GetBoolean() == actual ? null : $"{actual}, expected {expected.GetBoolean()}",
        _ => throw new FormatException("expected value is not a boolean"),
    };

    private static bool Ordered(JsonElement expected, string field, bool defaultOrdered) =>
        RbacJson.Text(expected, field) switch
        {
            "" => defaultOrdered,
            "ordered" => true,
            "unordered" => false,
            var other => throw new FormatException($"{field} '{other}' is neither 'ordered' nor 'unordered'"),
        };

    private static string? Compare<T>(JsonElement expected, IReadOnlyList<T> actual, Func<JsonElement, T> parse, bool ordered, Func<T, string> show)
        where T : class
    {
        if (expected.ValueKind is not (JsonValueKind.Array or JsonValueKind.Null))
        {
            throw new FormatException("expected list is not a list");
        }

        List<T> want = expected.ValueKind == JsonValueKind.Null ? [] : expected.EnumerateArray().Select(parse).ToList();
        bool same = ordered ? want.SequenceEqual(actual) : SameMultiset(want, actual);
        return same ? null : $"got [{string.Join(", ", actual.Select(show))}], expected [{string.Join(", ", want.Select(show))}] ({(ordered ? "ordered" : "unordered")})";
    }

    private static bool SameMultiset<T>(List<T> want, IReadOnlyList<T> actual)
        where T : class
    {
        if (want.Count != actual.Count)
        {
            return false;
        }

        var left = new List<T>(actual);
        foreach (T item in want)
        {
            int at = left.IndexOf(item);
            if (at < 0)
            {
                return false;
            }

            left.RemoveAt(at);
        }

        return true;
    }
}
