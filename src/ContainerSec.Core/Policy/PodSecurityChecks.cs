using System.Text;
using System.Text.Json;

namespace ContainerSec.Policy;

/// <summary>
/// The checks of pod-security-admission (upstream policy/check_*.go), each with the versions where it
/// starts or changes. A restricted check may override a baseline check from its version on.
/// </summary>
/// <remarks>
/// The checks read a <see cref="PodSecurityView"/> (every object's fields looked up once) and compare
/// values as UTF-8 without materializing strings; a field path, a container name or a quoted value is
/// formatted only when a violation or an error reports it, so an allowed pod allocates nothing here.
/// Types are checked where a check reads a field, in the same order as before the rewrite, so a
/// malformed manifest throws the same error (tests/…/PodSecurityEquivalenceTests keep that true).
/// </remarks>
internal static class PodSecurityChecks
{
    private const string Unset = "<unset>";

    private static readonly byte[][] BaselineCapabilities = Utf8(
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
        "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT");

    private static readonly byte[][] RestrictedVolumeTypes = Utf8(
        "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret");

    private static readonly string[] Sysctls1Dot0 =
    [
        "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
    ];

    private static readonly string[] Sysctls1Dot27 = [.. Sysctls1Dot0, "net.ipv4.ip_local_reserved_ports"];

    private static readonly string[] Sysctls1Dot29 =
        [.. Sysctls1Dot27, "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"];

    private static readonly byte[][] SysctlsV1Dot0 = Utf8(Sysctls1Dot0);

    private static readonly byte[][] SysctlsV1Dot27 = Utf8(Sysctls1Dot27);

    private static readonly byte[][] SysctlsV1Dot29 = Utf8(Sysctls1Dot29);

    private static readonly byte[][] SysctlsV1Dot32 = Utf8([.. Sysctls1Dot29, "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"]);

    private static readonly byte[][] SeLinuxTypesV1Dot0 = Utf8("", "container_t", "container_init_t", "container_kvm_t");

    private static readonly byte[][] SeLinuxTypesV1Dot31 = Utf8("", "container_t", "container_init_t", "container_kvm_t", "container_engine_t");

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
        new("seLinuxOptions", PodSecurityLevel.Baseline,
            [new(0, (in PodSecurityView p, Sink s) => SeLinuxOptions(p, s, SeLinuxTypesV1Dot0)), new(31, (in PodSecurityView p, Sink s) => SeLinuxOptions(p, s, SeLinuxTypesV1Dot31))]),
        new("procMount", PodSecurityLevel.Baseline,
            [new(0, (in PodSecurityView p, Sink s) => ProcMount(p, s, userNamespaceExempt: false)), new(35, (in PodSecurityView p, Sink s) => ProcMount(p, s, userNamespaceExempt: true))]),
        new("seccompProfile_baseline", PodSecurityLevel.Baseline, [new(0, SeccompAnnotations), new(19, SeccompFields)]),
        new("sysctls", PodSecurityLevel.Baseline,
            [new(0, (in PodSecurityView p, Sink s) => Sysctls(p, s, SysctlsV1Dot0)), new(27, (in PodSecurityView p, Sink s) => Sysctls(p, s, SysctlsV1Dot27)),
             new(29, (in PodSecurityView p, Sink s) => Sysctls(p, s, SysctlsV1Dot29)), new(32, (in PodSecurityView p, Sink s) => Sysctls(p, s, SysctlsV1Dot32))]),
        new("windowsHostProcess", PodSecurityLevel.Baseline, [new(0, WindowsHostProcess)]),

