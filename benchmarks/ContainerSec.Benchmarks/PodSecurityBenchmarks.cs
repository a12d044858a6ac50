using System.Text.Json;
using BenchmarkDotNet.Attributes;
using ContainerSec.Policy;

namespace ContainerSec.Benchmarks;

/// <summary>
/// Pod Security evaluation (restricted, latest) of a typical compliant pod: two containers and an
/// init container, a few volumes, ports and probes, already parsed as a <see cref="JsonDocument"/>.
/// The baseline is a straightforward hand-written evaluation of the same rules over the same
/// <see cref="JsonElement"/> that only answers allowed/refused (no versions, paths or messages);
/// the setup checks that both agree on the pod and on a refused variant.
/// </summary>
[MemoryDiagnoser]
public class PodSecurityBenchmarks
{
    private const string TypicalPod = """
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","labels":{"app":"web"}},
         "spec":{"securityContext":{"runAsNonRoot":true,"runAsUser":1000,"seccompProfile":{"type":"RuntimeDefault"}},
          "volumes":[{"name":"cfg","configMap":{"name":"web"}},{"name":"tmp","emptyDir":{}},{"name":"tls","secret":{"secretName":"web-tls"}}],
          "initContainers":[{"name":"migrate","image":"registry.example/web@sha256:0a","securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]}}}],
          "containers":[
           {"name":"web","image":"registry.example/web@sha256:0a","ports":[{"name":"http","containerPort":8080}],
            "livenessProbe":{"httpGet":{"path":"/healthz","port":8080}},
            "securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"],"add":["NET_BIND_SERVICE"]}}},
           {"name":"sidecar","image":"registry.example/proxy@sha256:0b","ports":[{"containerPort":9090}],
            "securityContext":{"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,"capabilities":{"drop":["ALL"]}}}]}}
        """;

    private JsonDocument _document = null!;
    private JsonElement _pod;

