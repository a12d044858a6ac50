using System.Globalization;
using System.Text.Json;

namespace ContainerSec.Policy;

/// <summary>
/// The compute resources of one container as admission would write them: what the manifest says, plus
/// the defaults filled in (a request copied from the limit by Pod defaulting, LimitRange defaults).
/// </summary>
public sealed class ContainerResources
{
    private readonly Dictionary<string, ResourceQuantity> _requests;
    private readonly Dictionary<string, ResourceQuantity> _limits;
    private readonly List<string> _defaultedRequests = [];
    private readonly List<string> _defaultedLimits = [];

    internal ContainerResources(string name, string path, bool isInit, bool isSidecar, Dictionary<string, ResourceQuantity> requests, Dictionary<string, ResourceQuantity> limits)
    {
        Name = name;
        Path = path;
        IsInitContainer = isInit;
        IsSidecar = isSidecar;
        _requests = requests;
        _limits = limits;
    }

    /// <summary>The container name.</summary>
    public string Name { get; }

    /// <summary>The container's field path, e.g. <c>spec.containers[1]</c> or <c>spec.template.spec.initContainers[0]</c>.</summary>
    public string Path { get; }

    /// <summary>True for an entry of <c>initContainers</c>.</summary>
    public bool IsInitContainer { get; }

    /// <summary>True for an init container with <c>restartPolicy: Always</c> (a sidecar: it runs beside the app containers).</summary>
    public bool IsSidecar { get; }

    /// <summary><c>resources.requests</c> after defaulting.</summary>
    public IReadOnlyDictionary<string, ResourceQuantity> Requests => _requests;

    /// <summary><c>resources.limits</c> after defaulting.</summary>
    public IReadOnlyDictionary<string, ResourceQuantity> Limits => _limits;

    /// <summary>The request names that admission filled in (absent from the manifest).</summary>
    public IReadOnlyList<string> DefaultedRequests => _defaultedRequests;

    /// <summary>The limit names that admission filled in (absent from the manifest).</summary>
    public IReadOnlyList<string> DefaultedLimits => _defaultedLimits;

    /// <summary>Who the container is in messages: <c>container "app"</c> or <c>init container "setup"</c>.</summary>
    internal string Display => (IsInitContainer ? "init container \"" : "container \"") + Name + "\"";

    internal Dictionary<string, ResourceQuantity> MutableRequests => _requests;

    internal Dictionary<string, ResourceQuantity> MutableLimits => _limits;

    internal void SetRequestDefault(string resource, ResourceQuantity value)
    {
        if (_requests.TryAdd(resource, value))
        {
            _defaultedRequests.Add(resource);
        }
    }

    internal void SetLimitDefault(string resource, ResourceQuantity value)
    {
        if (_limits.TryAdd(resource, value))
        {
            _defaultedLimits.Add(resource);
        }
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Display} requests {ResourceLists.Format(_requests)} limits {ResourceLists.Format(_limits)}";
}

/// <summary>A pod (or a workload's pod template) reduced to what resource admission reads.</summary>
internal sealed class ResourcePod
{
    private ResourcePod(string specPath, List<ContainerResources> containers, Dictionary<string, ResourceQuantity> overhead, long? activeDeadlineSeconds)
    {
        SpecPath = specPath;
        Containers = containers;
        Overhead = overhead;
        ActiveDeadlineSeconds = activeDeadlineSeconds;
    }

    public string SpecPath { get; }

    /// <summary>App containers first, then init containers (the order LimitRanger visits them). Ephemeral containers have no resources and are not listed.</summary>
    public List<ContainerResources> Containers { get; }

    public Dictionary<string, ResourceQuantity> Overhead { get; }

    public long? ActiveDeadlineSeconds { get; }

    /// <summary>Reads the pod and applies Pod API defaulting: a limit without a request sets the request.</summary>
    public static ResourcePod FromManifest(JsonElement manifest)
    {
        PodSecurityPod pod = PodSecurityPod.FromManifest(manifest);
        JsonElement spec = pod.Spec;
        string specPath = pod.SpecPath;
        if (AdmissionJson.TryGet(spec, "resources", out _))
        {
            throw new ArgumentException(
                $"'{specPath}.resources' (pod-level resources) is not supported by the resource policies; set resources per container.", nameof(manifest));
        }

        var containers = new List<ContainerResources>();
        foreach (string list in (ReadOnlySpan<string>)["containers", "initContainers"])
        {
            foreach (var (item, path) in AdmissionJson.Items(spec, list, specPath))
            {
                AdmissionJson.RequireObject(item, path);
                string name = AdmissionJson.String(item, "name", path) ?? "";
                bool isInit = list == "initContainers";
                bool sidecar = isInit && AdmissionJson.String(item, "restartPolicy", path) == "Always";
                JsonElement? resources = AdmissionJson.Object(item, "resources", path);
                string resourcesPath = path + ".resources";
                var requests = resources is { } r1 ? ResourceLists.Read(r1, "requests", resourcesPath) : new(StringComparer.Ordinal);
                var limits = resources is { } r2 ? ResourceLists.Read(r2, "limits", resourcesPath) : new(StringComparer.Ordinal);
                var container = new ContainerResources(name, path, isInit, sidecar, requests, limits);
                foreach (var (resource, limit) in limits)
                {
                    container.SetRequestDefault(resource, limit); // SetDefaults_Pod: requests default to limits
                }

                containers.Add(container);
            }
        }

        var overhead = ResourceLists.Read(spec, "overhead", specPath);
        long? deadline = AdmissionJson.Int(spec, "activeDeadlineSeconds", specPath);
        return new ResourcePod(specPath, containers, overhead, deadline);
    }