        // Restricted
        new("restrictedVolumes", PodSecurityLevel.Restricted, [new(0, RestrictedVolumes)]),
        new("allowPrivilegeEscalation", PodSecurityLevel.Restricted,
            [new(8, (in PodSecurityView p, Sink s) => AllowPrivilegeEscalation(p, s, windowsExempt: false)), new(25, (in PodSecurityView p, Sink s) => AllowPrivilegeEscalation(p, s, windowsExempt: true))]),
        new("runAsNonRoot", PodSecurityLevel.Restricted, [new(0, RunAsNonRoot)]),
        new("runAsUser", PodSecurityLevel.Restricted, [new(23, RunAsUser)]),
        new("seccompProfile_restricted", PodSecurityLevel.Restricted,
            [new(19, (in PodSecurityView p, Sink s) => SeccompRestricted(p, s, windowsExempt: false), "seccompProfile_baseline"),
             new(25, (in PodSecurityView p, Sink s) => SeccompRestricted(p, s, windowsExempt: true), "seccompProfile_baseline")]),
        new("capabilities_restricted", PodSecurityLevel.Restricted,
            [new(22, (in PodSecurityView p, Sink s) => CapabilitiesRestricted(p, s, windowsExempt: false), "capabilities_baseline"),
             new(25, (in PodSecurityView p, Sink s) => CapabilitiesRestricted(p, s, windowsExempt: true), "capabilities_baseline")]),
        new("procMount_restricted", PodSecurityLevel.Restricted, [new(35, (in PodSecurityView p, Sink s) => ProcMount(p, s, userNamespaceExempt: false), "procMount")]),
    ];

    /// <summary>The check ids and the minor versions where each starts or changes, for documentation and tests.</summary>
    internal static IEnumerable<(string Id, string Level, int[] Versions)> Catalog => All.Select(c => (c.Id, c.Level.Name, c.Versions.Select(v => v.MinMinor).ToArray()));

    /// <summary>Minor versions with their own plan: 0 … newest known, and one shared slot for every later version and latest.</summary>
    private static readonly int PlanMinors = PodSecurityVersion.NewestKnown.Minor + 2;

    /// <summary>The checks to run, per level rank and minor version, built on first use (a benign race builds the same plan twice).</summary>
    private static readonly (string Id, CheckFunction Fn)[]?[] Plans = new (string, CheckFunction)[]?[3 * PlanMinors];

    /// <summary>Runs every check of <paramref name="level"/> at <paramref name="version"/>; <paramref name="violations"/> is created on the first violation.</summary>
    public static void Run(in PodSecurityView pod, PodSecurityLevel level, PodSecurityVersion version, ref List<PodSecurityViolation>? violations)
    {
        int minor = Math.Min(version.Minor, PlanMinors - 1);
        int slot = (level.Rank * PlanMinors) + minor;
        (string Id, CheckFunction Fn)[] plan = Plans[slot] ??= Plan(level.Rank, minor);
        foreach ((string id, CheckFunction fn) in plan)
        {
            fn(pod, new Sink(id, ref violations));
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

    private static void Privileged(in PodSecurityView pod, Sink sink)
    {
        foreach (ref readonly ContainerView c in pod.Containers)
        {
            if (AdmissionJson.BoolValue(c.SecurityContext.Privileged, c.SecurityContextPath, "privileged") == true)
            {
                sink.Add(c.SecurityContextPath.Format("privileged"), "true", "privileged", $"container \"{c.NameText}\" must not set securityContext.privileged=true");
            }
        }
    }

    private static void HostNamespaces(in PodSecurityView pod, Sink sink)
    {
        HostNamespace(pod.HostNetwork, pod.SpecPath, "hostNetwork", sink);
        HostNamespace(pod.HostPid, pod.SpecPath, "hostPID", sink);
        HostNamespace(pod.HostIpc, pod.SpecPath, "hostIPC", sink);
    }

    private static void HostNamespace(JsonElement value, in FieldPath specPath, string field, Sink sink)
    {
        if (AdmissionJson.BoolValue(value, specPath, field) == true)
        {
            sink.Add(specPath.Format(field), "true", "host namespaces", $"{field}=true");
        }
    }

    private static void HostPathVolumes(in PodSecurityView pod, Sink sink)
    {
        if (!AdmissionJson.IsArray(pod.Volumes, pod.SpecPath, "volumes"))
        {
            return;
        }

        int index = 0;
        foreach (JsonElement volume in pod.Volumes.EnumerateArray())
        {
            if (AdmissionJson.TryGet(volume, "hostPath"u8, out JsonElement hostPath))
            {
                FieldPath path = pod.SpecPath.Item("volumes", index);
                sink.Add(path.Format("hostPath"), hostPath.GetRawText(), "hostPath volumes", $"volume \"{VolumeName(volume, path)}\"");
            }

            index++;
        }
    }

    private static void HostPorts(in PodSecurityView pod, Sink sink)
    {
        foreach (ref readonly ContainerView c in pod.Containers)
        {
            if (!AdmissionJson.IsArray(c.Ports, c.Path, "ports"))
            {
                continue;
            }

            int index = 0;
            foreach (JsonElement port in c.Ports.EnumerateArray())
            {
                AdmissionJson.TryGet(port, "hostPort"u8, out JsonElement value);
                if (AdmissionJson.IntValue(value, c.Path.Item("ports", index), "hostPort") is long hostPort and not 0)
                {
                    string text = hostPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    sink.Add(c.Path.Item("ports", index).Format("hostPort"), text, "hostPort", $"container \"{c.NameText}\" uses hostPort {text}");
                }

                index++;
            }
        }
    }

    private static void HostProbesAndHostLifecycle(in PodSecurityView pod, Sink sink)
    {
        foreach (ref readonly ContainerView c in pod.Containers)
        {
            Handler(c, c.LivenessProbe, c.Path, "livenessProbe", sink);
            Handler(c, c.ReadinessProbe, c.Path, "readinessProbe", sink);
            Handler(c, c.StartupProbe, c.Path, "startupProbe", sink);
            if (AdmissionJson.IsObject(c.Lifecycle, c.Path, "lifecycle"))
            {
                FieldPath lifecyclePath = c.Path.Then("lifecycle");
                AdmissionJson.TryGet(c.Lifecycle, "postStart"u8, out JsonElement postStart);
                Handler(c, postStart, lifecyclePath, "postStart", sink);
                AdmissionJson.TryGet(c.Lifecycle, "preStop"u8, out JsonElement preStop);
                Handler(c, preStop, lifecyclePath, "preStop", sink);
            }
        }
    }

    private static void Handler(in ContainerView c, JsonElement handler, in FieldPath parent, string name, Sink sink)
    {
        if (AdmissionJson.IsObject(handler, parent, name))
        {
            FieldPath path = parent.Then(name);
            HandlerHost(c, handler, path, "httpGet"u8, "httpGet", sink);
            HandlerHost(c, handler, path, "tcpSocket"u8, "tcpSocket", sink);
        }
    }

    private static void HandlerHost(in ContainerView c, JsonElement handler, in FieldPath path, ReadOnlySpan<byte> actionUtf8, string action, Sink sink)
    {
        if (AdmissionJson.TryGet(handler, actionUtf8, out JsonElement a) && AdmissionJson.IsObject(a, path, action)
            && AdmissionJson.TryGet(a, "host"u8, out JsonElement host) && AdmissionJson.IsString(host, path.Then(action), "host") && !host.ValueEquals(""u8))
        {
            string text = host.GetString()!;
            sink.Add(path.Format(action, "host"), Quote(text), "probe or lifecycle host", $"container \"{c.NameText}\" uses probe or lifecycle host \"{text}\"");
        }
    }

    private static void CapabilitiesBaseline(in PodSecurityView pod, Sink sink)
    {
        foreach (ref readonly ContainerView c in pod.Containers)
        {
            FieldPath path = c.SecurityContextPath.Then("capabilities");
            int index = 0;
            foreach (JsonElement capability in Strings(Capabilities(c), c.SecurityContext.CapabilitiesAdd, in path, "add"))
            {
                if (!OneOf(capability, BaselineCapabilities))
                {
                    string text = capability.GetString()!;
                    sink.Add(path.Item("add", index).ToString(), Quote(text), "non-default capabilities",
                        $"container \"{c.NameText}\" must not include \"{text}\" in securityContext.capabilities.add");
                }

                index++;
            }
        }
    }

    private static void AppArmorProfile(in PodSecurityView pod, Sink sink)
    {
        const string Prefix = "container.apparmor.security.beta.kubernetes.io/";
        if (AdmissionJson.TryGet(pod.Metadata, "annotations"u8, out JsonElement annotations) && AdmissionJson.IsObject(annotations, pod.MetadataPath, "annotations"))
        {
            foreach (JsonProperty annotation in annotations.EnumerateObject())
            {
                if (NameStartsWith(annotation, "container.apparmor.security.beta.kubernetes.io/"u8, Prefix))
                {
                    string value = annotation.Value.ValueKind == JsonValueKind.String ? annotation.Value.GetString()! : annotation.Value.GetRawText();
                    if (!(value.Length == 0 || value == "runtime/default" || value.StartsWith("localhost/", StringComparison.Ordinal)))
                    {
                        sink.Add($"{pod.MetadataPath}.annotations[{annotation.Name}]", Quote(value), "forbidden AppArmor profiles", $"{annotation.Name}=\"{value}\"");
                    }
                }
            }
        }

        AppArmorField(pod.SecurityContext, pod.SecurityContextPath, default, isContainer: false, sink);
        foreach (ref readonly ContainerView c in pod.Containers)
        {
            AppArmorField(c.SecurityContext, c.SecurityContextPath, c.Name, isContainer: true, sink);
        }
    }

    private static void AppArmorField(in SecurityContextFields sc, in FieldPath path, JsonElement container, bool isContainer, Sink sink)
    {
        if (AdmissionJson.IsObject(sc.AppArmorProfile, path, "appArmorProfile"))
        {
            AdmissionJson.TryGet(sc.AppArmorProfile, "type"u8, out JsonElement type);
            bool set = AdmissionJson.IsString(type, path.Then("appArmorProfile"), "type");
            if (!(set && (type.ValueEquals("RuntimeDefault"u8) || type.ValueEquals("Localhost"u8))))
            {
                string text = set ? type.GetString()! : "";
                sink.Add(path.Format("appArmorProfile", "type"), Quote(text), "forbidden AppArmor profile",
                    $"{Who(container, isContainer)} must not set securityContext.appArmorProfile.type to \"{text}\"");
            }
        }
    }

    private static void SeLinuxOptions(in PodSecurityView pod, Sink sink, byte[][] allowedTypes)
    {
        SeLinux(pod.SecurityContext, pod.SecurityContextPath, default, isContainer: false, allowedTypes, sink);
        foreach (ref readonly ContainerView c in pod.Containers)
        {
            SeLinux(c.SecurityContext, c.SecurityContextPath, c.Name, isContainer: true, allowedTypes, sink);
        }
    }

    private static void SeLinux(in SecurityContextFields sc, in FieldPath scPath, JsonElement container, bool isContainer, byte[][] allowedTypes, Sink sink)
    {
        if (!AdmissionJson.IsObject(sc.SeLinuxOptions, scPath, "seLinuxOptions"))
        {
            return;
        }

        JsonElement options = sc.SeLinuxOptions;
        FieldPath path = scPath.Then("seLinuxOptions");
        if (AdmissionJson.TryGet(options, "type"u8, out JsonElement type) && AdmissionJson.IsString(type, path, "type") && !OneOf(type, allowedTypes))
        {
            string text = type.GetString()!;
            sink.Add(path.Format("type"), Quote(text), "seLinuxOptions", $"{Who(container, isContainer)} set forbidden securityContext.seLinuxOptions: type \"{text}\"");
        }

        SeLinuxField(options, path, "user"u8, "user", container, isContainer, sink);
        SeLinuxField(options, path, "role"u8, "role", container, isContainer, sink);
    }

    private static void SeLinuxField(JsonElement options, in FieldPath path, ReadOnlySpan<byte> fieldUtf8, string field, JsonElement container, bool isContainer, Sink sink)
    {
        if (AdmissionJson.TryGet(options, fieldUtf8, out JsonElement value) && AdmissionJson.IsString(value, path, field) && !value.ValueEquals(""u8))
        {
            string text = value.GetString()!;
            sink.Add(path.Format(field), Quote(text), "seLinuxOptions", $"{Who(container, isContainer)} set forbidden securityContext.seLinuxOptions: {field} \"{text}\"");
        }
    }

    private static void ProcMount(in PodSecurityView pod, Sink sink, bool userNamespaceExempt)
    {
        // From v1.35 baseline allows a non-default /proc mount in a pod with its own user namespace (hostUsers: false).
        if (userNamespaceExempt && AdmissionJson.BoolValue(pod.HostUsers, pod.SpecPath, "hostUsers") == false)
        {
            return;
        }

        foreach (ref readonly ContainerView c in pod.Containers)
        {
            JsonElement procMount = c.SecurityContext.ProcMount;
            if (AdmissionJson.IsString(procMount, c.SecurityContextPath, "procMount") && !procMount.ValueEquals("Default"u8))
            {
                string text = procMount.GetString()!;
                sink.Add(c.SecurityContextPath.Format("procMount"), Quote(text), "procMount", $"container \"{c.NameText}\" must not set securityContext.procMount to \"{text}\"");
            }
        }
    }

    /// <summary>v1.0: the alpha annotations (pod, and per existing container) must name runtime/default, docker/default or localhost/*.</summary>
    private static void SeccompAnnotations(in PodSecurityView pod, Sink sink)
    {
        const string PodKey = "seccomp.security.alpha.kubernetes.io/pod", ContainerPrefix = "container.seccomp.security.alpha.kubernetes.io/";
        if (!AdmissionJson.TryGet(pod.Metadata, "annotations"u8, out JsonElement annotations) || !AdmissionJson.IsObject(annotations, pod.MetadataPath, "annotations"))
        {
            return;
        }

        FieldPath path = pod.MetadataPath.Then("annotations");
        SeccompAnnotation(annotations, PodKey, path, pod.MetadataPath, sink);
        foreach (ref readonly ContainerView c in pod.Containers)
        {
            SeccompAnnotation(annotations, ContainerPrefix + c.NameText, path, pod.MetadataPath, sink);
        }
    }

    private static void SeccompAnnotation(JsonElement annotations, string key, in FieldPath annotationsPath, in FieldPath metadataPath, Sink sink)
    {
        if (AdmissionJson.TryGet(annotations, key, out JsonElement value) && AdmissionJson.IsString(value, annotationsPath, key))
        {
            string text = value.GetString()!;
            if (!(text is "runtime/default" or "docker/default" || text.StartsWith("localhost/", StringComparison.Ordinal)))
            {
                sink.Add($"{metadataPath}.annotations[{key}]", Quote(text), "seccompProfile", $"{key}={Quote(text)}");
            }
        }
    }

    /// <summary>v1.19: a seccompProfile the pod or a container sets must be RuntimeDefault or Localhost (unset is fine at baseline).</summary>
    private static void SeccompFields(in PodSecurityView pod, Sink sink)
    {
        if (SeccompType(pod.SecurityContext, pod.SecurityContextPath, out JsonElement podType) && !ValidSeccomp(podType))
        {
            string text = Quote(Text(podType));
            sink.Add(pod.SecurityContextPath.Format("seccompProfile", "type"), text, "seccompProfile", $"pod must not set securityContext.seccompProfile.type to {text}");
        }

        foreach (ref readonly ContainerView c in pod.Containers)
        {
            if (SeccompType(c.SecurityContext, c.SecurityContextPath, out JsonElement type) && !ValidSeccomp(type))
            {
                string text = Quote(Text(type));
                sink.Add(c.SecurityContextPath.Format("seccompProfile", "type"), text, "seccompProfile", $"container \"{c.NameText}\" must not set securityContext.seccompProfile.type to {text}");
            }
        }
    }

    /// <summary>True for a seccomp type that is RuntimeDefault or Localhost (an unset type, read as "", is not).</summary>
    private static bool ValidSeccomp(JsonElement type) =>
        type.ValueKind == JsonValueKind.String && (type.ValueEquals("RuntimeDefault"u8) || type.ValueEquals("Localhost"u8));

    private static void Sysctls(in PodSecurityView pod, Sink sink, byte[][] allowed)
    {
        if (!AdmissionJson.IsArray(pod.SecurityContext.Sysctls, pod.SecurityContextPath, "sysctls"))
        {
            return;
        }

        int index = 0;
        foreach (JsonElement sysctl in pod.SecurityContext.Sysctls.EnumerateArray())
        {
            AdmissionJson.TryGet(sysctl, "name"u8, out JsonElement name);
            bool set = AdmissionJson.IsString(name, pod.SecurityContextPath.Item("sysctls", index), "name");
            if (!(set && OneOf(name, allowed)))
            {
                string text = set ? name.GetString()! : "";
                sink.Add(pod.SecurityContextPath.Item("sysctls", index).Format("name"), Quote(text), "forbidden sysctls", text);
            }

            index++;
        }
    }

    private static void WindowsHostProcess(in PodSecurityView pod, Sink sink)
    {
        HostProcess(pod.SecurityContext, pod.SecurityContextPath, default, isContainer: false, sink);
        foreach (ref readonly ContainerView c in pod.Containers)
        {
            HostProcess(c.SecurityContext, c.SecurityContextPath, c.Name, isContainer: true, sink);
        }
    }

    private static void HostProcess(in SecurityContextFields sc, in FieldPath path, JsonElement container, bool isContainer, Sink sink)
    {
        if (AdmissionJson.IsObject(sc.WindowsOptions, path, "windowsOptions")
            && AdmissionJson.TryGet(sc.WindowsOptions, "hostProcess"u8, out JsonElement hostProcess)
            && AdmissionJson.BoolValue(hostProcess, path.Then("windowsOptions"), "hostProcess") == true)
        {
            sink.Add(path.Format("windowsOptions", "hostProcess"), "true", "hostProcess", $"{Who(container, isContainer)} must not set securityContext.windowsOptions.hostProcess=true");
        }
    }

    private static void RestrictedVolumes(in PodSecurityView pod, Sink sink)
    {
        if (!AdmissionJson.IsArray(pod.Volumes, pod.SpecPath, "volumes"))
        {
            return;
        }

        int index = 0;
        foreach (JsonElement volume in pod.Volumes.EnumerateArray())
        {
            if (volume.ValueKind != JsonValueKind.Object)
            {
                AdmissionJson.RequireObject(volume, pod.SpecPath.Item("volumes", index));
            }

            JsonProperty? type = null;
            bool allowed = false;
            foreach (JsonProperty property in volume.EnumerateObject())
            {
                ReadOnlySpan<byte> name = PodSecurityView.NameOf(property);
                if (name.SequenceEqual("name"u8) || property.Value.ValueKind == JsonValueKind.Null)
                {
                    continue;
                }

                if (OneOf(name, RestrictedVolumeTypes))
                {
                    allowed = true;
                    break;
                }

                type ??= property;
            }

            // A volume with no source is defaulted to emptyDir by the API server, and upstream's fixtures allow it.
            if (!allowed && type is { } offending)
            {
                FieldPath path = pod.SpecPath.Item("volumes", index);
                string typeName = offending.Name;
                sink.Add(path.Format(typeName), Quote(typeName), "restricted volume types", $"volume \"{VolumeName(volume, path)}\" uses restricted volume type \"{typeName}\"");
            }

            index++;
        }
    }

    private static void AllowPrivilegeEscalation(in PodSecurityView pod, Sink sink, bool windowsExempt)
    {
        if (windowsExempt && pod.IsWindows)
        {
            return;
        }

        foreach (ref readonly ContainerView c in pod.Containers)
        {
            bool? value = AdmissionJson.BoolValue(c.SecurityContext.AllowPrivilegeEscalation, c.SecurityContextPath, "allowPrivilegeEscalation");
            if (value != false)
            {
                sink.Add(c.SecurityContextPath.Format("allowPrivilegeEscalation"), value is null ? Unset : "true", "allowPrivilegeEscalation != false",
                    $"container \"{c.NameText}\" must set securityContext.allowPrivilegeEscalation=false");
            }
        }
    }

    private static void RunAsNonRoot(in PodSecurityView pod, Sink sink)
    {
        bool? podValue = AdmissionJson.BoolValue(pod.SecurityContext.RunAsNonRoot, pod.SecurityContextPath, "runAsNonRoot");
        if (podValue == false)
        {
            sink.Add(pod.SecurityContextPath.Format("runAsNonRoot"), "false", "runAsNonRoot != true", "pod must not set securityContext.runAsNonRoot=false");
        }

        foreach (ref readonly ContainerView c in pod.Containers)
        {
            bool? value = AdmissionJson.BoolValue(c.SecurityContext.RunAsNonRoot, c.SecurityContextPath, "runAsNonRoot");
            if (value == false)
            {
                sink.Add(c.SecurityContextPath.Format("runAsNonRoot"), "false", "runAsNonRoot != true", $"container \"{c.NameText}\" must not set securityContext.runAsNonRoot=false");
            }
            else if (value is null && podValue != true)
            {
                sink.Add(c.SecurityContextPath.Format("runAsNonRoot"), Unset, "runAsNonRoot != true", $"pod or container \"{c.NameText}\" must set securityContext.runAsNonRoot=true");
            }
        }
    }

    private static void RunAsUser(in PodSecurityView pod, Sink sink)
    {
        if (AdmissionJson.IntValue(pod.SecurityContext.RunAsUser, pod.SecurityContextPath, "runAsUser") == 0)
        {
            sink.Add(pod.SecurityContextPath.Format("runAsUser"), "0", "runAsUser=0", "pod must not set runAsUser=0");
        }

        foreach (ref readonly ContainerView c in pod.Containers)
        {
            if (AdmissionJson.IntValue(c.SecurityContext.RunAsUser, c.SecurityContextPath, "runAsUser") == 0)
            {
                sink.Add(c.SecurityContextPath.Format("runAsUser"), "0", "runAsUser=0", $"container \"{c.NameText}\" must not set runAsUser=0");
            }
        }
    }

    private static void SeccompRestricted(in PodSecurityView pod, Sink sink, bool windowsExempt)
    {
        if (windowsExempt && pod.IsWindows)
        {
            return;
        }

        bool podSet = SeccompType(pod.SecurityContext, pod.SecurityContextPath, out JsonElement podType);
        bool podValid = podSet && ValidSeccomp(podType);
        if (podSet && !podValid)
        {
            string text = Text(podType);
            sink.Add(pod.SecurityContextPath.Format("seccompProfile", "type"), Quote(text), "seccompProfile", $"pod must not set securityContext.seccompProfile.type to \"{text}\"");
        }

        foreach (ref readonly ContainerView c in pod.Containers)
        {
            bool set = SeccompType(c.SecurityContext, c.SecurityContextPath, out JsonElement type);
            if (set && !ValidSeccomp(type))
            {
                string text = Text(type);
                sink.Add(c.SecurityContextPath.Format("seccompProfile", "type"), Quote(text), "seccompProfile",
                    $"container \"{c.NameText}\" must not set securityContext.seccompProfile.type to \"{text}\"");
            }
            else if (!set && !podValid)
            {
                sink.Add(c.SecurityContextPath.Format("seccompProfile", "type"), Unset, "seccompProfile",
                    $"pod or container \"{c.NameText}\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"");
            }
        }
    }

    private static void CapabilitiesRestricted(in PodSecurityView pod, Sink sink, bool windowsExempt)
    {
        if (windowsExempt && pod.IsWindows)
        {
            return;
        }

        foreach (ref readonly ContainerView c in pod.Containers)
        {
            FieldPath path = c.SecurityContextPath.Then("capabilities");
            JsonElement capabilities = Capabilities(c);
            bool dropsAll = false;
            foreach (JsonElement capability in Strings(capabilities, c.SecurityContext.CapabilitiesDrop, in path, "drop"))
            {
                dropsAll |= capability.ValueEquals("ALL"u8);
            }

            if (!dropsAll)
            {
                sink.Add(path.Format("drop"), capabilities.ValueKind == JsonValueKind.Object && c.SecurityContext.CapabilitiesDrop.ValueKind is JsonValueKind.Array ? c.SecurityContext.CapabilitiesDrop.GetRawText() : Unset,
                    "unrestricted capabilities", $"container \"{c.NameText}\" must set securityContext.capabilities.drop=[\"ALL\"]");
            }

            int index = 0;
            foreach (JsonElement capability in Strings(capabilities, c.SecurityContext.CapabilitiesAdd, in path, "add"))
            {
                if (!capability.ValueEquals("NET_BIND_SERVICE"u8))
                {
                    string text = capability.GetString()!;
                    sink.Add(path.Item("add", index).ToString(), Quote(text), "unrestricted capabilities",
                        $"container \"{c.NameText}\" must not include \"{text}\" in securityContext.capabilities.add");
                }

                index++;
            }
        }
    }

    private static string Who(JsonElement container, bool isContainer) =>
        isContainer ? $"container \"{(container.ValueKind == JsonValueKind.String ? container.GetString() : "")}\"" : "pod";

    /// <summary>The container's capabilities object, or default when unset; throws when set and not an object.</summary>
    private static JsonElement Capabilities(in ContainerView c) =>
        AdmissionJson.IsObject(c.SecurityContext.Capabilities, c.SecurityContextPath, "capabilities") ? c.SecurityContext.Capabilities : default;

    /// <summary>True when the securityContext sets a seccompProfile object; <paramref name="type"/> is its type (checked to be a string; default when unset).</summary>
    private static bool SeccompType(in SecurityContextFields sc, in FieldPath path, out JsonElement type)
    {
        type = default;
        if (!AdmissionJson.IsObject(sc.SeccompProfile, path, "seccompProfile"))
        {
            return false;
        }

        if (AdmissionJson.TryGet(sc.SeccompProfile, "type"u8, out type))
        {
            AdmissionJson.IsString(type, path.Then("seccompProfile"), "type");
        }

        return true;
    }

    /// <summary>A string value as text, <c>""</c> when unset.</summary>
    private static string Text(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    /// <summary>The items of <paramref name="array"/>, the field <c>name</c> of <paramref name="parent"/> read beforehand (nothing when
    /// the parent or the array is unset), each checked to be a string.</summary>
    private static StringItems Strings(JsonElement parent, JsonElement array, ref readonly FieldPath parentPath, string name)
    {
        if (parent.ValueKind != JsonValueKind.Object || !AdmissionJson.IsArray(array, parentPath, name))
        {
            return default;
        }

        return new StringItems(array.EnumerateArray(), in parentPath, name);
    }

    private static string VolumeName(JsonElement volume, in FieldPath path) =>
        AdmissionJson.TryGet(volume, "name"u8, out JsonElement name) && AdmissionJson.IsString(name, path, "name") ? name.GetString()! : "";

    /// <summary>True when the string <paramref name="value"/> is one of <paramref name="names"/>; compares the raw UTF-8 unless the JSON escapes it.</summary>
    private static bool OneOf(JsonElement value, byte[][] names)
    {
        ReadOnlySpan<byte> raw = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(value);
        if (raw.Length >= 2 && raw[0] == (byte)'"' && raw.IndexOf((byte)'\\') < 0)
        {
            return OneOf(raw[1..^1], names);
        }

        foreach (byte[] name in names)
        {
            if (value.ValueEquals(name))
            {
                return true;
            }
        }

        return false;
    }

    private static bool OneOf(ReadOnlySpan<byte> value, byte[][] names)
    {
        foreach (byte[] name in names)
        {
            if (value.SequenceEqual(name))
            {
                return true;
            }
        }

        return false;
    }

    private static bool NameStartsWith(JsonProperty property, ReadOnlySpan<byte> prefixUtf8, string prefix)
    {
        ReadOnlySpan<byte> raw = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8PropertyName(property);

        // An escaped name (rare) is compared unescaped, which allocates it.
        return raw.IndexOf((byte)'\\') < 0 ? raw.StartsWith(prefixUtf8) : property.Name.StartsWith(prefix, StringComparison.Ordinal);
    }

    private static string Quote(string value) => $"\"{JsonEncodedText.Encode(value)}\"";

    private static byte[][] Utf8(params string[] values) => [.. values.Select(Encoding.UTF8.GetBytes)];

    private delegate void CheckFunction(in PodSecurityView pod, Sink sink);

    private sealed record Check(string Id, PodSecurityLevel Level, Versioned[] Versions);

    private sealed record Versioned(int MinMinor, CheckFunction Fn, params string[] Overrides);

    /// <summary>Reports violations of one check into a list created on the first violation.</summary>
    private readonly ref struct Sink
    {
        private readonly string _checkId;
        private readonly ref List<PodSecurityViolation>? _violations;

        public Sink(string checkId, ref List<PodSecurityViolation>? violations)
        {
            _checkId = checkId;
            _violations = ref violations;
        }

        public void Add(string path, string value, string reason, string detail) =>
            (_violations ??= []).Add(new PodSecurityViolation(_checkId, path, value, reason, detail));
    }

    /// <summary>Enumerates an array's items, each checked to be a string (the error names <c>parent.name[index]</c>), without an
    /// iterator allocation; it refers to the parent's path rather than copying it.</summary>
    private ref struct StringItems
    {
        private readonly ref readonly FieldPath _parentPath;
        private readonly string? _name;
        private JsonElement.ArrayEnumerator _items;
        private int _index;

        public StringItems(JsonElement.ArrayEnumerator items, ref readonly FieldPath parentPath, string name)
        {
            _items = items;
            _parentPath = ref parentPath;
            _name = name;
            _index = -1;
        }

        public readonly StringItems GetEnumerator() => this;

        public readonly JsonElement Current => _items.Current;

        public bool MoveNext()
        {
            if (_name is null || !_items.MoveNext())
            {
                return false;
            }

            _index++;
            JsonElement item = _items.Current;
            if (item.ValueKind != JsonValueKind.String)
            {
                AdmissionJson.RequireString(item, _parentPath.Item(_name, _index));
            }

            return true;
        }
    }
}
