// The Pod Security checks as they stood before the allocation-free rewrite (commit d1506a4,
// src/ContainerSec.Core/Policy/PodSecurityChecks.cs), kept verbatim apart from the class name and the
// Evaluate entry point, as the oracle of PodSecurityEquivalenceTests: the rewrite must report the same
// violations (check id, path, value, reason, detail) and throw the same errors on every input.
// Do not "fix" this file; it is frozen on purpose.
using System.Globalization;
using System.Text.Json;
using ContainerSec.Policy;

namespace ContainerSec.Tests.Policy;

#pragma warning disable CA1502, CA1505, CA1506, IDE0011, IDE0046, IDE0045 // A frozen copy; kept as it was.
internal static class PodSecurityReference
{
    private const string Unset = "<unset>";

    /// <summary>PodSecurityEvaluator.Evaluate as it was: every violation, or the error a malformed manifest throws.</summary>
    public static List<PodSecurityViolation> Evaluate(JsonElement manifest, PodSecurityLevel level, PodSecurityVersion version)
    {
        ArgumentNullException.ThrowIfNull(level);
        PodSecurityPod pod = PodSecurityPod.FromManifest(manifest);
        var violations = new List<PodSecurityViolation>();
        if (level != PodSecurityLevel.Privileged)
        {
            Run(pod, level, version, violations);
        }

        return violations;
    }

    private static readonly HashSet<string> BaselineCapabilities = new(StringComparer.Ordinal)
    {
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
        "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
    };

    private static readonly HashSet<string> RestrictedVolumeTypes = new(StringComparer.Ordinal)
    {
        "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret",
    };

    private static readonly string[] Sysctls1Dot0 =
    [
        "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
    ];

    private static readonly HashSet<string> SysctlsV1Dot0 = new(Sysctls1Dot0, StringComparer.Ordinal);

    private static readonly HashSet<string> SysctlsV1Dot27 = new([.. Sysctls1Dot0, "net.ipv4.ip_local_reserved_ports"], StringComparer.Ordinal);

    private static readonly HashSet<string> SysctlsV1Dot29 = new(
        [.. SysctlsV1Dot27, "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"],
        StringComparer.Ordinal);

    private static readonly HashSet<string> SysctlsV1Dot32 = new([.. SysctlsV1Dot29, "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"], StringComparer.Ordinal);

    private static readonly HashSet<string> SeLinuxTypesV1Dot0 = new(StringComparer.Ordinal) { "", "container_t", "container_init_t", "container_kvm_t" };

    private static readonly HashSet<string> SeLinuxTypesV1Dot31 = new(SeLinuxTypesV1Dot0, StringComparer.Ordinal) { "container_engine_t" };

