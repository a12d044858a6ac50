using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContainerSec.Policy;
using k8s;
using k8s.Models;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using static ContainerSec.Kubernetes.ManifestYaml;

namespace ContainerSec.Kubernetes;

/// <summary>What a set of manifests holds: the RBAC policy, the deny overlays, and the documents that were neither.</summary>
public sealed class PolicyManifests
{
    internal PolicyManifests(RbacPolicy policy, ImmutableArray<DenyOverlay> overlays, ImmutableArray<string> ignored)
    {
        Policy = policy;
        Overlays = overlays;
        IgnoredDocuments = ignored;
    }

    /// <summary>
    /// The Roles, ClusterRoles and bindings, exactly as written. Aggregated ClusterRoles keep the
    /// rules the file gives them (the bootstrap files give none); call
    /// <see cref="RbacPolicy.WithAggregatedClusterRolesResolved"/> to fill them as the controller would.
    /// </summary>
    public RbacPolicy Policy { get; }

    /// <summary>The <c>DenyOverlay</c> documents.</summary>
    public ImmutableArray<DenyOverlay> Overlays { get; }

    /// <summary>Documents of other kinds (<c>file: document N (apiVersion/kind name)</c>), which were skipped.</summary>
    public ImmutableArray<string> IgnoredDocuments { get; }
}

/// <summary>
/// Reads Kubernetes RBAC manifests and ContainerSec deny overlays from multi-document YAML or JSON:
/// <c>Role</c>, <c>ClusterRole</c>, <c>RoleBinding</c>, <c>ClusterRoleBinding</c> of
/// <c>rbac.authorization.k8s.io/v1</c>, <c>v1 List</c> documents holding them (as <c>kubectl get -o yaml</c>
/// writes), and <c>policy.containersec.io/v1 DenyOverlay</c>. YAML is parsed with YamlDotNet's
/// representation model; a structural check refuses unknown fields, wrong types and values
/// outside the API with the field's path; the object is then deserialised into the
/// KubernetesClient models (<c>V1Role</c>, …) through the AOT-safe <c>KubernetesClient.Aot</c>
/// package's source-generated JSON. Any error is a <see cref="ManifestException"/> naming the
/// file, the document index and the field. <c>metadata</c> is left to the models.
/// </summary>
/// <remarks>
/// The reflection-based <c>KubernetesClient</c> package is not used: its <c>KubernetesYaml</c>
/// fails at start-up under Native AOT (its type initializer reads metadata tokens, which AOT does
/// not have), and this package is AOT-compatible like Core.
/// </remarks>
public static class ManifestLoader
{
    /// <summary>Files larger than this are refused before they are read (16 MiB).</summary>
    public const long MaxFileBytes = 16L * 1024 * 1024;

    private const string RbacV1 = "rbac.authorization.k8s.io/v1";

    /// <summary>Loads and merges several files, in the order given.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="paths"/> is <see langword="null"/>.</exception>
    /// <exception cref="ManifestException">A file is too large, unreadable as YAML, or holds an invalid object.</exception>
    /// <exception cref="IOException">A file cannot be read.</exception>
    public static PolicyManifests LoadFiles(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var builder = new Builder();
        foreach (string path in paths)
        {
            builder.Add(ReadFile(path), path);
        }

        return builder.Build();
    }

