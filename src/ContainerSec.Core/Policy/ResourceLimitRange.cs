using System.Globalization;
using System.Text.Json;

namespace ContainerSec.Policy;

/// <summary>What a LimitRange item constrains (<c>spec.limits[*].type</c>).</summary>
public enum LimitRangeType
{
    /// <summary>Each container (app and init containers).</summary>
    Container,

    /// <summary>The pod's effective total (app containers and sidecars summed, init containers by their largest step).</summary>
    Pod,

    /// <summary>A PersistentVolumeClaim's storage request: read and validated, not applied to pods.</summary>
    PersistentVolumeClaim,
}

/// <summary>
/// One entry of a LimitRange (<c>spec.limits[i]</c>): minimum, maximum, default limit, default request and
/// maximum limit/request ratio, each a list of resource name → quantity.
/// </summary>
/// <remarks>
/// Construction applies the API server's defaulting of a <see cref="LimitRangeType.Container"/> item
/// (<c>SetDefaults_LimitRangeItem</c>): a missing default limit becomes the maximum; a missing default
/// request becomes the default limit, otherwise the minimum. It then validates as the API server does
/// (<c>ValidateLimitRange</c>) and refuses an invalid item.
/// </remarks>
public sealed class LimitRangeItem
{
    /// <summary>Creates and validates an item.</summary>
    /// <param name="type">What it constrains.</param>
    /// <param name="min">Minimum request (and limit) per container or pod; null for none.</param>
    /// <param name="max">Maximum limit (and request); null for none.</param>
    /// <param name="defaultLimit">Limit written into containers that set none (Container items only).</param>
    /// <param name="defaultRequest">Request written into containers that set none (Container items only).</param>
    /// <param name="maxLimitRequestRatio">Largest allowed limit/request per resource (at least 1).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="type"/> is undefined.</exception>
    /// <exception cref="ArgumentException">
    /// A resource name is not a container resource (<c>cpu</c>, <c>memory</c>, <c>ephemeral-storage</c>,
    /// <c>hugepages-*</c>, a domain-qualified extended resource; any name for PersistentVolumeClaim items);
    /// a quantity is negative; defaults on a Pod item; min &gt; max, min &gt; default request, default
    /// request &gt; max, default request &gt; default, min &gt; default, default &gt; max; a ratio below 1
    /// or above max/min; a default request different from the default for a resource that cannot be
    /// overcommitted; a PersistentVolumeClaim item without storage min or max.
    /// </exception>
    public LimitRangeItem(
        LimitRangeType type,
        IReadOnlyDictionary<string, ResourceQuantity>? min = null,
        IReadOnlyDictionary<string, ResourceQuantity>? max = null,
        IReadOnlyDictionary<string, ResourceQuantity>? defaultLimit = null,
        IReadOnlyDictionary<string, ResourceQuantity>? defaultRequest = null,
        IReadOnlyDictionary<string, ResourceQuantity>? maxLimitRequestRatio = null)
        : this(type, min, max, defaultLimit, defaultRequest, maxLimitRequestRatio, "", "limits")
    {
    }

    private LimitRangeItem(
        LimitRangeType type,
        IReadOnlyDictionary<string, ResourceQuantity>? min,
        IReadOnlyDictionary<string, ResourceQuantity>? max,
        IReadOnlyDictionary<string, ResourceQuantity>? defaultLimit,
        IReadOnlyDictionary<string, ResourceQuantity>? defaultRequest,
        IReadOnlyDictionary<string, ResourceQuantity>? maxLimitRequestRatio,
        string path,
        string paramName)
    {
        if (!Enum.IsDefined(type))
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown LimitRange type.");
        }

        Type = type;
        var mins = Copy(min);
        var maxes = Copy(max);
        var defaults = Copy(defaultLimit);
        var defaultRequests = Copy(defaultRequest);
        var ratios = Copy(maxLimitRequestRatio);
        if (type == LimitRangeType.Container)
        {
            foreach (var (k, v) in maxes)
            {
                defaults.TryAdd(k, v);
            }

            foreach (var (k, v) in defaults)
            {
                defaultRequests.TryAdd(k, v);
            }

            foreach (var (k, v) in mins)
            {
                defaultRequests.TryAdd(k, v);
            }
        }

