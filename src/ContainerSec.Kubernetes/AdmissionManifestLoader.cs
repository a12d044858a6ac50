using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using ContainerSec.Policy;
using k8s;

namespace ContainerSec.Kubernetes;

/// <summary>
/// A Kubernetes object loaded by <see cref="AdmissionManifestLoader"/>: its identity, its labels,
/// where it came from, and its manifest as JSON in the API server's types (ready for the
/// <c>ContainerSec.Policy</c> evaluators, which read <see cref="JsonElement"/>).
/// </summary>
public sealed class ManifestObject
{
    internal ManifestObject(string apiVersion, string kind, string @namespace, string name, IReadOnlyDictionary<string, string> labels,
        IReadOnlyDictionary<string, string> podLabels, JsonElement manifest, string location)
    {
        ApiVersion = apiVersion;
        Kind = kind;
        Namespace = @namespace;
        Name = name;
        Labels = labels;
        PodLabels = podLabels;
        Manifest = manifest;
        Location = location;
    }

    /// <summary>The object's <c>apiVersion</c>, such as <c>apps/v1</c>.</summary>
    public string ApiVersion { get; }

    /// <summary>The object's <c>kind</c>, such as <c>Deployment</c>.</summary>
    public string Kind { get; }

    /// <summary>
    /// <c>metadata.namespace</c>; <c>default</c> for a namespaced object that names none (as <c>kubectl</c>
    /// with a context without a namespace, and as <see cref="NetworkPolicy.Parse(JsonElement)"/>); empty for a Namespace.
    /// </summary>
    public string Namespace { get; }

    /// <summary><c>metadata.name</c>, or <c>metadata.generateName</c> when only that is given.</summary>
    public string Name { get; }

    /// <summary><c>metadata.labels</c> (empty when none).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; }

    /// <summary>
    /// The labels of the pods the object runs: a Pod's own labels, the pod template's labels of a
    /// workload (<c>spec.template.metadata.labels</c>, <c>spec.jobTemplate.spec.template.metadata.labels</c>
    /// for a CronJob); empty for other kinds.
    /// </summary>
    public IReadOnlyDictionary<string, string> PodLabels { get; }

    /// <summary>The manifest as JSON: scalars typed as the API server types them (quantities as strings).</summary>
    public JsonElement Manifest { get; }

    /// <summary>Where the object was read: <c>file: document N</c>, plus <c>items[i]</c> inside a List.</summary>
    public string Location { get; }

    /// <inheritdoc/>
    public override string ToString() => Namespace.Length > 0 ? $"{Kind} {Namespace}/{Name}" : $"{Kind} {Name}";
}

/// <summary>
/// What a set of admission manifests holds: workloads, NetworkPolicies, Namespaces, LimitRanges and
/// ResourceQuotas, and the documents of other kinds that were skipped.
/// </summary>
public sealed class AdmissionManifests
{
    /// <summary>The label Kubernetes puts on every Namespace (since v1.21): its name.</summary>
    public const string NamespaceNameLabel = "kubernetes.io/metadata.name";

    private readonly FrozenDictionary<string, ManifestObject> _namespaces;
    private readonly ImmutableArray<(string Namespace, LimitRangePolicy Policy)> _limitRangePolicies;
    private readonly ImmutableArray<(string Namespace, ResourceQuotaPolicy Policy)> _quotaPolicies;