    /// <summary>Loads one file.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ManifestException">The file is too large, unreadable as YAML, or holds an invalid object.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static PolicyManifests LoadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return LoadFiles([path]);
    }

    /// <summary>Loads manifests from text.</summary>
    /// <param name="yamlOrJson">One or more YAML documents (JSON is YAML).</param>
    /// <param name="sourceName">The name used in errors.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ManifestException">The text is too large, not YAML, or holds an invalid object.</exception>
    public static PolicyManifests Load(string yamlOrJson, string sourceName = "<string>")
    {
        ArgumentNullException.ThrowIfNull(yamlOrJson);
        ArgumentNullException.ThrowIfNull(sourceName);
        CheckLength(yamlOrJson, sourceName);
        var builder = new Builder();
        builder.Add(yamlOrJson, sourceName);
        return builder.Build();
    }

    private sealed class Builder
    {
        private readonly List<Role> _roles = [];
        private readonly List<ClusterRole> _clusterRoles = [];
        private readonly List<RoleBinding> _roleBindings = [];
        private readonly List<ClusterRoleBinding> _clusterRoleBindings = [];
        private readonly List<DenyOverlay> _overlays = [];
        private readonly List<string> _ignored = [];

        public PolicyManifests Build() => new(new RbacPolicy(_roles, _clusterRoles, _roleBindings, _clusterRoleBindings), [.. _overlays], [.. _ignored]);

        public void Add(string text, string source)
        {
            YamlStream stream = Parse(text, source);

            for (int index = 0; index < stream.Documents.Count; index++)
            {
                YamlNode root = stream.Documents[index].RootNode;
                if (IsEmptyDocument(root))
                {
                    continue; // An empty document ("---" at the end of a file).
                }

                var at = new Location(source, index);
                if (root is not YamlMappingNode mapping)
                {
                    throw at.Error("", "a document must be a mapping (an object with apiVersion and kind)");
                }

                AddObject(mapping, at, "");
            }
        }

        private void AddObject(YamlMappingNode node, Location at, string path)
        {
            string apiVersion = Scalar(node, "apiVersion", at, path, required: true);
            string kind = Scalar(node, "kind", at, path, required: true);
            if (kind == "List" || (kind.EndsWith("List", StringComparison.Ordinal) && apiVersion == RbacV1))
            {
                int i = 0;
                foreach (YamlNode item in Sequence(node, "items", at, path))
                {
                    string itemPath = Join(path, $"items[{i++}]");
                    AddObject(item as YamlMappingNode ?? throw at.Error(itemPath, "must be a mapping"), at, itemPath);
                }

                return;
            }

            if (kind == DenyOverlay.Kind && apiVersion == DenyOverlay.ApiVersion)
            {
                try
                {
                    _overlays.Add(DenyOverlay.Parse(ToJson(node)!.ToJsonString()));
                }
                catch (PolicyFormatException ex)
                {
                    throw at.Error(Join(path, ex.Field), ex.Message[(ex.Field.Length == 0 ? 0 : ex.Field.Length + 2)..], ex);
                }

                return;
            }

            if (kind is not ("Role" or "ClusterRole" or "RoleBinding" or "ClusterRoleBinding"))
            {
                _ignored.Add($"{at}{(path.Length > 0 ? $" {path}" : "")} ({apiVersion} {kind} {MetadataName(node)})");
                return;
            }

            if (apiVersion != RbacV1)
            {
                throw at.Error(Join(path, "apiVersion"), $"{kind} must be {RbacV1} (got \"{apiVersion}\"; v1beta1 and v1alpha1 were removed from Kubernetes)");
            }

            CheckShape(node, kind, at, path);
            string json = ToTypedJson(node, at, path)!.ToJsonString();
            switch (kind)
            {
                case "Role":
                    var role = Deserialize<V1Role>(json, at, path);
                    _roles.Add(new Role(role.Metadata?.NamespaceProperty ?? "", role.Metadata?.Name ?? "", Rules(role.Rules)));
                    break;
                case "ClusterRole":
                    var clusterRole = Deserialize<V1ClusterRole>(json, at, path);
                    _clusterRoles.Add(new ClusterRole(
                        clusterRole.Metadata?.Name ?? "",
                        Rules(clusterRole.Rules),
                        clusterRole.Metadata?.Labels is { } labels ? new Dictionary<string, string>(labels, StringComparer.Ordinal) : null,
                        clusterRole.AggregationRule is { } aggregation ? (aggregation.ClusterRoleSelectors ?? []).Select(Selector) : null));
                    break;
                case "RoleBinding":
                    var binding = Deserialize<V1RoleBinding>(json, at, path);
                    _roleBindings.Add(new RoleBinding(
                        binding.Metadata?.NamespaceProperty ?? "",
                        binding.Metadata?.Name ?? "",
                        new RoleRef(binding.RoleRef!.Kind == "Role" ? RoleRefKind.Role : RoleRefKind.ClusterRole, binding.RoleRef.Name),
                        Subjects(binding.Subjects)));
                    break;
                default:
                    var clusterBinding = Deserialize<V1ClusterRoleBinding>(json, at, path);
                    _clusterRoleBindings.Add(new ClusterRoleBinding(clusterBinding.Metadata?.Name ?? "", clusterBinding.RoleRef!.Name, Subjects(clusterBinding.Subjects)));
                    break;
            }
        }

        /// <summary>Checks, with field paths, what the KubernetesClient deserialiser would only report by line and column or not at all.</summary>
        private static void CheckShape(YamlMappingNode node, string kind, Location at, string path)
        {
            OnlyFields(node, at, path, kind switch
            {
                "Role" => ["apiVersion", "kind", "metadata", "rules"],
                "ClusterRole" => ["apiVersion", "kind", "metadata", "rules", "aggregationRule"],
                _ => ["apiVersion", "kind", "metadata", "roleRef", "subjects"],
            });
            YamlMappingNode metadata = Mapping(node, "metadata", at, path, required: true)!;
            string metadataPath = Join(path, "metadata");
            if (Scalar(metadata, "name", at, metadataPath, required: true).Length == 0)
            {
                throw at.Error(Join(metadataPath, "name"), "must not be empty");
            }

            bool namespaced = kind is "Role" or "RoleBinding";
            string ns = Scalar(metadata, "namespace", at, metadataPath, required: false);
            if (namespaced && ns.Length == 0)
            {
                throw at.Error(Join(metadataPath, "namespace"), $"a {kind} needs a namespace");
            }

            if (kind is "Role" or "ClusterRole")
            {
                int i = 0;
                foreach (YamlNode rule in Sequence(node, "rules", at, path))
                {
                    string rulePath = Join(path, $"rules[{i++}]");
                    var mapping = rule as YamlMappingNode ?? throw at.Error(rulePath, "must be a mapping");
                    OnlyFields(mapping, at, rulePath, ["verbs", "apiGroups", "resources", "resourceNames", "nonResourceURLs"]);
                    foreach (string list in new[] { "verbs", "apiGroups", "resources", "resourceNames", "nonResourceURLs" })
                    {
                        Strings(mapping, list, at, rulePath);
                    }

                    if (Strings(mapping, "verbs", at, rulePath) == 0)
                    {
                        throw at.Error(Join(rulePath, "verbs"), "a rule needs at least one verb");
                    }
                }

                if (Mapping(node, "aggregationRule", at, path, required: false) is { } aggregation)
                {
                    string aggregationPath = Join(path, "aggregationRule");
                    OnlyFields(aggregation, at, aggregationPath, ["clusterRoleSelectors"]);
                    int s = 0;
                    foreach (YamlNode selector in Sequence(aggregation, "clusterRoleSelectors", at, aggregationPath))
                    {
                        string selectorPath = Join(aggregationPath, $"clusterRoleSelectors[{s++}]");
                        var map = selector as YamlMappingNode ?? throw at.Error(selectorPath, "must be a mapping");
                        OnlyFields(map, at, selectorPath, ["matchLabels", "matchExpressions"]);
                        Mapping(map, "matchLabels", at, selectorPath, required: false);
                        int e = 0;
                        foreach (YamlNode expression in Sequence(map, "matchExpressions", at, selectorPath))
                        {
                            string expressionPath = Join(selectorPath, $"matchExpressions[{e++}]");
                            var x = expression as YamlMappingNode ?? throw at.Error(expressionPath, "must be a mapping");
                            OnlyFields(x, at, expressionPath, ["key", "operator", "values"]);
                            string op = Scalar(x, "operator", at, expressionPath, required: true);
                            if (op is not ("In" or "NotIn" or "Exists" or "DoesNotExist"))
                            {
                                throw at.Error(Join(expressionPath, "operator"), $"\"{op}\" is not In, NotIn, Exists or DoesNotExist");
                            }

                            int values = Strings(x, "values", at, expressionPath);
                            if ((op is "In" or "NotIn") != (values > 0))
                            {
                                throw at.Error(Join(expressionPath, "values"), op is "In" or "NotIn" ? $"{op} needs values" : $"{op} takes no values");
                            }
                        }
                    }
                }

                return;
            }

            YamlMappingNode roleRef = Mapping(node, "roleRef", at, path, required: true)!;
            string roleRefPath = Join(path, "roleRef");
            OnlyFields(roleRef, at, roleRefPath, ["apiGroup", "kind", "name"]);
            string refKind = Scalar(roleRef, "kind", at, roleRefPath, required: true);
            if (kind == "ClusterRoleBinding" ? refKind != "ClusterRole" : refKind is not ("Role" or "ClusterRole"))
            {
                throw at.Error(Join(roleRefPath, "kind"), kind == "ClusterRoleBinding" ? $"a ClusterRoleBinding refers to a ClusterRole, not \"{refKind}\"" : $"\"{refKind}\" is not Role or ClusterRole");
            }

            if (Scalar(roleRef, "name", at, roleRefPath, required: true).Length == 0)
            {
                throw at.Error(Join(roleRefPath, "name"), "must not be empty");
            }

            int n = 0;
            foreach (YamlNode subject in Sequence(node, "subjects", at, path))
            {
                string subjectPath = Join(path, $"subjects[{n++}]");
                var map = subject as YamlMappingNode ?? throw at.Error(subjectPath, "must be a mapping");
                OnlyFields(map, at, subjectPath, ["kind", "apiGroup", "name", "namespace"]);
                string subjectKind = Scalar(map, "kind", at, subjectPath, required: true);
                if (subjectKind is not ("User" or "Group" or "ServiceAccount"))
                {
                    throw at.Error(Join(subjectPath, "kind"), $"\"{subjectKind}\" is not User, Group or ServiceAccount");
                }

                if (Scalar(map, "name", at, subjectPath, required: true).Length == 0)
                {
                    throw at.Error(Join(subjectPath, "name"), "must not be empty");
                }

                Scalar(map, "namespace", at, subjectPath, required: false);
            }
        }

        private static T Deserialize<T>(string json, Location at, string path)
        {
            try
            {
                return KubernetesJson.Deserialize<T>(json);
            }
            catch (JsonException ex)
            {
                string field = ex.Path is { Length: > 1 } jsonPath ? Join(path, jsonPath.TrimStart('$').TrimStart('.')) : path;
                throw at.Error(field, $"cannot be read as {typeof(T).Name}: {ex.Message.Split(" Path:", 2)[0]}", ex);
            }
        }

        private static List<PolicyRule> Rules(IList<V1PolicyRule>? rules) => (rules ?? []).Select(r =>
            new PolicyRule(r.Verbs, r.ApiGroups, r.Resources, r.ResourceNames, r.NonResourceURLs)).ToList();

        private static List<Subject> Subjects(IList<Rbacv1Subject>? subjects) => (subjects ?? []).Select(s => new Subject(
            s.Kind switch { "User" => SubjectKind.User, "Group" => SubjectKind.Group, _ => SubjectKind.ServiceAccount },
            s.Name,
            s.NamespaceProperty ?? "",
            s.ApiGroup ?? "")).ToList();

        private static LabelSelector Selector(V1LabelSelector selector) => new(
            selector.MatchLabels is { } labels ? new Dictionary<string, string>(labels, StringComparer.Ordinal) : null,
            (selector.MatchExpressions ?? []).Select(x => new LabelSelectorRequirement(x.Key, x.OperatorProperty switch
            {
                "In" => LabelSelectorOperator.In,
                "NotIn" => LabelSelectorOperator.NotIn,
                "Exists" => LabelSelectorOperator.Exists,
                _ => LabelSelectorOperator.DoesNotExist,
            }, x.Values)));

        private static string MetadataName(YamlMappingNode node) =>
            node.Children.TryGetValue(new YamlScalarNode("metadata"), out YamlNode? m) && m is YamlMappingNode meta
                && meta.Children.TryGetValue(new YamlScalarNode("name"), out YamlNode? n) && n is YamlScalarNode name ? $"\"{name.Value}\"" : "(unnamed)";

        /// <summary>
        /// YAML to JSON for the KubernetesClient models, with the YAML 1.2 core schema: plain
        /// <c>null</c>/<c>~</c>/empty are null, plain <c>true</c>/<c>false</c> booleans, plain integers
        /// and decimals numbers; everything else (and every quoted scalar) a string.
        /// </summary>
        /// <summary>
        /// YAML to JSON with scalars typed as Kubernetes types them (YAML 1.1, as sigs.k8s.io/yaml: plain
        /// <c>yes</c>/<c>on</c> are booleans, <c>0644</c> is octal), so the models refuse what the API server
        /// refuses; a plain key that YAML 1.1 reads as anything but its own text is refused (quote it).
        /// </summary>
        private static JsonNode? ToTypedJson(YamlNode node, Location at, string path)
        {
            switch (node)
            {
                case YamlMappingNode map:
                    var json = new JsonObject();
                    foreach (var (keyNode, value) in map.Children)
                    {
                        var key = (YamlScalarNode)keyNode;
                        string name = key.Value ?? "";
                        string field = Join(path, name);
                        if (!YamlScalars.IsVerbatimKey(name, Resolve(key, at, field)))
                        {
                            throw at.Error(field, $"the unquoted key {name} is not the text \"{name}\" in YAML 1.1, which Kubernetes reads (line {key.Start.Line}, column {key.Start.Column}); quote it to make it a string");
                        }

                        json[name] = ToTypedJson(value, at, field);
                    }

                    return json;
                case YamlSequenceNode list:
                    return new JsonArray([.. list.Children.Select((item, i) => ToTypedJson(item, at, $"{path}[{i}]"))]);
                case YamlScalarNode scalar:
                    YamlScalar typed = Resolve(scalar, at, path);
                    return typed.Kind switch
                    {
                        YamlScalarKind.Null => null,
                        YamlScalarKind.Bool => JsonValue.Create(typed.Bool),
                        YamlScalarKind.Int => JsonValue.Create(typed.Int),
                        YamlScalarKind.Float when double.IsFinite(typed.Float) => JsonValue.Create(typed.Float),
                        YamlScalarKind.Float => throw at.Error(path, $"must not be {typed.Text}, which YAML 1.1 reads as a non-finite number (line {scalar.Start.Line}, column {scalar.Start.Column})"),
                        _ => JsonValue.Create(typed.Text),
                    };
                default:
                    return null;
            }
        }

        private static YamlScalar Resolve(YamlScalarNode scalar, Location at, string path)
        {
            try
            {
                return YamlScalars.Resolve(new YamlText(scalar.Start, scalar.Value ?? "", scalar.Style, scalar.Tag));
            }
            catch (FormatException ex)
            {
                throw at.Error(path, $"{ex.Message} (line {scalar.Start.Line}, column {scalar.Start.Column})", ex);
            }
        }

        /// <summary>YAML to JSON for the deny-overlay parser: plain <c>null</c>/<c>~</c> become null, every other scalar a string.</summary>
        private static JsonNode? ToJson(YamlNode node) => node switch
        {
            YamlMappingNode map => new JsonObject(map.Children.Select(p => KeyValuePair.Create(((YamlScalarNode)p.Key).Value ?? "", ToJson(p.Value)))),
            YamlSequenceNode list => new JsonArray([.. list.Children.Select(ToJson)]),
            YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" } => null,
            YamlScalarNode scalar => JsonValue.Create(scalar.Value ?? ""),
            _ => null,
        };
    }
}
