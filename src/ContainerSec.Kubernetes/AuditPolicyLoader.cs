using ContainerSec.Audit;
using YamlDotNet.RepresentationModel;
using static ContainerSec.Kubernetes.ManifestYaml;

namespace ContainerSec.Kubernetes;

/// <summary>
/// Reads a Kubernetes audit policy (<c>audit.k8s.io/v1</c> <c>Policy</c>, the file given to
/// <c>kube-apiserver --audit-policy-file</c>) from YAML or JSON into a Core <see cref="AuditPolicy"/>.
/// </summary>
/// <remarks>
/// <para>Strict, like <see cref="ManifestLoader"/>: unknown fields, wrong types, unknown levels and
/// stages are a <see cref="ManifestException"/> naming the file, the document and the field path
/// (<c>rules[3].resources[0].resourceNames</c>). The checks of k8s.io/apiserver's audit policy
/// validation are applied as well: a rule may not select both resources (or namespaces) and
/// non-resource URLs; a non-resource URL is <c>*</c> or starts with <c>/</c> and has <c>*</c> only as
/// its last character; <c>resourceNames</c> needs <c>resources</c>; a group is a lower-case DNS subdomain.</para>
/// <para>The input holds exactly one <c>Policy</c> document (empty documents are skipped), or a
/// <c>PolicyList</c> is refused. <c>apiVersion</c> must be <c>audit.k8s.io/v1</c>: v1alpha1 and v1beta1
/// were removed in Kubernetes 1.24. <c>metadata</c> must be a mapping and is not read.
/// <c>omitManagedFields</c> (policy or rule) must be a boolean and is accepted without effect:
/// <see cref="AuditEvent"/> records no request or response bodies, so there are no managed fields to omit.</para>
/// </remarks>
public static class AuditPolicyLoader
{
    /// <summary>The only <c>apiVersion</c> accepted.</summary>
    public const string ApiVersion = "audit.k8s.io/v1";

    private static readonly string[] PolicyFields = ["apiVersion", "kind", "metadata", "rules", "omitStages", "omitManagedFields"];
    private static readonly string[] RuleFields = ["level", "users", "userGroups", "verbs", "resources", "namespaces", "nonResourceURLs", "omitStages", "omitManagedFields"];
    private static readonly string[] GroupResourceFields = ["group", "resources", "resourceNames"];