    internal AdmissionManifests(ImmutableArray<ManifestObject> workloads, ImmutableArray<ManifestObject> networkPolicyObjects, NetworkPolicySet networkPolicies,
        ImmutableArray<ManifestObject> namespaces, ImmutableArray<ManifestObject> limitRanges, ImmutableArray<ManifestObject> resourceQuotas,
        ImmutableArray<(string Namespace, LimitRangePolicy Policy)> limitRangePolicies, ImmutableArray<(string Namespace, ResourceQuotaPolicy Policy)> quotaPolicies,
        ImmutableArray<string> ignored)
    {
        _limitRangePolicies = limitRangePolicies;
        _quotaPolicies = quotaPolicies;
        Workloads = workloads;
        NetworkPolicyObjects = networkPolicyObjects;
        NetworkPolicies = networkPolicies;
        Namespaces = namespaces;
        LimitRanges = limitRanges;
        ResourceQuotas = resourceQuotas;
        IgnoredDocuments = ignored;
        var byName = new Dictionary<string, ManifestObject>(StringComparer.Ordinal);
        foreach (ManifestObject ns in namespaces)
        {
            byName[ns.Name] = ns; // A later document wins, as kubectl apply would leave it.
        }

        _namespaces = byName.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>
    /// Pods and the workloads that carry a pod template, in file order: Pod, PodTemplate,
    /// ReplicationController, Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob. Each
    /// <see cref="ManifestObject.Manifest"/> is what <see cref="PodSecurityEvaluator.Evaluate(JsonElement, PodSecurityLevel, PodSecurityVersion)"/> reads.
    /// </summary>
    public ImmutableArray<ManifestObject> Workloads { get; }

    /// <summary>The <c>networking.k8s.io/v1</c> NetworkPolicy objects, in file order.</summary>
    public ImmutableArray<ManifestObject> NetworkPolicyObjects { get; }

    /// <summary>The NetworkPolicies, parsed (same order as <see cref="NetworkPolicyObjects"/>).</summary>
    public NetworkPolicySet NetworkPolicies { get; }

    /// <summary>The <c>v1</c> Namespace objects.</summary>
    public ImmutableArray<ManifestObject> Namespaces { get; }

    /// <summary>The <c>v1</c> LimitRange objects (each parsed by <see cref="LimitRangePolicy.Parse(JsonElement)"/> when loaded; see <see cref="ResourcePolicy"/>).</summary>
    public ImmutableArray<ManifestObject> LimitRanges { get; }

    /// <summary>The <c>v1</c> ResourceQuota objects (each parsed by <see cref="ResourceQuotaPolicy.Parse(JsonElement)"/> when loaded, <c>status.used</c> included; see <see cref="ResourcePolicy"/>).</summary>
    public ImmutableArray<ManifestObject> ResourceQuotas { get; }

    /// <summary>Documents of other kinds (<c>file: document N (apiVersion kind "name")</c>), which were skipped.</summary>
    public ImmutableArray<string> IgnoredDocuments { get; }

    /// <summary>
    /// The resource admission policy of namespace <paramref name="namespaceName"/>, as the API server
    /// would apply it to a pod created there: every loaded LimitRange and ResourceQuota of that
    /// namespace, plus the <paramref name="required"/> requests and limits.
    /// </summary>
    /// <param name="namespaceName">The namespace the pod would be created in.</param>
    /// <param name="required">Requests and limits every container must set (for example <see cref="ResourceRequirement.CpuAndMemory"/>); none when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="namespaceName"/> is <see langword="null"/>.</exception>
    public ResourceAdmissionPolicy ResourcePolicy(string namespaceName, IEnumerable<ResourceRequirement>? required = null)
    {
        ArgumentNullException.ThrowIfNull(namespaceName);
        return new ResourceAdmissionPolicy(
            _limitRangePolicies.Where(p => p.Namespace == namespaceName).Select(p => p.Policy),
            _quotaPolicies.Where(p => p.Namespace == namespaceName).Select(p => p.Policy),
            required);
    }

    /// <summary>
    /// The labels of namespace <paramref name="namespaceName"/> as NetworkPolicy namespace selectors
    /// see them: the loaded Namespace's labels (none when it was not loaded) plus
    /// <see cref="NamespaceNameLabel"/>, which Kubernetes sets to the name on every namespace.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="namespaceName"/> is <see langword="null"/>.</exception>
    public IReadOnlyDictionary<string, string> NamespaceLabels(string namespaceName)
    {
        ArgumentNullException.ThrowIfNull(namespaceName);
        var labels = _namespaces.TryGetValue(namespaceName, out ManifestObject? ns)
            ? new Dictionary<string, string>(ns.Labels, StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
        labels[NamespaceNameLabel] = namespaceName;
        return labels;
    }

    /// <summary>
    /// A NetworkPolicy endpoint for a pod of <paramref name="workload"/>: its namespace, its
    /// <see cref="ManifestObject.PodLabels"/> and <see cref="NamespaceLabels(string)"/>.
    /// </summary>
    /// <param name="workload">One of <see cref="Workloads"/>.</param>
    /// <param name="address">The pod's IP address, if ipBlock peers should see it.</param>
    /// <exception cref="ArgumentNullException"><paramref name="workload"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="workload"/> is not one of <see cref="Workloads"/>.</exception>
    public NetworkEndpoint PodEndpoint(ManifestObject workload, IPAddress? address = null)
    {
        ArgumentNullException.ThrowIfNull(workload);
        if (!Workloads.Contains(workload))
        {
            throw new ArgumentException($"{workload} is not one of the loaded workloads.", nameof(workload));
        }

        return NetworkEndpoint.Pod(workload.Namespace, workload.PodLabels, NamespaceLabels(workload.Namespace), address);
    }
}

/// <summary>
/// Loads the objects admission policy decides on from multi-document Kubernetes YAML or JSON (and
/// <c>v1 List</c> documents, as <c>kubectl get -o yaml</c> writes them): Pod, PodTemplate,
/// ReplicationController, Namespace, LimitRange, ResourceQuota (<c>v1</c>); Deployment, ReplicaSet,
/// StatefulSet, DaemonSet (<c>apps/v1</c>); Job, CronJob (<c>batch/v1</c>); NetworkPolicy
/// (<c>networking.k8s.io/v1</c>). Other kinds are listed in <see cref="AdmissionManifests.IgnoredDocuments"/>.
/// </summary>
/// <remarks>
/// <para>Every object is checked against the KubernetesClient.Aot model of its kind (<c>V1Pod</c>,
/// <c>V1Deployment</c>, …) through the models' source-generated JSON metadata: unknown fields, wrong
/// types and malformed values are refused with a <see cref="ManifestException"/> naming the file, the
/// document and the field path (<c>spec.containers[0].securityContext.privilegd: unknown field at line 9,
/// column 9; did you mean "privileged"?</c>). YAML scalars are typed as Kubernetes types them (YAML 1.1,
/// as sigs.k8s.io/yaml): see docs/admission.md, "Loading manifests".</para>
/// <para>Beyond the structure: a known kind with another version of its built-in API group
/// (<c>extensions/v1beta1 Deployment</c>, <c>batch/v1beta1 CronJob</c>) is refused, while a kind of
/// the same name in a custom group (<c>crd.projectcalico.org/v1 NetworkPolicy</c>) is ignored; every
/// object needs <c>metadata.name</c> (or <c>generateName</c>); a workload needs its pod template with a
/// <c>spec</c> and at least one container; a NetworkPolicy must parse
/// (<see cref="NetworkPolicy.Parse(JsonElement)"/>: CIDRs, ports, selectors).</para>
/// <para>Limits: files over <see cref="ManifestLoader.MaxFileBytes"/> are refused before reading;
/// nesting deeper than 64 levels is refused; YAML aliases may not expand a document to more than twice
/// the nodes read so far plus 10,000 (a "billion laughs" document is refused, not expanded).</para>
/// </remarks>
public static partial class AdmissionManifestLoader
{
    private static readonly FrozenDictionary<string, KindInfo> Kinds = new Dictionary<string, KindInfo>(StringComparer.Ordinal)
    {
        ["Pod"] = new("v1", SourceGenerationContext.Default.V1Pod, Category.Workload, []),
        ["PodTemplate"] = new("v1", SourceGenerationContext.Default.V1PodTemplate, Category.Workload, ["template"]),
        ["ReplicationController"] = new("v1", SourceGenerationContext.Default.V1ReplicationController, Category.Workload, ["spec", "template"]),
        ["Deployment"] = new("apps/v1", SourceGenerationContext.Default.V1Deployment, Category.Workload, ["spec", "template"]),
        ["ReplicaSet"] = new("apps/v1", SourceGenerationContext.Default.V1ReplicaSet, Category.Workload, ["spec", "template"]),
        ["StatefulSet"] = new("apps/v1", SourceGenerationContext.Default.V1StatefulSet, Category.Workload, ["spec", "template"]),
        ["DaemonSet"] = new("apps/v1", SourceGenerationContext.Default.V1DaemonSet, Category.Workload, ["spec", "template"]),
        ["Job"] = new("batch/v1", SourceGenerationContext.Default.V1Job, Category.Workload, ["spec", "template"]),
        ["CronJob"] = new("batch/v1", SourceGenerationContext.Default.V1CronJob, Category.Workload, ["spec", "jobTemplate", "spec", "template"]),
        ["NetworkPolicy"] = new("networking.k8s.io/v1", SourceGenerationContext.Default.V1NetworkPolicy, Category.NetworkPolicy, []),
        ["Namespace"] = new("v1", SourceGenerationContext.Default.V1Namespace, Category.Namespace, []),
        ["LimitRange"] = new("v1", SourceGenerationContext.Default.V1LimitRange, Category.LimitRange, []),
        ["ResourceQuota"] = new("v1", SourceGenerationContext.Default.V1ResourceQuota, Category.ResourceQuota, []),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, string> NoLabels = FrozenDictionary<string, string>.Empty;

    private enum Category
    {
        Workload,
        NetworkPolicy,
        Namespace,
        LimitRange,
        ResourceQuota,
    }

    /// <summary>Loads and merges several files, in the order given.</summary>
    /// <param name="paths">The files.</param>
    /// <returns>The objects of every file.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="paths"/> or one of its items is <see langword="null"/>.</exception>
    /// <exception cref="ManifestException">A file is larger than <see cref="ManifestLoader.MaxFileBytes"/>, is not YAML, or holds an
    /// invalid object of a known kind; the message names the file, the document and the field.</exception>
    /// <exception cref="IOException">A file cannot be read.</exception>
    public static AdmissionManifests LoadFiles(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var builder = new Builder();
        foreach (string path in paths)
        {
            ArgumentNullException.ThrowIfNull(path, nameof(paths));
            builder.Add(ManifestYaml.ReadFile(path), path);
        }

        return builder.Build();
    }

    /// <summary>Loads one file; see <see cref="LoadFiles(IEnumerable{string})"/>.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The objects of the file.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ManifestException">The file is too large, not YAML, or holds an invalid object.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static AdmissionManifests LoadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return LoadFiles([path]);
    }

    /// <summary>Loads manifests from text.</summary>
    /// <param name="yamlOrJson">One or more YAML documents (JSON is YAML).</param>
    /// <param name="sourceName">The name used in errors and <see cref="ManifestObject.Location"/>.</param>
    /// <returns>The objects.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ManifestException">The text is longer than <see cref="ManifestLoader.MaxFileBytes"/> characters, is not
    /// YAML, or holds an invalid object of a known kind; the message names the source, the document and the field.</exception>
    public static AdmissionManifests Load(string yamlOrJson, string sourceName = "<string>")
    {
        ArgumentNullException.ThrowIfNull(yamlOrJson);
        ArgumentNullException.ThrowIfNull(sourceName);
        ManifestYaml.CheckLength(yamlOrJson, sourceName);

        var builder = new Builder();
        builder.Add(yamlOrJson, sourceName);
        return builder.Build();
    }

    /// <summary>The path and problem in Core's <see cref="ArgumentException"/> messages: <c>… '&lt;path&gt;' &lt;problem&gt;. (Parameter 'manifest')</c>.</summary>
    [GeneratedRegex(@"^[^']*'(?<path>[^']*)':? (?<problem>.*?)\.?(?: \(Parameter '[^']*'\))?$", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex CoreMessage();

    private sealed record KindInfo(string ApiVersion, JsonTypeInfo Model, Category Category, string[] TemplatePath);

    private sealed class Builder
    {
        private readonly List<ManifestObject> _workloads = [];
        private readonly List<ManifestObject> _networkPolicyObjects = [];
        private readonly List<NetworkPolicy> _networkPolicies = [];
        private readonly List<ManifestObject> _namespaces = [];
        private readonly List<ManifestObject> _limitRanges = [];
        private readonly List<ManifestObject> _resourceQuotas = [];
        private readonly List<(string Namespace, LimitRangePolicy Policy)> _limitRangePolicies = [];
        private readonly List<(string Namespace, ResourceQuotaPolicy Policy)> _quotaPolicies = [];
        private readonly List<string> _ignored = [];

        public AdmissionManifests Build() => new([.. _workloads], [.. _networkPolicyObjects], new NetworkPolicySet(_networkPolicies),
            [.. _namespaces], [.. _limitRanges], [.. _resourceQuotas], [.. _limitRangePolicies], [.. _quotaPolicies], [.. _ignored]);

        public void Add(string text, string source)
        {
            List<YamlDocument> documents = YamlTreeReader.Read(text, source);
            foreach (YamlDocument document in documents)
            {
                if (document.Root is null or YamlText { IsNull: true })
                {
                    continue; // An empty document ("---" at the end of a file).
                }

                if (document.Root is not YamlMap map)
                {
                    throw new ManifestException(source, document.Index, "", "a document must be a mapping (an object with apiVersion and kind)");
                }

                AddObject(map, source, document.Index, "", null);
            }
        }

        private void AddObject(YamlMap node, string source, int document, string path, string? listItemKind)
        {
            string apiVersion = Text(node, "apiVersion", source, document, path, listItemKind is null ? null : Kinds[listItemKind].ApiVersion);
            string kind = Text(node, "kind", source, document, path, listItemKind);
            if ((kind == "List" && apiVersion == "v1")
                || (kind.EndsWith("List", StringComparison.Ordinal) && Kinds.TryGetValue(kind[..^4], out KindInfo? listed) && listed.ApiVersion == apiVersion))
            {
                string? itemKind = kind == "List" ? null : kind[..^4];
                foreach (var (key, _) in node.Entries)
                {
                    if (key.Value is not ("apiVersion" or "kind" or "metadata" or "items"))
                    {
                        throw new ManifestException(source, document, YamlTreeReader.Join(path, key.Value), $"unknown field at {key.Where} (a {kind} has apiVersion, kind, metadata and items)");
                    }
                }

                YamlValue? items = node.Get("items");
                if (items is YamlText { IsNull: true } or null)
                {
                    return;
                }

                var list = items as YamlList ?? throw new ManifestException(source, document, YamlTreeReader.Join(path, "items"), $"must be a list ({items.Where})");
                for (int i = 0; i < list.Items.Count; i++)
                {
                    string itemPath = YamlTreeReader.Join(path, $"items[{i}]");
                    AddObject(list.Items[i] as YamlMap ?? throw new ManifestException(source, document, itemPath, $"must be a mapping ({list.Items[i].Where})"),
                        source, document, itemPath, itemKind);
                }

                return;
            }

            string location = path.Length > 0 ? $"{source}: document {document} {path}" : $"{source}: document {document}";
            if (!Kinds.TryGetValue(kind, out KindInfo? info) || (apiVersion != info.ApiVersion && !IsBuiltInGroup(apiVersion)))
            {
                _ignored.Add($"{location} ({apiVersion} {kind} {MetadataName(node)})");
                return;
            }

            if (apiVersion != info.ApiVersion)
            {
                throw new ManifestException(source, document, YamlTreeReader.Join(path, "apiVersion"),
                    $"a {kind} must be {info.ApiVersion}, not \"{apiVersion}\" (that version is not served by current Kubernetes)");
            }

            byte[] json = ModelJsonWriter.Write(node, info.Model, apiVersion, kind, source, document, path);
            using JsonDocument parsed = JsonDocument.Parse(json);
            JsonElement manifest = parsed.RootElement.Clone();
            JsonElement metadata = manifest.TryGetProperty("metadata", out JsonElement m) && m.ValueKind == JsonValueKind.Object ? m : default;
            string name = Str(metadata, "name") is { Length: > 0 } n ? n : Str(metadata, "generateName") is { Length: > 0 } g ? g
                : throw new ManifestException(source, document, YamlTreeReader.Join(path, "metadata.name"), "is required");
            string ns = info.Category == Category.Namespace ? "" : Str(metadata, "namespace") is { Length: > 0 } given ? given : "default";
            IReadOnlyDictionary<string, string> labels = Labels(metadata);
            switch (info.Category)
            {
                case Category.Workload:
                    IReadOnlyDictionary<string, string> podLabels = CheckTemplate(manifest, info.TemplatePath, kind, source, document, path);
                    _workloads.Add(new ManifestObject(apiVersion, kind, ns, name, labels, podLabels, manifest, location));
                    break;
                case Category.NetworkPolicy:
                    _networkPolicies.Add(ParseCore(NetworkPolicy.Parse, manifest, source, document, path));
                    _networkPolicyObjects.Add(new ManifestObject(apiVersion, kind, ns, name, labels, NoLabels, manifest, location));
                    break;
                case Category.Namespace:
                    _namespaces.Add(new ManifestObject(apiVersion, kind, ns, name, labels, NoLabels, manifest, location));
                    break;
                case Category.LimitRange:
                    _limitRangePolicies.Add((ns, ParseCore(LimitRangePolicy.Parse, manifest, source, document, path)));
                    _limitRanges.Add(new ManifestObject(apiVersion, kind, ns, name, labels, NoLabels, manifest, location));
                    break;
                default:
                    _quotaPolicies.Add((ns, ParseCore(ResourceQuotaPolicy.Parse, manifest, source, document, path)));
                    _resourceQuotas.Add(new ManifestObject(apiVersion, kind, ns, name, labels, NoLabels, manifest, location));
                    break;
            }
        }

        /// <summary>Runs a Core parser; its <see cref="ArgumentException"/> (which quotes the field path) becomes a <see cref="ManifestException"/> at that field.</summary>
        private static T ParseCore<T>(Func<JsonElement, T> parse, JsonElement manifest, string source, int document, string path)
        {
            try
            {
                return parse(manifest);
            }
            catch (ArgumentException ex)
            {
                Match match = CoreMessage().Match(ex.Message);
                throw match.Success
                    ? new ManifestException(source, document, YamlTreeReader.Join(path, match.Groups["path"].Value), match.Groups["problem"].Value, ex)
                    : new ManifestException(source, document, path, ex.Message, ex);
            }
        }

        /// <summary>The pod template must exist with a spec and a container, or the Pod Security evaluator could not read the workload.</summary>
        private static FrozenDictionary<string, string> CheckTemplate(JsonElement manifest, string[] templatePath, string kind, string source, int document, string path)
        {
            JsonElement pod = manifest;
            string podPath = path;
            foreach (string step in templatePath)
            {
                podPath = YamlTreeReader.Join(podPath, step);
                if (!pod.TryGetProperty(step, out pod) || pod.ValueKind != JsonValueKind.Object)
                {
                    throw new ManifestException(source, document, podPath, $"is required: a {kind} needs its pod template");
                }
            }

            if (!pod.TryGetProperty("spec", out JsonElement spec) || spec.ValueKind != JsonValueKind.Object)
            {
                throw new ManifestException(source, document, YamlTreeReader.Join(podPath, "spec"), "is required");
            }

            if (!spec.TryGetProperty("containers", out JsonElement containers) || containers.ValueKind != JsonValueKind.Array || containers.GetArrayLength() == 0)
            {
                throw new ManifestException(source, document, YamlTreeReader.Join(podPath, "spec.containers"), "must list at least one container");
            }

            return Labels(pod.TryGetProperty("metadata", out JsonElement metadata) ? metadata : default);
        }

        /// <summary>Kubernetes' own API groups: the core group, the unqualified ones (apps, batch, extensions, policy) and <c>*.k8s.io</c>.</summary>
        private static bool IsBuiltInGroup(string apiVersion)
        {
            int slash = apiVersion.LastIndexOf('/');
            string group = slash < 0 ? "" : apiVersion[..slash];
            return !group.Contains('.', StringComparison.Ordinal) || group.EndsWith(".k8s.io", StringComparison.Ordinal);
        }

        private static string Text(YamlMap node, string name, string source, int document, string path, string? defaultValue) => node.Get(name) switch
        {
            null or YamlText { IsNull: true } when defaultValue is not null => defaultValue,
            null or YamlText { IsNull: true } => throw new ManifestException(source, document, YamlTreeReader.Join(path, name), "is required"),
            YamlText { Value.Length: > 0 } text => text.Value,
            YamlValue other => throw new ManifestException(source, document, YamlTreeReader.Join(path, name), $"must be a non-empty string ({other.Where})"),
        };

        private static string MetadataName(YamlMap node) =>
            node.Get("metadata") is YamlMap metadata && metadata.Get("name") is YamlText name ? $"\"{name.Value}\"" : "(unnamed)";

        private static string? Str(JsonElement parent, string name) =>
            parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

        private static FrozenDictionary<string, string> Labels(JsonElement metadata)
        {
            if (metadata.ValueKind != JsonValueKind.Object || !metadata.TryGetProperty("labels", out JsonElement labels) || labels.ValueKind != JsonValueKind.Object)
            {
                return NoLabels;
            }

            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (JsonProperty label in labels.EnumerateObject())
            {
                result[label.Name] = label.Value.GetString() ?? "";
            }

            return result.ToFrozenDictionary(StringComparer.Ordinal);
        }
    }
}