    private static readonly Check[] All =
    [
        // Baseline
        new("privileged", PodSecurityLevel.Baseline, [new(0, Privileged)]),
        new("hostNamespaces", PodSecurityLevel.Baseline, [new(0, HostNamespaces)]),
        new("hostPathVolumes", PodSecurityLevel.Baseline, [new(0, HostPathVolumes)]),
        new("hostPorts", PodSecurityLevel.Baseline, [new(0, HostPorts)]),
        new("hostProbesAndHostLifecycle", PodSecurityLevel.Baseline, [new(34, HostProbesAndHostLifecycle)]),
        new("capabilities_baseline", PodSecurityLevel.Baseline, [new(0, CapabilitiesBaseline)]),
        new("appArmorProfile", PodSecurityLevel.Baseline, [new(0, AppArmorProfile)]),
        new("seLinuxOptions", PodSecurityLevel.Baseline, [new(0, (p, s) => SeLinuxOptions(p, s, SeLinuxTypesV1Dot0)), new(31, (p, s) => SeLinuxOptions(p, s, SeLinuxTypesV1Dot31))]),
        new("procMount", PodSecurityLevel.Baseline, [new(0, (p, s) => ProcMount(p, s, userNamespaceExempt: false)), new(35, (p, s) => ProcMount(p, s, userNamespaceExempt: true))]),
        new("seccompProfile_baseline", PodSecurityLevel.Baseline, [new(0, SeccompAnnotations), new(19, SeccompFields)]),
        new("sysctls", PodSecurityLevel.Baseline,
            [new(0, (p, s) => Sysctls(p, s, SysctlsV1Dot0)), new(27, (p, s) => Sysctls(p, s, SysctlsV1Dot27)), new(29, (p, s) => Sysctls(p, s, SysctlsV1Dot29)), new(32, (p, s) => Sysctls(p, s, SysctlsV1Dot32))]),
        new("windowsHostProcess", PodSecurityLevel.Baseline, [new(0, WindowsHostProcess)]),

        // Restricted
        new("restrictedVolumes", PodSecurityLevel.Restricted, [new(0, RestrictedVolumes)]),
        new("allowPrivilegeEscalation", PodSecurityLevel.Restricted, [new(8, (p, s) => AllowPrivilegeEscalation(p, s, windowsExempt: false)), new(25, (p, s) => AllowPrivilegeEscalation(p, s, windowsExempt: true))]),
        new("runAsNonRoot", PodSecurityLevel.Restricted, [new(0, RunAsNonRoot)]),
        new("runAsUser", PodSecurityLevel.Restricted, [new(23, RunAsUser)]),
        new("seccompProfile_restricted", PodSecurityLevel.Restricted,
            [new(19, (p, s) => SeccompRestricted(p, s, windowsExempt: false), "seccompProfile_baseline"), new(25, (p, s) => SeccompRestricted(p, s, windowsExempt: true), "seccompProfile_baseline")]),
        new("capabilities_restricted", PodSecurityLevel.Restricted,
            [new(22, (p, s) => CapabilitiesRestricted(p, s, windowsExempt: false), "capabilities_baseline"), new(25, (p, s) => CapabilitiesRestricted(p, s, windowsExempt: true), "capabilities_baseline")]),
        new("procMount_restricted", PodSecurityLevel.Restricted, [new(35, (p, s) => ProcMount(p, s, userNamespaceExempt: false), "procMount")]),
    ];

    /// <summary>The check ids and the minor versions where each starts or changes, for documentation and tests.</summary>
    internal static IEnumerable<(string Id, string Level, int[] Versions)> Catalog => All.Select(c => (c.Id, c.Level.Name, c.Versions.Select(v => v.MinMinor).ToArray()));

    /// <summary>The checks to run per level and version; versions past the newest known share one entry, so the cache stays small.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(int Rank, int Minor), (string Id, CheckFunction Fn)[]> Plans = new();

    public static void Run(PodSecurityPod pod, PodSecurityLevel level, PodSecurityVersion version, List<PodSecurityViolation> violations)
    {
        int minor = Math.Min(version.Minor, PodSecurityVersion.NewestKnown.Minor + 1);
        foreach (var (id, fn) in Plans.GetOrAdd((level.Rank, minor), static key => Plan(key.Rank, key.Minor)))
        {
            fn(pod, new Sink(id, violations));
        }
    }

    private static (string Id, CheckFunction Fn)[] Plan(int rank, int minor)
    {
        var version = PodSecurityVersion.V1(minor);
        var chosen = new List<(Check Check, Versioned Versioned)>();
        var overridden = new HashSet<string>(StringComparer.Ordinal);
        foreach (Check check in All)
        {
            if (check.Level.Rank > rank)
            {
                continue;
            }

            Versioned? applicable = null;
            foreach (Versioned candidate in check.Versions)
            {
                if (version.AtLeast(candidate.MinMinor))
                {
                    applicable = candidate;
                }
            }

            if (applicable is not null)
            {
                chosen.Add((check, applicable));
                overridden.UnionWith(applicable.Overrides);
            }
        }

        return [.. chosen.Where(c => !overridden.Contains(c.Check.Id)).Select(c => (c.Check.Id, c.Versioned.Fn))];
    }