        Min = mins;
        Max = maxes;
        Default = defaults;
        DefaultRequest = defaultRequests;
        MaxLimitRequestRatio = ratios;
        Validate(path, paramName);
    }

    /// <summary>What the item constrains.</summary>
    public LimitRangeType Type { get; }

    /// <summary><c>min</c>.</summary>
    public IReadOnlyDictionary<string, ResourceQuantity> Min { get; }

    /// <summary><c>max</c>.</summary>
    public IReadOnlyDictionary<string, ResourceQuantity> Max { get; }

    /// <summary><c>default</c> (the default limit), after API defaulting.</summary>
    public IReadOnlyDictionary<string, ResourceQuantity> Default { get; }

    /// <summary><c>defaultRequest</c>, after API defaulting.</summary>
    public IReadOnlyDictionary<string, ResourceQuantity> DefaultRequest { get; }

    /// <summary><c>maxLimitRequestRatio</c>.</summary>
    public IReadOnlyDictionary<string, ResourceQuantity> MaxLimitRequestRatio { get; }

    internal static LimitRangeItem Parse(JsonElement item, string path)
    {
        AdmissionJson.RequireObject(item, path);
        string typeText = AdmissionJson.String(item, "type", path) ?? throw ResourceLists.Malformed(path + ".type", "is required");
        LimitRangeType type = typeText switch
        {
            "Container" => LimitRangeType.Container,
            "Pod" => LimitRangeType.Pod,
            "PersistentVolumeClaim" => LimitRangeType.PersistentVolumeClaim,
            _ => throw ResourceLists.Malformed(path + ".type", $"'{typeText}' is not supported (expected Container, Pod or PersistentVolumeClaim)"),
        };
        return new LimitRangeItem(
            type,
            ResourceLists.Read(item, "min", path),
            ResourceLists.Read(item, "max", path),
            ResourceLists.Read(item, "default", path),
            ResourceLists.Read(item, "defaultRequest", path),
            ResourceLists.Read(item, "maxLimitRequestRatio", path),
            path,
            "manifest");
    }

    private static Dictionary<string, ResourceQuantity> Copy(IReadOnlyDictionary<string, ResourceQuantity>? list) =>
        list is null ? new(StringComparer.Ordinal) : new(list, StringComparer.Ordinal);

    private void Validate(string path, string paramName)
    {
        string Field(string list, string key) => path.Length == 0 ? $"{list}[{key}]" : $"{path}.{list}.{key}";
        ArgumentException Invalid(string field, string reason) =>
            new(path.Length == 0 ? $"Invalid LimitRange item: {field}: {reason}." : $"Malformed manifest: '{field}': {reason}.", paramName);

        var keys = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (listName, list) in (ReadOnlySpan<(string, IReadOnlyDictionary<string, ResourceQuantity>)>)
                 [("min", Min), ("max", Max), ("default", Default), ("defaultRequest", DefaultRequest), ("maxLimitRequestRatio", MaxLimitRequestRatio)])
        {
            foreach (var (name, quantity) in list)
            {
                if (quantity.Sign < 0)
                {
                    throw Invalid(Field(listName, name), $"'{quantity}' must be greater than or equal to 0");
                }

                if (Type != LimitRangeType.PersistentVolumeClaim && ResourceNames.ContainerResourceError(name) is { } error)
                {
                    throw Invalid(Field(listName, name), error);
                }

                keys.Add(name);
            }
        }

        if (Type == LimitRangeType.Pod && (Default.Count > 0 || DefaultRequest.Count > 0))
        {
            string list = Default.Count > 0 ? "default" : "defaultRequest";
            throw Invalid(path.Length == 0 ? list : $"{path}.{list}", "may not be specified when `type` is 'Pod'");
        }

        if (Type == LimitRangeType.PersistentVolumeClaim && !Min.ContainsKey("storage") && !Max.ContainsKey("storage"))
        {
            throw Invalid(path.Length == 0 ? "limits" : path, "either minimum or maximum storage value is required, but neither was provided");
        }

        foreach (string k in keys)
        {
            bool hasMin = Min.TryGetValue(k, out ResourceQuantity min);
            bool hasMax = Max.TryGetValue(k, out ResourceQuantity max);
            bool hasDefault = Default.TryGetValue(k, out ResourceQuantity def);
            bool hasDefaultRequest = DefaultRequest.TryGetValue(k, out ResourceQuantity defReq);
            bool hasRatio = MaxLimitRequestRatio.TryGetValue(k, out ResourceQuantity ratio);
            if (hasMin && hasMax && min > max)
            {
                throw Invalid(Field("min", k), $"min value {min} is greater than max value {max}");
            }

            if (hasDefaultRequest && hasMin && min > defReq)
            {
                throw Invalid(Field("defaultRequest", k), $"min value {min} is greater than default request value {defReq}");
            }

            if (hasDefaultRequest && hasMax && defReq > max)
            {
                throw Invalid(Field("defaultRequest", k), $"default request value {defReq} is greater than max value {max}");
            }

            if (hasDefaultRequest && hasDefault && defReq > def)
            {
                throw Invalid(Field("defaultRequest", k), $"default request value {defReq} is greater than default limit value {def}");
            }

            if (hasDefault && hasMin && min > def)
            {
                throw Invalid(Field("default", k), $"min value {min} is greater than default value {def}");
            }

            if (hasDefault && hasMax && def > max)
            {
                throw Invalid(Field("default", k), $"default value {def} is greater than max value {max}");
            }

            if (hasRatio && ratio < ResourceQuantity.FromValue(1))
            {
                throw Invalid(Field("maxLimitRequestRatio", k), $"ratio {ratio} is less than 1");
            }

            if (hasRatio && hasMin && hasMax && !min.IsZero)
            {
                // ValidateLimitRange: ratio ≤ max/min, both in milli units when everything fits (as the API server).
                bool milli = ratio.Value < ResourceQuantity.MaxMilliValue && min.Value < ResourceQuantity.MaxMilliValue && max.Value < ResourceQuantity.MaxMilliValue;
                Int128 r = milli ? ratio.MilliValue : (Int128)ratio.Value * 1000;
                Int128 lo = milli ? min.MilliValue : min.Value;
                Int128 hi = milli ? max.MilliValue : max.Value;
                if (r * lo > hi * 1000)
                {
                    string limit = ((double)hi / (double)lo).ToString("F6", CultureInfo.InvariantCulture);
                    throw Invalid(Field("maxLimitRequestRatio", k), $"ratio {ratio} is greater than max/min = {limit}");
                }
            }

            if (!ResourceNames.IsOvercommitAllowed(k) && hasDefault && hasDefaultRequest && def != defReq)
            {
                throw Invalid(Field("default", k), $"default value {def} must equal to defaultRequest value {defReq} in {k}");
            }
        }
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Type}: min {ResourceLists.Format(Min)} max {ResourceLists.Format(Max)} default {ResourceLists.Format(Default)} " +
        $"defaultRequest {ResourceLists.Format(DefaultRequest)} maxLimitRequestRatio {ResourceLists.Format(MaxLimitRequestRatio)}";
}