    /// <summary>Loads the policy file at <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ManifestException">The file is larger than <see cref="ManifestLoader.MaxFileBytes"/>, not YAML, or not a valid policy; the message names the field.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static AuditPolicy LoadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Load(ReadFile(path), path);
    }

    /// <summary>Loads a policy from text.</summary>
    /// <param name="yamlOrJson">The policy as YAML (JSON is YAML).</param>
    /// <param name="sourceName">The name used in errors.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ManifestException">The text is too long, not YAML, or not a valid policy; the message names the field.</exception>
    public static AuditPolicy Load(string yamlOrJson, string sourceName = "<string>")
    {
        ArgumentNullException.ThrowIfNull(yamlOrJson);
        ArgumentNullException.ThrowIfNull(sourceName);
        CheckLength(yamlOrJson, sourceName);
        YamlStream stream = Parse(yamlOrJson, sourceName);
        AuditPolicy? policy = null;
        for (int index = 0; index < stream.Documents.Count; index++)
        {
            YamlNode root = stream.Documents[index].RootNode;
            if (IsEmptyDocument(root))
            {
                continue;
            }

            var at = new Location(sourceName, index);
            if (policy is not null)
            {
                throw at.Error("", "an audit policy file holds one Policy document");
            }

            policy = ReadPolicy(root as YamlMappingNode ?? throw at.Error("", "a document must be a mapping (an object with apiVersion and kind)"), at);
        }

        return policy ?? throw new ManifestException(sourceName, -1, "", "no Policy document");
    }

    private static AuditPolicy ReadPolicy(YamlMappingNode node, Location at)
    {
        string apiVersion = Scalar(node, "apiVersion", at, "", required: true);
        string kind = Scalar(node, "kind", at, "", required: true);
        if (kind != "Policy")
        {
            throw at.Error("kind", $"must be Policy (got \"{kind}\")");
        }

        if (apiVersion != ApiVersion)
        {
            throw at.Error("apiVersion", $"a Policy must be {ApiVersion} (got \"{apiVersion}\"; v1alpha1 and v1beta1 were removed in Kubernetes 1.24)");
        }

        OnlyFields(node, at, "", PolicyFields);
        Mapping(node, "metadata", at, "", required: false);
        Boolean(node, "omitManagedFields", at, "");
        var rules = new List<AuditPolicyRule>();
        int i = 0;
        foreach (YamlNode item in Sequence(node, "rules", at, ""))
        {
            string path = $"rules[{i++}]";
            rules.Add(ReadRule(item as YamlMappingNode ?? throw at.Error(path, "must be a mapping"), at, path));
        }

        return new AuditPolicy(rules, Stages(node, at, ""));
    }

    private static AuditPolicyRule ReadRule(YamlMappingNode node, Location at, string path)
    {
        OnlyFields(node, at, path, RuleFields);
        string level = Scalar(node, "level", at, path, required: true);
        if (!Enum.TryParse(level, ignoreCase: false, out AuditLevel parsed) || !Enum.IsDefined(parsed) || level != parsed.ToString())
        {
            throw at.Error(Join(path, "level"), $"\"{level}\" is not None, Metadata, Request or RequestResponse");
        }

        Boolean(node, "omitManagedFields", at, path);
        List<string> urls = List(node, "nonResourceURLs", at, path);
        for (int u = 0; u < urls.Count; u++)
        {
            string url = urls[u];
            if (url != "*" && !url.StartsWith('/'))
            {
                throw at.Error($"{Join(path, "nonResourceURLs")}[{u}]", $"\"{url}\": a non-resource URL rule must begin with '/'");
            }

            if (url.Length > 0 && url[..^1].Contains('*', StringComparison.Ordinal))
            {
                throw at.Error($"{Join(path, "nonResourceURLs")}[{u}]", $"\"{url}\": the wildcard '*' must be the final character");
            }
        }

        List<string> namespaces = List(node, "namespaces", at, path);
        var resources = new List<AuditGroupResources>();
        int g = 0;
        foreach (YamlNode item in Sequence(node, "resources", at, path))
        {
            string groupPath = Join(path, $"resources[{g++}]");
            resources.Add(ReadGroupResources(item as YamlMappingNode ?? throw at.Error(groupPath, "must be a mapping"), at, groupPath));
        }

        if (urls.Count > 0 && (resources.Count > 0 || namespaces.Count > 0))
        {
            throw at.Error(Join(path, "nonResourceURLs"), "a rule cannot apply to both resources (or namespaces) and non-resource URLs");
        }

        return new AuditPolicyRule
        {
            Level = parsed,
            Users = List(node, "users", at, path),
            UserGroups = List(node, "userGroups", at, path),
            Verbs = List(node, "verbs", at, path),
            Resources = resources,
            Namespaces = namespaces,
            NonResourceUrls = urls,
            OmitStages = Stages(node, at, path),
        };
    }

    private static AuditGroupResources ReadGroupResources(YamlMappingNode node, Location at, string path)
    {
        OnlyFields(node, at, path, GroupResourceFields);
        string group = Scalar(node, "group", at, path, required: false);
        if (group.Length > 0 && !IsDnsSubdomain(group))
        {
            throw at.Error(Join(path, "group"), $"\"{group}\" is not a lower-case DNS subdomain (the group never includes a version)");
        }

        List<string> resources = List(node, "resources", at, path);
        List<string> names = List(node, "resourceNames", at, path);
        if (names.Count > 0 && resources.Count == 0)
        {
            throw at.Error(Join(path, "resourceNames"), "resourceNames requires at least one resource");
        }

        return new AuditGroupResources(group, resources, names);
    }

    private static List<AuditStage> Stages(YamlMappingNode node, Location at, string path)
    {
        var stages = new List<AuditStage>();
        foreach (string stage in List(node, "omitStages", at, path))
        {
            if (!Enum.TryParse(stage, ignoreCase: false, out AuditStage parsed) || !Enum.IsDefined(parsed) || stage != parsed.ToString())
            {
                throw at.Error($"{Join(path, "omitStages")}[{stages.Count}]", $"\"{stage}\" is not RequestReceived, ResponseStarted, ResponseComplete or Panic");
            }

            stages.Add(parsed);
        }

        return stages;
    }

    private static List<string> List(YamlMappingNode node, string name, Location at, string path)
    {
        Strings(node, name, at, path);
        var values = new List<string>();
        foreach (YamlNode value in Sequence(node, name, at, path))
        {
            values.Add(((YamlScalarNode)value).Value ?? "");
        }

        return values;
    }

    private static void Boolean(YamlMappingNode node, string name, Location at, string path)
    {
        if (Child(node, name) is { } value && value is not YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain, Value: "true" or "false" })
        {
            throw at.Error(Join(path, name), "must be true or false");
        }
    }

    private static bool IsDnsSubdomain(string group)
    {
        if (group.Length > 253)
        {
            return false;
        }

        foreach (string label in group.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-' || label.Any(c => c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')))
            {
                return false;
            }
        }

        return true;
    }
}