    private static void Privileged(PodSecurityPod pod, Sink sink)
    {
        foreach (PodSecurityContainer c in pod.Containers)
        {
            string path = c.SecurityContextPath;
            if (AdmissionJson.Bool(SecurityContext(c), "privileged"u8, path) == true)
            {
                sink.Add(path + ".privileged", "true", "privileged", $"container \"{c.Name}\" must not set securityContext.privileged=true");
            }
        }
    }

    private static void HostNamespaces(PodSecurityPod pod, Sink sink)
    {
        foreach (string field in (ReadOnlySpan<string>)["hostNetwork", "hostPID", "hostIPC"])
        {
            if (AdmissionJson.Bool(pod.Spec, field, pod.SpecPath) == true)
            {
                sink.Add($"{pod.SpecPath}.{field}", "true", "host namespaces", $"{field}=true");
            }
        }
    }

    private static void HostPathVolumes(PodSecurityPod pod, Sink sink)
    {
        foreach (var (volume, path) in AdmissionJson.Items(pod.Spec, "volumes", pod.SpecPath))
        {
            if (AdmissionJson.TryGet(volume, "hostPath"u8, out JsonElement hostPath))
            {
                sink.Add(path + ".hostPath", hostPath.GetRawText(), "hostPath volumes", $"volume \"{VolumeName(volume, path)}\"");
            }
        }
    }

    private static void HostPorts(PodSecurityPod pod, Sink sink)
    {
        foreach (PodSecurityContainer c in pod.Containers)
        {
            foreach (var (port, path) in AdmissionJson.Items(c.Element, "ports", c.Path))
            {
                if (AdmissionJson.Int(port, "hostPort"u8, path) is long hostPort and not 0)
                {
                    string value = hostPort.ToString(CultureInfo.InvariantCulture);
                    sink.Add(path + ".hostPort", value, "hostPort", $"container \"{c.Name}\" uses hostPort {value}");
                }
            }
        }
    }

    private static void HostProbesAndHostLifecycle(PodSecurityPod pod, Sink sink)
    {
        foreach (PodSecurityContainer c in pod.Containers)
        {
            foreach (string probe in (ReadOnlySpan<string>)["livenessProbe", "readinessProbe", "startupProbe"])
            {
                if (AdmissionJson.Object(c.Element, probe, c.Path) is { } handler)
                {
                    HandlerHost(c, handler, $"{c.Path}.{probe}", sink);
                }
            }

            if (AdmissionJson.Object(c.Element, "lifecycle"u8, c.Path) is { } lifecycle)
            {
                foreach (string hook in (ReadOnlySpan<string>)["postStart", "preStop"])
                {
                    if (AdmissionJson.Object(lifecycle, hook, c.Path + ".lifecycle") is { } handler)
                    {
                        HandlerHost(c, handler, $"{c.Path}.lifecycle.{hook}", sink);
                    }
                }
            }
        }
    }

    private static void HandlerHost(PodSecurityContainer c, JsonElement h, string path, Sink sink)
    {
        foreach (string action in (ReadOnlySpan<string>)["httpGet", "tcpSocket"])
        {
            if (AdmissionJson.Object(h, action, path) is { } a && AdmissionJson.String(a, "host"u8, $"{path}.{action}") is { Length: > 0 } host)
            {
                sink.Add($"{path}.{action}.host", Quote(host), "probe or lifecycle host", $"container \"{c.Name}\" uses probe or lifecycle host \"{host}\"");
            }
        }
    }

    private static void CapabilitiesBaseline(PodSecurityPod pod, Sink sink)
    {
        foreach (PodSecurityContainer c in pod.Containers)
        {
            string path = c.Path + ".securityContext.capabilities";
            foreach (var (capability, itemPath) in AdmissionJson.Strings(Capabilities(c), "add", path))
            {
                if (!BaselineCapabilities.Contains(capability))
                {
                    sink.Add(itemPath, Quote(capability), "non-default capabilities", $"container \"{c.Name}\" must not include \"{capability}\" in securityContext.capabilities.add");
                }
            }
        }
    }