/// <summary>
/// A namespace's LimitRange (<c>v1 LimitRange</c>), applied to pods exactly as the LimitRanger admission
/// plugin: defaults first, then min, max and limit/request ratio per container and per pod.
/// </summary>
/// <remarks>See <c>docs/admission.md</c>, "Resource limits", for the order of steps and how values are compared.</remarks>
public sealed class LimitRangePolicy
{
    /// <summary>Creates a LimitRange from items built in code.</summary>
    /// <param name="name">The LimitRange's name (used in violation sources).</param>
    /// <param name="limits">The items; at most one per type.</param>
    /// <exception cref="ArgumentNullException">An argument or item is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">Two items have the same type.</exception>
    public LimitRangePolicy(string name, IEnumerable<LimitRangeItem> limits)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(limits);
        var list = new List<LimitRangeItem>();
        foreach (LimitRangeItem item in limits)
        {
            ArgumentNullException.ThrowIfNull(item, nameof(limits));
            if (list.Exists(i => i.Type == item.Type))
            {
                throw new ArgumentException($"Duplicate LimitRange item of type {item.Type}.", nameof(limits));
            }

            list.Add(item);
        }

        Name = name;
        Limits = list;
    }

    /// <summary>The name.</summary>
    public string Name { get; }

    /// <summary>The items (<c>spec.limits</c>), after API defaulting.</summary>
    public IReadOnlyList<LimitRangeItem> Limits { get; }

    /// <summary>Reads a <c>v1 LimitRange</c> manifest in its JSON form.</summary>
    /// <param name="manifest">The LimitRange object (<c>kind: LimitRange</c>).</param>
    /// <returns>The policy.</returns>
    /// <exception cref="ArgumentException">
    /// The manifest is not a LimitRange, a field has the wrong JSON type, a quantity is malformed or
    /// negative, a type or resource name is not supported, two items share a type, or an item is invalid
    /// (see <see cref="LimitRangeItem"/>); the message names the field.
    /// </exception>
    public static LimitRangePolicy Parse(JsonElement manifest)
    {
        string name = ResourceNames.RequireKind(manifest, "LimitRange");
        var items = new List<LimitRangeItem>();
        JsonElement spec = AdmissionJson.Object(manifest, "spec", "") ?? throw ResourceLists.Malformed("spec", "is required");
        foreach (var (item, path) in AdmissionJson.Items(spec, "limits", "spec"))
        {
            LimitRangeItem parsed = LimitRangeItem.Parse(item, path);
            if (items.Exists(i => i.Type == parsed.Type))
            {
                throw ResourceLists.Malformed(path + ".type", $"duplicate type '{parsed.Type}'");
            }

            items.Add(parsed);
        }

        return new LimitRangePolicy(name, items);
    }

    /// <summary>Applies this LimitRange alone to a Pod or a workload's pod template.</summary>
    /// <param name="manifest">A Pod, PodTemplate, ReplicationController, Deployment, ReplicaSet, StatefulSet, DaemonSet, Job or CronJob.</param>
    /// <returns>The defaulted resources and every violation.</returns>
    /// <exception cref="ArgumentException">The manifest is malformed; the message names the field.</exception>
    public ResourceAdmissionResult Evaluate(JsonElement manifest) => new ResourceAdmissionPolicy(limitRanges: [this]).Evaluate(manifest);

    /// <summary>Writes the defaults of every Container item into containers that do not set them (LimitRanger's mutation).</summary>
    internal void ApplyDefaults(ResourcePod pod)
    {
        // defaultContainerResourceRequirements: every Container item contributes; a later item wins for the same resource.
        var requests = new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal);
        var limits = new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal);
        foreach (LimitRangeItem item in Limits)
        {
            if (item.Type == LimitRangeType.Container)
            {
                foreach (var (k, v) in item.DefaultRequest)
                {
                    requests[k] = v;
                }

                foreach (var (k, v) in item.Default)
                {
                    limits[k] = v;
                }
            }
        }

        foreach (ContainerResources container in pod.Containers)
        {
            foreach (var (k, v) in limits)
            {
                container.SetLimitDefault(k, v);
            }

            foreach (var (k, v) in requests)
            {
                container.SetRequestDefault(k, v);
            }
        }
    }

    /// <summary>LimitRanger's validation (PodValidateLimitFunc) of the defaulted pod.</summary>
    internal void Validate(ResourcePod pod, Dictionary<string, ResourceQuantity> podRequests, Dictionary<string, ResourceQuantity> podLimits, List<ResourceViolation> violations)
    {
        string source = "LimitRange/" + Name;
        foreach (LimitRangeItem item in Limits)
        {
            if (item.Type == LimitRangeType.Container)
            {
                foreach (ContainerResources c in pod.Containers)
                {
                    var target = new LimitTarget("Container", c.Name, c.Path + ".resources", c.Requests, c.Limits);
                    Check(item, target, source, violations);
                }
            }
            else if (item.Type == LimitRangeType.Pod)
            {
                var target = new LimitTarget("Pod", "", pod.SpecPath + ".containers[*].resources", podRequests, podLimits);
                Check(item, target, source, violations);
            }
        }
    }

    private static void Check(LimitRangeItem item, LimitTarget t, string source, List<ResourceViolation> violations)
    {
        foreach (var (k, enforced) in item.Min)
        {
            bool hasReq = t.Requests.TryGetValue(k, out ResourceQuantity req);
            bool hasLim = t.Limits.TryGetValue(k, out ResourceQuantity lim);
            var (r, l, e) = CommonPrecision(req, lim, enforced);
            string head = $"minimum {k} usage per {t.Type} is {enforced}";
            if (!hasReq)
            {
                violations.Add(t.Violation(ResourceViolationKind.BelowMinimum, source, false, k, "<unset>", enforced, head + ".  No request is specified"));
            }
            else if (r < e)
            {
                violations.Add(t.Violation(ResourceViolationKind.BelowMinimum, source, false, k, req.ToString(), enforced, $"{head}, but request is {req}"));
            }
            else if (hasLim && l < e)
            {
                violations.Add(t.Violation(ResourceViolationKind.BelowMinimum, source, true, k, lim.ToString(), enforced, $"{head}, but limit is {lim}"));
            }
        }

        foreach (var (k, enforced) in item.Max)
        {
            bool hasReq = t.Requests.TryGetValue(k, out ResourceQuantity req);
            bool hasLim = t.Limits.TryGetValue(k, out ResourceQuantity lim);
            var (r, l, e) = CommonPrecision(req, lim, enforced);
            string head = $"maximum {k} usage per {t.Type} is {enforced}";
            if (!hasLim)
            {
                violations.Add(t.Violation(ResourceViolationKind.AboveMaximum, source, true, k, "<unset>", enforced, head + ".  No limit is specified"));
            }
            else if (l > e)
            {
                violations.Add(t.Violation(ResourceViolationKind.AboveMaximum, source, true, k, lim.ToString(), enforced, $"{head}, but limit is {lim}"));
            }
            else if (hasReq && r > e)
            {
                violations.Add(t.Violation(ResourceViolationKind.AboveMaximum, source, false, k, req.ToString(), enforced, $"{head}, but request is {req}"));
            }
        }

        foreach (var (k, enforced) in item.MaxLimitRequestRatio)
        {
            bool hasReq = t.Requests.TryGetValue(k, out ResourceQuantity req);
            bool hasLim = t.Limits.TryGetValue(k, out ResourceQuantity lim);
            var (r, l, _) = CommonPrecision(req, lim, enforced);
            string head = $"{k} max limit to request ratio per {t.Type} is {enforced}";
            if (!hasReq || r == 0)
            {
                violations.Add(t.Violation(ResourceViolationKind.LimitRequestRatio, source, false, k, hasReq ? req.ToString() : "<unset>", enforced, head + ", but no request is specified or request is 0"));
                continue;
            }

            if (!hasLim || l == 0)
            {
                violations.Add(t.Violation(ResourceViolationKind.LimitRequestRatio, source, true, k, hasLim ? lim.ToString() : "<unset>", enforced, head + ", but no limit is specified or limit is 0"));
                continue;
            }

            // Upstream: float64(l)/float64(r)·1000 > float64(enforced.MilliValue()) — here exactly, in integers.
            bool exceeds = enforced.Value <= ResourceQuantity.MaxMilliValue
                ? (Int128)l * 1000 > (Int128)enforced.MilliValue * r
                : (Int128)l > (Int128)enforced.Value * r;
            if (exceeds)
            {
                string ratio = ((double)l / r).ToString("F6", CultureInfo.InvariantCulture);
                violations.Add(t.Violation(ResourceViolationKind.LimitRequestRatio, source, true, k, ratio, enforced, $"{head}, but provided ratio is {ratio}"));
            }
        }
    }

    /// <summary>
    /// LimitRanger's requestLimitEnforcedValues: all three in milli units rounded up, or in whole units rounded
    /// up when any of them exceeds <see cref="ResourceQuantity.MaxMilliValue"/>. A missing value counts as 0.
    /// </summary>
    private static (long Request, long Limit, long Enforced) CommonPrecision(ResourceQuantity request, ResourceQuantity limit, ResourceQuantity enforced)
    {
        long r = request.Value, l = limit.Value, e = enforced.Value;
        return r <= ResourceQuantity.MaxMilliValue && l <= ResourceQuantity.MaxMilliValue && e <= ResourceQuantity.MaxMilliValue
            ? (request.MilliValue, limit.MilliValue, enforced.MilliValue)
            : (r, l, e);
    }

    private readonly record struct LimitTarget(string Type, string Container, string ResourcesPath, IReadOnlyDictionary<string, ResourceQuantity> Requests, IReadOnlyDictionary<string, ResourceQuantity> Limits)
    {
        public ResourceViolation Violation(ResourceViolationKind kind, string source, bool limit, string resource, string value, ResourceQuantity bound, string message) =>
            new(kind, source, Container, $"{ResourcesPath}.{(limit ? "limits" : "requests")}.{resource}", resource, value, bound.ToString(), message);
    }
}

