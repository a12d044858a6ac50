using System.Text.Json;
using ContainerSec.Policy;

namespace ContainerSec.Conformance.Policy;

/// <summary>
/// Reads the shared object shapes of <c>containersec.conformance.rbac/v1</c> (README in
/// ../shared/conformance) into the library's model. A missing list is empty; a field of the wrong
/// type or an unknown kind throws <see cref="FormatException"/> naming the field.
/// </summary>
public static class RbacJson
{
    public static PolicyRule Rule(JsonElement e) => new(
        Strings(e, "verbs"), Strings(e, "apiGroups"), Strings(e, "resources"), Strings(e, "resourceNames"), Strings(e, "nonResourceURLs"));

    public static List<PolicyRule> Rules(JsonElement e, string name) => Array(e, name).Select(Rule).ToList();

    public static Subject Subject(JsonElement e)
    {
        string kind = Text(e, "kind");
        SubjectKind parsed = kind switch
        {
            "User" => SubjectKind.User,
            "Group" => SubjectKind.Group,
            "ServiceAccount" => SubjectKind.ServiceAccount,
            _ => throw new FormatException($"subject kind '{kind}' is not User, Group or ServiceAccount"),
        };
        return new Subject(parsed, Text(e, "name"), Text(e, "namespace"), Text(e, "apiGroup"));
    }

    public static List<Subject> Subjects(JsonElement e, string name) => Array(e, name).Select(Subject).ToList();

    public static UserInfo User(JsonElement e) => new(Text(e, "name"), Strings(e, "groups"));

    public static AccessRequest Request(JsonElement e)
    {
        var user = new UserInfo(Text(e, "user"), Strings(e, "groups"));
        bool isResource = e.TryGetProperty("isResourceRequest", out JsonElement flag) && flag.ValueKind != JsonValueKind.Null
            ? flag.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw new FormatException("request.isResourceRequest is not a boolean"),
            }
            : throw new FormatException("request.isResourceRequest is missing");
        return isResource
            ? AccessRequest.ForResource(user, Text(e, "verb"), Text(e, "apiGroup"), Text(e, "resource"), Text(e, "namespace"), Text(e, "name"), Text(e, "subresource"), Text(e, "path"))
            : AccessRequest.ForNonResource(user, Text(e, "verb"), Text(e, "path"), Text(e, "namespace"));
    }

    public static ClusterRole ClusterRole(JsonElement e)
    {
        List<LabelSelector>? selectors = null;
        if (e.TryGetProperty("aggregationRule", out JsonElement rule) && rule.ValueKind == JsonValueKind.Object)
        {
            selectors = Array(rule, "clusterRoleSelectors").Select(Selector).ToList();
        }

        return new ClusterRole(Text(e, "name"), Rules(e, "rules"), Labels(e, "labels"), selectors);
    }

    public static RbacPolicy Policy(JsonElement e) => new(
        Array(e, "roles").Select(r => new Role(Text(r, "namespace"), Text(r, "name"), Rules(r, "rules"))),
        Array(e, "clusterRoles").Select(ClusterRole),
        Array(e, "roleBindings").Select(b => new RoleBinding(Text(b, "namespace"), Text(b, "name"), RoleRef(b), Subjects(b, "subjects"))),
        Array(e, "clusterRoleBindings").Select(b => RoleRef(b) is { Kind: RoleRefKind.ClusterRole } r
            ? new ClusterRoleBinding(Text(b, "name"), r.Name, Subjects(b, "subjects"))
            : throw new FormatException($"clusterRoleBinding '{Text(b, "name")}': roleRef.kind must be ClusterRole")));

    private static RoleRef RoleRef(JsonElement binding)
    {
        JsonElement roleRef = binding.TryGetProperty("roleRef", out JsonElement r) && r.ValueKind == JsonValueKind.Object
            ? r
            : throw new FormatException("binding has no roleRef object");
        string kind = Text(roleRef, "kind");
        return kind switch
        {
            "Role" => new RoleRef(RoleRefKind.Role, Text(roleRef, "name")),
            "ClusterRole" => new RoleRef(RoleRefKind.ClusterRole, Text(roleRef, "name")),
            _ => throw new FormatException($"roleRef.kind '{kind}' is not Role or ClusterRole"),
        };
    }

    private static LabelSelector Selector(JsonElement e)
    {
        var expressions = Array(e, "matchExpressions").Select(x =>
        {
            string op = Text(x, "operator");
            LabelSelectorOperator parsed = op switch
            {
                "In" => LabelSelectorOperator.In,
                "NotIn" => LabelSelectorOperator.NotIn,
                "Exists" => LabelSelectorOperator.Exists,
                "DoesNotExist" => LabelSelectorOperator.DoesNotExist,
                _ => throw new FormatException($"matchExpressions.operator '{op}' is unknown"),
            };
            return new LabelSelectorRequirement(Text(x, "key"), parsed, Strings(x, "values"));
        });
        return new LabelSelector(Labels(e, "matchLabels"), expressions);
    }

    private static Dictionary<string, string> Labels(JsonElement e, string name)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (e.TryGetProperty(name, out JsonElement map) && map.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty p in map.EnumerateObject())
            {
                labels[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : throw new FormatException($"{name}.{p.Name} is not a string");
            }
        }

        return labels;
    }

    public static string Text(JsonElement e, string name) =>
        !e.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null ? ""
        : value.ValueKind == JsonValueKind.String ? value.GetString()!
        : throw new FormatException($"'{name}' is not a string");

    public static List<string> Strings(JsonElement e, string name) => Array(e, name)
        .Select(v => v.ValueKind == JsonValueKind.String ? v.GetString()! : throw new FormatException($"'{name}' holds a non-string entry"))
        .ToList();

    public static IEnumerable<JsonElement> Array(JsonElement e, string name) =>
        !e.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null ? []
        : value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().ToList()
        : throw new FormatException($"'{name}' is not a list");
}