    private static void AppArmorProfile(PodSecurityPod pod, Sink sink)
    {
        const string Prefix = "container.apparmor.security.beta.kubernetes.io/";
        if (AdmissionJson.Object(pod.Metadata, "annotations"u8, pod.MetadataPath) is { } annotations)
        {
            foreach (JsonProperty annotation in annotations.EnumerateObject())
            {
                if (annotation.Name.StartsWith(Prefix, StringComparison.Ordinal))
                {
                    string value = annotation.Value.ValueKind == JsonValueKind.String ? annotation.Value.GetString()! : annotation.Value.GetRawText();
                    if (!(value.Length == 0 || value == "runtime/default" || value.StartsWith("localhost/", StringComparison.Ordinal)))
                    {
                        sink.Add($"{pod.MetadataPath}.annotations[{annotation.Name}]", Quote(value), "forbidden AppArmor profiles", $"{annotation.Name}=\"{value}\"");
                    }
                }
            }
        }

        AppArmorField(pod.SecurityContext, pod.SecurityContextPath, null, sink);
        foreach (PodSecurityContainer c in pod.Containers)
        {
            AppArmorField(SecurityContext(c), c.SecurityContextPath, c.Name, sink);
        }
    }

    private static void AppArmorField(JsonElement? securityContext, string path, string? container, Sink sink)
    {
        if (securityContext is { } sc && AdmissionJson.Object(sc, "appArmorProfile"u8, path) is { } profile)
        {
            string type = AdmissionJson.String(profile, "type"u8, path + ".appArmorProfile") ?? "";
            if (type is not ("RuntimeDefault" or "Localhost"))
            {
                sink.Add(path + ".appArmorProfile.type", Quote(type), "forbidden AppArmor profile", $"{Who(container)} must not set securityContext.appArmorProfile.type to \"{type}\"");
            }
        }
    }

    private static void SeLinuxOptions(PodSecurityPod pod, Sink sink, HashSet<string> allowedTypes)
    {
        SeLinux(pod.SecurityContext, pod.SecurityContextPath, null, allowedTypes, sink);
        foreach (PodSecurityContainer c in pod.Containers)
        {
            SeLinux(SecurityContext(c), c.SecurityContextPath, c.Name, allowedTypes, sink);
        }
    }

    private static void SeLinux(JsonElement? securityContext, string path, string? container, HashSet<string> allowedTypes, Sink sink)
    {
        if (securityContext is not { } sc || AdmissionJson.Object(sc, "seLinuxOptions"u8, path) is not { } options)
        {
            return;
        }

        path += ".seLinuxOptions";
        if (AdmissionJson.String(options, "type"u8, path) is { } type && !allowedTypes.Contains(type))
        {
            sink.Add(path + ".type", Quote(type), "seLinuxOptions", $"{Who(container)} set forbidden securityContext.seLinuxOptions: type \"{type}\"");
        }

        foreach (string field in (ReadOnlySpan<string>)["user", "role"])
        {
            if (AdmissionJson.String(options, field, path) is { Length: > 0 } value)
            {
                sink.Add($"{path}.{field}", Quote(value), "seLinuxOptions", $"{Who(container)} set forbidden securityContext.seLinuxOptions: {field} \"{value}\"");
            }
        }
    }