    /// <summary>Effective pod requests (or limits): the sum of app containers and sidecars, or the largest init container step if that is more, per resource.</summary>
    public Dictionary<string, ResourceQuantity> Effective(bool limits)
    {
        var total = new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal);
        foreach (ContainerResources c in Containers)
        {
            if (!c.IsInitContainer)
            {
                ResourceLists.AddTo(total, limits ? c.Limits : c.Requests);
            }
        }

        var sidecars = new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal);
        var initMax = new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal);
        foreach (ContainerResources c in Containers)
        {
            if (!c.IsInitContainer)
            {
                continue;
            }

            IReadOnlyDictionary<string, ResourceQuantity> own = limits ? c.Limits : c.Requests;
            Dictionary<string, ResourceQuantity> step;
            if (c.IsSidecar)
            {
                ResourceLists.AddTo(total, own);
                ResourceLists.AddTo(sidecars, own);
                step = sidecars;
            }
            else
            {
                step = new Dictionary<string, ResourceQuantity>(own, StringComparer.Ordinal);
                ResourceLists.AddTo(step, sidecars);
            }

            ResourceLists.MaxInto(initMax, step);
        }

        ResourceLists.MaxInto(total, initMax);
        return total;
    }
}

/// <summary>Resource lists (<c>name → quantity</c>): JSON reading and the list arithmetic of Kubernetes' resource helpers.</summary>
internal static class ResourceLists
{
    public static Dictionary<string, ResourceQuantity> Read(JsonElement parent, string name, string path)
    {
        var list = new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal);
        if (AdmissionJson.Object(parent, name, path) is not { } obj)
        {
            return list;
        }

        string listPath = AdmissionJson.Join(path, name);
        foreach (JsonProperty property in obj.EnumerateObject())
        {
            string fieldPath = listPath + "." + property.Name;
            if (property.Name.Length == 0)
            {
                throw Malformed(fieldPath, "a resource name must not be empty");
            }

            ResourceQuantity value = Quantity(property.Value, fieldPath);
            if (value.Sign < 0)
            {
                throw Malformed(fieldPath, $"'{value}' is negative; must be greater than or equal to 0");
            }

            list[property.Name] = value;
        }

        return list;
    }

    /// <summary>A quantity in JSON: a string (surrounding whitespace trimmed, as Quantity.UnmarshalJSON) or a number.</summary>
    public static ResourceQuantity Quantity(JsonElement value, string path)
    {
        string text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!.Trim(),
            JsonValueKind.Number => value.GetRawText(),
            _ => throw Malformed(path, $"must be a quantity (string or number), not {value.ValueKind}"),
        };

        string? error = ResourceQuantity.TryParseCore(text, out ResourceQuantity quantity);
        return error is null ? quantity : throw Malformed(path, $"'{text}' is not a valid resource quantity: {error}");
    }

#pragma warning disable CA2208 // The helper reports the public entry point's parameter, not its own.
    public static ArgumentException Malformed(string path, string reason) => new($"Malformed manifest: '{path}': {reason}.", "manifest");
#pragma warning restore CA2208

    public static void AddTo(Dictionary<string, ResourceQuantity> total, IReadOnlyDictionary<string, ResourceQuantity> add)
    {
        foreach (var (name, quantity) in add)
        {
            try
            {
                total[name] = total.TryGetValue(name, out ResourceQuantity value) ? value + quantity : quantity;
            }
            catch (OverflowException)
            {
                throw Malformed(name, "the pod's total exceeds 2^63-1");
            }
        }
    }

    public static void MaxInto(Dictionary<string, ResourceQuantity> list, IReadOnlyDictionary<string, ResourceQuantity> other)
    {
        foreach (var (name, quantity) in other)
        {
            if (!list.TryGetValue(name, out ResourceQuantity value) || quantity > value)
            {
                list[name] = quantity;
            }
        }
    }

    public static string Format(IEnumerable<KeyValuePair<string, ResourceQuantity>> list) =>
        string.Join(",", list.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value.ToString()));

    public static string Path(ContainerResources container, bool limit, string resource) =>
        string.Create(CultureInfo.InvariantCulture, $"{container.Path}.resources.{(limit ? "limits" : "requests")}.{resource}");
}