    [GlobalSetup]
    public void Setup()
    {
        _document = JsonDocument.Parse(TypicalPod);
        _pod = _document.RootElement;
        using JsonDocument refused = JsonDocument.Parse(TypicalPod.Replace("\"runAsUser\":1000", "\"runAsUser\":0", StringComparison.Ordinal));
        if (!Ours() || !Straightforward() || PodSecurityEvaluator.Evaluate(refused.RootElement, PodSecurityLevel.Restricted, PodSecurityVersion.Latest).Allowed
            || StraightforwardRestricted(refused.RootElement))
        {
            throw new InvalidOperationException("The evaluators disagree.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _document.Dispose();

    [Benchmark(Baseline = true)]
    public bool Straightforward() => StraightforwardRestricted(_pod);

    [Benchmark]
    public bool Ours() => PodSecurityEvaluator.Evaluate(_pod, PodSecurityLevel.Restricted, PodSecurityVersion.Latest).Allowed;

    private static readonly HashSet<string> BaselineCapabilities =
        ["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"];

    private static readonly HashSet<string> Volumes = ["name", "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

    private static readonly HashSet<string> Sysctls =
    [
        "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
        "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
        "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem",
    ];

    /// <summary>The restricted profile at its newest definition, checked directly; true = allowed.</summary>
    private static bool StraightforwardRestricted(JsonElement pod)
    {
        JsonElement spec = pod.GetProperty("spec");
        if (IsTrue(spec, "hostNetwork") || IsTrue(spec, "hostPID") || IsTrue(spec, "hostIPC"))
        {
            return false;
        }

        if (spec.TryGetProperty("volumes", out JsonElement volumes))
        {
            foreach (JsonElement volume in volumes.EnumerateArray())
            {
                foreach (JsonProperty p in volume.EnumerateObject())
                {
                    if (!Volumes.Contains(p.Name))
                    {
                        return false;
                    }
                }
            }
        }

        spec.TryGetProperty("securityContext", out JsonElement podSc);
        bool podNonRoot = IsTrue(podSc, "runAsNonRoot");
        bool podSeccomp = podSc.ValueKind == JsonValueKind.Object && podSc.TryGetProperty("seccompProfile", out JsonElement ps) && ValidSeccomp(ps);
        if (IsFalse(podSc, "runAsNonRoot") || IsZero(podSc, "runAsUser") || !SafeProfile(podSc, "appArmorProfile") || !SafeSeLinux(podSc) || IsTrue(podSc, "windowsOptions"))
        {
            return false;
        }

        if (podSc.ValueKind == JsonValueKind.Object && podSc.TryGetProperty("sysctls", out JsonElement sysctls))
        {
            foreach (JsonElement sysctl in sysctls.EnumerateArray())
            {
                if (!Sysctls.Contains(sysctl.GetProperty("name").GetString()!))
                {
                    return false;
                }
            }
        }

        foreach (string list in (ReadOnlySpan<string>)["initContainers", "containers", "ephemeralContainers"])
        {
            if (!spec.TryGetProperty(list, out JsonElement containers))
            {
                continue;
            }

            foreach (JsonElement c in containers.EnumerateArray())
            {
                if (!ContainerAllowed(c, podNonRoot, podSeccomp))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static bool ContainerAllowed(JsonElement c, bool podNonRoot, bool podSeccomp)
    {
        if (c.TryGetProperty("ports", out JsonElement ports))
        {
            foreach (JsonElement port in ports.EnumerateArray())
            {
                if (port.TryGetProperty("hostPort", out JsonElement hp) && hp.GetInt32() != 0)
                {
                    return false;
                }
            }
        }

        foreach (string probe in (ReadOnlySpan<string>)["livenessProbe", "readinessProbe", "startupProbe"])
        {
            if (c.TryGetProperty(probe, out JsonElement p) && HasHost(p))
            {
                return false;
            }
        }

        if (c.TryGetProperty("lifecycle", out JsonElement lifecycle)
            && ((lifecycle.TryGetProperty("postStart", out JsonElement post) && HasHost(post)) || (lifecycle.TryGetProperty("preStop", out JsonElement pre) && HasHost(pre))))
        {
            return false;
        }

        if (!c.TryGetProperty("securityContext", out JsonElement sc))
        {
            return false; // allowPrivilegeEscalation must be false
        }

        if (IsTrue(sc, "privileged") || !IsFalse(sc, "allowPrivilegeEscalation") || IsFalse(sc, "runAsNonRoot") || (!podNonRoot && !IsTrue(sc, "runAsNonRoot"))
            || IsZero(sc, "runAsUser") || !SafeProfile(sc, "appArmorProfile") || !SafeSeLinux(sc)
            || (sc.TryGetProperty("procMount", out JsonElement pm) && pm.GetString() != "Default")
            || (sc.TryGetProperty("windowsOptions", out JsonElement wo) && IsTrue(wo, "hostProcess")))
        {
            return false;
        }

        if (sc.TryGetProperty("seccompProfile", out JsonElement seccomp) ? !ValidSeccomp(seccomp) : !podSeccomp)
        {
            return false;
        }

        if (!sc.TryGetProperty("capabilities", out JsonElement caps) || !caps.TryGetProperty("drop", out JsonElement drop)
            || !drop.EnumerateArray().Any(d => d.GetString() == "ALL"))
        {
            return false;
        }

        return !caps.TryGetProperty("add", out JsonElement add) || add.EnumerateArray().All(a => a.GetString() == "NET_BIND_SERVICE" && BaselineCapabilities.Contains("NET_BIND_SERVICE"));
    }

    private static bool HasHost(JsonElement handler) =>
        (handler.TryGetProperty("httpGet", out JsonElement h) && h.TryGetProperty("host", out JsonElement hh) && hh.GetString()!.Length > 0)
        || (handler.TryGetProperty("tcpSocket", out JsonElement t) && t.TryGetProperty("host", out JsonElement th) && th.GetString()!.Length > 0);

    private static bool ValidSeccomp(JsonElement profile) => profile.TryGetProperty("type", out JsonElement t) && t.GetString() is "RuntimeDefault" or "Localhost";

    private static bool SafeProfile(JsonElement sc, string name) =>
        sc.ValueKind != JsonValueKind.Object || !sc.TryGetProperty(name, out JsonElement p) || (p.TryGetProperty("type", out JsonElement t) && t.GetString() is "RuntimeDefault" or "Localhost");

    private static bool SafeSeLinux(JsonElement sc) =>
        sc.ValueKind != JsonValueKind.Object || !sc.TryGetProperty("seLinuxOptions", out JsonElement o)
        || ((!o.TryGetProperty("type", out JsonElement t) || t.GetString() is "" or "container_t" or "container_init_t" or "container_kvm_t" or "container_engine_t")
            && (!o.TryGetProperty("user", out JsonElement u) || u.GetString() == "") && (!o.TryGetProperty("role", out JsonElement r) || r.GetString() == ""));

    private static bool IsTrue(JsonElement e, string name) => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.True;

    private static bool IsFalse(JsonElement e, string name) => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.False;

    private static bool IsZero(JsonElement e, string name) => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out JsonElement v) && v.GetInt64() == 0;
}