    private static void ProcMount(PodSecurityPod pod, Sink sink, bool userNamespaceExempt)
    {
        // From v1.35 baseline allows a non-default /proc mount in a pod with its own user namespace (hostUsers: false).
        if (userNamespaceExempt && AdmissionJson.Bool(pod.Spec, "hostUsers"u8, pod.SpecPath) == false)
        {
            return;
        }

        foreach (PodSecurityContainer c in pod.Containers)
        {
            string path = c.SecurityContextPath;
            if (SecurityContext(c) is { } sc && AdmissionJson.String(sc, "procMount"u8, path) is { } procMount && procMount != "Default")
            {
                sink.Add(path + ".procMount", Quote(procMount), "procMount", $"container \"{c.Name}\" must not set securityContext.procMount to \"{procMount}\"");
            }
        }
    }

    /// <summary>v1.0: the alpha annotations (pod, and per existing container) must name runtime/default, docker/default or localhost/*.</summary>
    private static void SeccompAnnotations(PodSecurityPod pod, Sink sink)
    {
        const string PodKey = "seccomp.security.alpha.kubernetes.io/pod", ContainerPrefix = "container.seccomp.security.alpha.kubernetes.io/";
        if (AdmissionJson.Object(pod.Metadata, "annotations"u8, pod.MetadataPath) is not { } annotations)
        {
            return;
        }

        SeccompAnnotation(annotations, PodKey, pod.MetadataPath, sink);
        foreach (PodSecurityContainer c in pod.Containers)
        {
            SeccompAnnotation(annotations, ContainerPrefix + c.Name, pod.MetadataPath, sink);
        }
    }

    private static void SeccompAnnotation(JsonElement annotations, string key, string metadataPath, Sink sink)
    {
        if (AdmissionJson.String(annotations, key, metadataPath + ".annotations") is { } value
            && !(value is "runtime/default" or "docker/default" || value.StartsWith("localhost/", StringComparison.Ordinal)))
        {
            sink.Add($"{metadataPath}.annotations[{key}]", Quote(value), "seccompProfile", $"{key}={Quote(value)}");
        }
    }

    /// <summary>v1.19: a seccompProfile the pod or a container sets must be RuntimeDefault or Localhost (unset is fine at baseline).</summary>
    private static void SeccompFields(PodSecurityPod pod, Sink sink)
    {
        string podPath = pod.SecurityContextPath;
        if (SeccompType(pod.SecurityContext, podPath) is { } podType && !ValidSeccomp(podType))
        {
            sink.Add(podPath + ".seccompProfile.type", Quote(podType), "seccompProfile", $"pod must not set securityContext.seccompProfile.type to {Quote(podType)}");
        }

        foreach (PodSecurityContainer c in pod.Containers)
        {
            string path = c.SecurityContextPath;
            if (SeccompType(SecurityContext(c), path) is { } type && !ValidSeccomp(type))
            {
                sink.Add(path + ".seccompProfile.type", Quote(type), "seccompProfile", $"container \"{c.Name}\" must not set securityContext.seccompProfile.type to {Quote(type)}");
            }
        }
    }

    private static bool ValidSeccomp(string type) => type is "RuntimeDefault" or "Localhost";

    private static void Sysctls(PodSecurityPod pod, Sink sink, HashSet<string> allowed)
    {
        string path = pod.SecurityContextPath;
        foreach (var (sysctl, itemPath) in AdmissionJson.Items(pod.SecurityContext, "sysctls", path))
        {
            string name = AdmissionJson.String(sysctl, "name"u8, itemPath) ?? "";
            if (!allowed.Contains(name))
            {
                sink.Add(itemPath + ".name", Quote(name), "forbidden sysctls", name);
            }
        }
    }

    private static void WindowsHostProcess(PodSecurityPod pod, Sink sink)
    {
        HostProcess(pod.SecurityContext, pod.SecurityContextPath, null, sink);
        foreach (PodSecurityContainer c in pod.Containers)
        {
            HostProcess(SecurityContext(c), c.SecurityContextPath, c.Name, sink);
        }
    }