/// <summary>Kubernetes resource-name rules the policies need.</summary>
internal static class ResourceNames
{
    /// <summary>Why <paramref name="name"/> is not a container resource name (validateContainerResourceName), or null.</summary>
    public static string? ContainerResourceError(string name)
    {
        int slash = name.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            bool standard = name is "cpu" or "memory" or "ephemeral-storage" || (name.StartsWith("hugepages-", StringComparison.Ordinal) && name.Length > 10);
            return standard ? null : $"'{name}' must be a standard resource for containers (cpu, memory, ephemeral-storage, hugepages-<size>) or a domain-qualified extended resource";
        }

        if (slash == 0 || slash == name.Length - 1 || name.IndexOf('/', slash + 1) >= 0 || name.StartsWith("requests.", StringComparison.Ordinal))
        {
            return $"'{name}' doesn't follow extended resource name standard";
        }

        return null;
    }

    /// <summary>Whether requests may be below limits: only for cpu, memory, ephemeral-storage and other native resources (not huge pages, not extended resources).</summary>
    public static bool IsOvercommitAllowed(string name) => IsNative(name) && !name.StartsWith("hugepages-", StringComparison.Ordinal);

    /// <summary>A native resource: no domain, or a <c>kubernetes.io/</c> domain.</summary>
    public static bool IsNative(string name) => !name.Contains('/', StringComparison.Ordinal) || name.Contains("kubernetes.io/", StringComparison.Ordinal);

    /// <summary>An extended resource: domain-qualified, not native, not a quota <c>requests.</c> name.</summary>
    public static bool IsExtended(string name) => !IsNative(name) && !name.StartsWith("requests.", StringComparison.Ordinal);

    /// <summary>Checks the manifest is an object of the kind and returns its <c>metadata.name</c> (empty when absent).</summary>
    public static string RequireKind(JsonElement manifest, string kind)
    {
        if (manifest.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException($"The manifest must be a JSON object, not {manifest.ValueKind}.", nameof(manifest));
        }

        string? actual = AdmissionJson.String(manifest, "kind", "");
        if (actual != kind)
        {
            throw new ArgumentException($"Malformed manifest: 'kind' must be {kind}, not '{actual ?? "<unset>"}'.", nameof(manifest));
        }

        return AdmissionJson.Object(manifest, "metadata", "") is { } metadata ? AdmissionJson.String(metadata, "name", "metadata") ?? "" : "";
    }
}