    private static void HostProcess(JsonElement? securityContext, string path, string? container, Sink sink)
    {
        if (securityContext is { } sc && AdmissionJson.Object(sc, "windowsOptions"u8, path) is { } options && AdmissionJson.Bool(options, "hostProcess"u8, path + ".windowsOptions") == true)
        {
            sink.Add(path + ".windowsOptions.hostProcess", "true", "hostProcess", $"{Who(container)} must not set securityContext.windowsOptions.hostProcess=true");
        }
    }

    private static void RestrictedVolumes(PodSecurityPod pod, Sink sink)
    {
        foreach (var (volume, path) in AdmissionJson.Items(pod.Spec, "volumes", pod.SpecPath))
        {
            AdmissionJson.RequireObject(volume, path);
            string? type = null;
            bool allowed = false;
            foreach (JsonProperty property in volume.EnumerateObject())
            {
                if (property.Name == "name" || property.Value.ValueKind == JsonValueKind.Null)
                {
                    continue;
                }

                if (RestrictedVolumeTypes.Contains(property.Name))
                {
                    allowed = true;
                    break;
                }

                type ??= property.Name;
            }

            // A volume with no source is defaulted to emptyDir by the API server, and upstream's fixtures allow it.
            if (!allowed && type is not null)
            {
                sink.Add($"{path}.{type}", Quote(type), "restricted volume types", $"volume \"{VolumeName(volume, path)}\" uses restricted volume type \"{type}\"");
            }
        }
    }

    private static void AllowPrivilegeEscalation(PodSecurityPod pod, Sink sink, bool windowsExempt)
    {
        if (windowsExempt && pod.IsWindows)
        {
            return;
        }

        foreach (PodSecurityContainer c in pod.Containers)
        {
            string path = c.SecurityContextPath;
            bool? value = AdmissionJson.Bool(SecurityContext(c), "allowPrivilegeEscalation"u8, path);
            if (value != false)
            {
                sink.Add(path + ".allowPrivilegeEscalation", value is null ? Unset : "true", "allowPrivilegeEscalation != false",
                    $"container \"{c.Name}\" must set securityContext.allowPrivilegeEscalation=false");
            }
        }
    }

    private static void RunAsNonRoot(PodSecurityPod pod, Sink sink)
    {
        string podPath = pod.SecurityContextPath;
        bool? podValue = AdmissionJson.Bool(pod.SecurityContext, "runAsNonRoot"u8, podPath);
        if (podValue == false)
        {
            sink.Add(podPath + ".runAsNonRoot", "false", "runAsNonRoot != true", "pod must not set securityContext.runAsNonRoot=false");
        }

        foreach (PodSecurityContainer c in pod.Containers)
        {
            string path = c.SecurityContextPath;
            bool? value = AdmissionJson.Bool(SecurityContext(c), "runAsNonRoot"u8, path);
            if (value == false)
            {
                sink.Add(path + ".runAsNonRoot", "false", "runAsNonRoot != true", $"container \"{c.Name}\" must not set securityContext.runAsNonRoot=false");
            }
            else if (value is null && podValue != true)
            {
                sink.Add(path + ".runAsNonRoot", Unset, "runAsNonRoot != true", $"pod or container \"{c.Name}\" must set securityContext.runAsNonRoot=true");
            }
        }
    }

    private static void RunAsUser(PodSecurityPod pod, Sink sink)
    {
        string podPath = pod.SecurityContextPath;
        if (AdmissionJson.Int(pod.SecurityContext, "runAsUser"u8, podPath) == 0)
        {
            sink.Add(podPath + ".runAsUser", "0", "runAsUser=0", "pod must not set runAsUser=0");
        }

        foreach (PodSecurityContainer c in pod.Containers)
        {
            string path = c.SecurityContextPath;
            if (AdmissionJson.Int(SecurityContext(c), "runAsUser"u8, path) == 0)
            {
                sink.Add(path + ".runAsUser", "0", "runAsUser=0", $"container \"{c.Name}\" must not set runAsUser=0");
            }
        }
    }

    private static void SeccompRestricted(PodSecurityPod pod, Sink sink, bool windowsExempt)
    {
        if (windowsExempt && pod.IsWindows)
        {
            return;
        }

        string podPath = pod.SecurityContextPath;
        string? podType = SeccompType(pod.SecurityContext, podPath);
        bool podValid = podType is "RuntimeDefault" or "Localhost";
        if (podType is not null && !podValid)
        {
            sink.Add(podPath + ".seccompProfile.type", Quote(podType), "seccompProfile", $"pod must not set securityContext.seccompProfile.type to \"{podType}\"");
        }

        foreach (PodSecurityContainer c in pod.Containers)
        {
            string path = c.SecurityContextPath;
            string? type = SeccompType(SecurityContext(c), path);
            if (type is not null && type is not ("RuntimeDefault" or "Localhost"))
            {
                sink.Add(path + ".seccompProfile.type", Quote(type), "seccompProfile", $"container \"{c.Name}\" must not set securityContext.seccompProfile.type to \"{type}\"");
            }
            else if (type is null && !podValid)
            {
                sink.Add(path + ".seccompProfile.type", Unset, "seccompProfile",
                    $"pod or container \"{c.Name}\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"");
            }
        }
    }

    private static void CapabilitiesRestricted(PodSecurityPod pod, Sink sink, bool windowsExempt)
    {
        if (windowsExempt && pod.IsWindows)
        {
            return;
        }

        foreach (PodSecurityContainer c in pod.Containers)
        {
            string path = c.Path + ".securityContext.capabilities";
            JsonElement? capabilities = Capabilities(c);
            bool dropsAll = false;
            foreach (var (capability, _) in AdmissionJson.Strings(capabilities, "drop", path))
            {
                dropsAll |= capability == "ALL";
            }

            if (!dropsAll)
            {
                sink.Add(path + ".drop", capabilities is { } caps && AdmissionJson.Array(caps, "drop"u8, path) is { } drop ? drop.GetRawText() : Unset,
                    "unrestricted capabilities", $"container \"{c.Name}\" must set securityContext.capabilities.drop=[\"ALL\"]");
            }

            foreach (var (capability, itemPath) in AdmissionJson.Strings(capabilities, "add", path))
            {
                if (capability != "NET_BIND_SERVICE")
                {
                    sink.Add(itemPath, Quote(capability), "unrestricted capabilities", $"container \"{c.Name}\" must not include \"{capability}\" in securityContext.capabilities.add");
                }
            }
        }
    }

    private static JsonElement? SecurityContext(PodSecurityContainer c) => c.SecurityContext;

    private static string Who(string? container) => container is null ? "pod" : $"container \"{container}\"";

    private static JsonElement? Capabilities(PodSecurityContainer c) =>
        SecurityContext(c) is { } sc ? AdmissionJson.Object(sc, "capabilities"u8, c.SecurityContextPath) : null;

    private static string? SeccompType(JsonElement? securityContext, string path) =>
        securityContext is { } sc && AdmissionJson.Object(sc, "seccompProfile"u8, path) is { } profile ? AdmissionJson.String(profile, "type"u8, path + ".seccompProfile") ?? "" : null;

    private static string VolumeName(JsonElement volume, string path) => AdmissionJson.String(volume, "name"u8, path) ?? "";

    private static string Quote(string value) => $"\"{JsonEncodedText.Encode(value)}\"";

    private delegate void CheckFunction(PodSecurityPod pod, Sink sink);

    private sealed record Check(string Id, PodSecurityLevel Level, Versioned[] Versions);

    private sealed record Versioned(int MinMinor, CheckFunction Fn, params string[] Overrides);

    private readonly struct Sink(string checkId, List<PodSecurityViolation> violations)
    {
        public void Add(string path, string value, string reason, string detail) => violations.Add(new PodSecurityViolation(checkId, path, value, reason, detail));
    }
}
#pragma warning restore CA1502, CA1505, CA1506, IDE0011, IDE0046, IDE0045
