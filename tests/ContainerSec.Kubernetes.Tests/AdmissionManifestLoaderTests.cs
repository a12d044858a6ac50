using System.Net;
using System.Text.Json;
using ContainerSec.Policy;

namespace ContainerSec.Kubernetes.Tests;

public sealed class AdmissionManifestLoaderTests
{
    private static readonly string Samples = Path.Combine(AppContext.BaseDirectory, "Manifests");

    private static AdmissionManifests Shop => AdmissionManifestLoader.LoadFile(Path.Combine(Samples, "shop.yaml"));

    [Fact]
    public void LoadFile_Shop_SortsObjectsByKindAndListsOthers()
    {
        AdmissionManifests shop = Shop;

        Assert.Equal(["Deployment shop/web", "CronJob shop/report", "DaemonSet shop/node-agent"], shop.Workloads.Select(w => w.ToString()));
        Assert.Equal("Namespace shop", Assert.Single(shop.Namespaces).ToString());
        Assert.Equal("LimitRange shop/container-limits", Assert.Single(shop.LimitRanges).ToString());
        Assert.Equal("ResourceQuota shop/compute", Assert.Single(shop.ResourceQuotas).ToString());
        Assert.Empty(shop.NetworkPolicies.Policies);
        string ignored = Assert.Single(shop.IgnoredDocuments);
        Assert.EndsWith("shop.yaml: document 6 (v1 Service \"web\")", ignored, StringComparison.Ordinal);
        Assert.EndsWith("shop.yaml: document 1", shop.Workloads[0].Location, StringComparison.Ordinal);
        Assert.Equal(new Dictionary<string, string> { ["app"] = "web", ["tier"] = "frontend" }, shop.Workloads[0].PodLabels);
        Assert.Equal(new Dictionary<string, string> { ["app"] = "report" }, shop.Workloads[1].PodLabels);
    }

    [Fact]
    public void LoadFile_Shop_ScalarsGetTheApiServersJsonTypes()
    {
        JsonElement web = Shop.Workloads[0].Manifest;
        JsonElement pod = web.GetProperty("spec").GetProperty("template").GetProperty("spec");
        JsonElement container = pod.GetProperty("containers")[0];
        JsonElement resources = container.GetProperty("resources");

        // Quantities written as YAML numbers become strings, as the API server writes them.
        Assert.Equal("0.25", resources.GetProperty("requests").GetProperty("cpu").GetString());
        Assert.Equal("1", resources.GetProperty("limits").GetProperty("cpu").GetString());
        Assert.Equal("256Mi", resources.GetProperty("limits").GetProperty("memory").GetString());
        // Int-or-string fields keep what was written.
        Assert.Equal("http", container.GetProperty("readinessProbe").GetProperty("httpGet").GetProperty("port").GetString());
        Assert.Equal(8080, container.GetProperty("livenessProbe").GetProperty("tcpSocket").GetProperty("port").GetInt32());
        Assert.Equal("25%", web.GetProperty("spec").GetProperty("strategy").GetProperty("rollingUpdate").GetProperty("maxSurge").GetString());
        Assert.Equal(0, web.GetProperty("spec").GetProperty("strategy").GetProperty("rollingUpdate").GetProperty("maxUnavailable").GetInt32());
        // Integers, booleans, quoted strings; 0440 is YAML 1.1 octal, as kubectl reads it.
        Assert.Equal(3, web.GetProperty("spec").GetProperty("replicas").GetInt32());
        Assert.Equal(JsonValueKind.False, container.GetProperty("securityContext").GetProperty("allowPrivilegeEscalation").ValueKind);
        Assert.Equal("yes", container.GetProperty("env")[1].GetProperty("value").GetString());
        Assert.Equal(288, pod.GetProperty("volumes")[0].GetProperty("secret").GetProperty("defaultMode").GetInt32());
        // LimitRange and ResourceQuota quantities too.
        JsonElement quota = Assert.Single(Shop.ResourceQuotas).Manifest.GetProperty("spec").GetProperty("hard");
        Assert.Equal("20", quota.GetProperty("pods").GetString());
        Assert.Equal("0.1", Assert.Single(Shop.LimitRanges).Manifest.GetProperty("spec").GetProperty("limits")[0].GetProperty("defaultRequest").GetProperty("cpu").GetString());
    }

    [Fact]
    public void LoadFile_Shop_PodSecurityEvaluatesEveryWorkload()
    {
        AdmissionManifests shop = Shop;
        var restricted = shop.Workloads.Select(w => PodSecurityEvaluator.Evaluate(w.Manifest, PodSecurityLevel.Restricted, PodSecurityVersion.Latest)).ToList();
        var baseline = shop.Workloads.Select(w => PodSecurityEvaluator.Evaluate(w.Manifest, PodSecurityLevel.Baseline, PodSecurityVersion.Latest)).ToList();

        Assert.True(restricted[0].Allowed, restricted[0].Message);
        Assert.True(baseline[1].Allowed, baseline[1].Message);
        Assert.Equal(
            ["allowPrivilegeEscalation", "runAsNonRoot", "seccompProfile_restricted", "capabilities_restricted"],
            restricted[1].Violations.Select(v => v.CheckId).Distinct());
        Assert.All(restricted[1].Violations, v => Assert.StartsWith("spec.jobTemplate.spec.template.spec", v.Path, StringComparison.Ordinal));
        Assert.Equal(["hostNamespaces", "hostPathVolumes"], baseline[2].Violations.Select(v => v.CheckId));
        Assert.Equal("spec.template.spec.hostNetwork", baseline[2].Violations[0].Path);
    }

    [Fact]
    public void LoadFile_DocsNetworkPolicies_DecidesLikeTheDocumentation()
    {
        AdmissionManifests m = AdmissionManifestLoader.LoadFile(Path.Combine(Samples, "network-policies.yaml"));
        NetworkEndpoint db = m.PodEndpoint(m.Workloads.Single(w => w.Name == "redis"), IPAddress.Parse("10.244.0.10"));
        NetworkEndpoint frontend = m.PodEndpoint(m.Workloads.Single(w => w.Name == "frontend"), IPAddress.Parse("10.244.0.11"));
        NetworkEndpoint other = NetworkEndpoint.Pod("default", new Dictionary<string, string> { ["role"] = "batch" }, m.NamespaceLabels("default"));
        NetworkEndpoint myProject = NetworkEndpoint.Pod("myproject", new Dictionary<string, string>(), m.NamespaceLabels("myproject"));
        NetworkEndpoint monitoring = NetworkEndpoint.Pod("monitoring", new Dictionary<string, string>(), m.NamespaceLabels("monitoring"));
        bool Allowed(NetworkEndpoint from, NetworkEndpoint to, int port, string? name = null) =>
            m.NetworkPolicies.Evaluate(new NetworkTraffic(from, to, port, name, NetworkProtocol.Tcp)).Allowed;

        Assert.Equal(["default/test-network-policy", "default/multi-port-egress", "default/allow-metrics-by-name"], m.NetworkPolicies.Policies.Select(p => p.ToString()));
        Assert.Equal("myproject", m.NamespaceLabels("myproject")[AdmissionManifests.NamespaceNameLabel]);
        Assert.True(Allowed(frontend, db, 6379));
        Assert.False(Allowed(frontend, db, 6380));
        Assert.False(Allowed(other, db, 6379));
        Assert.True(Allowed(myProject, db, 6379));
        Assert.True(Allowed(NetworkEndpoint.External(IPAddress.Parse("172.17.0.5")), db, 6379));
        Assert.False(Allowed(NetworkEndpoint.External(IPAddress.Parse("172.17.1.5")), db, 6379));
        Assert.True(Allowed(db, NetworkEndpoint.External(IPAddress.Parse("10.0.0.5")), 5978));
        Assert.True(Allowed(db, NetworkEndpoint.External(IPAddress.Parse("10.0.0.5")), 32768));
        Assert.False(Allowed(db, NetworkEndpoint.External(IPAddress.Parse("10.0.0.5")), 32769));
        Assert.False(Allowed(db, NetworkEndpoint.External(IPAddress.Parse("10.0.1.5")), 5978));
        Assert.True(Allowed(monitoring, db, 9121, "metrics"));
        Assert.False(Allowed(myProject, db, 9121, "metrics"));
        Assert.False(Allowed(db, frontend, 80)); // db may only reach 10.0.0.0/24 (egress isolated).
    }

    [Fact]
    public void LoadFile_ListAndTypedList_ReadsItemsWithTheirPaths()
    {
        AdmissionManifests m = AdmissionManifestLoader.LoadFile(Path.Combine(Samples, "list.yaml"));

        Assert.Equal(["Pod ops/debug", "Pod ops/a", "Pod ops/b"], m.Workloads.Select(w => w.ToString()));
        Assert.EndsWith("list.yaml: document 0 items[0]", m.Workloads[0].Location, StringComparison.Ordinal);
        Assert.EndsWith("list.yaml: document 1 items[1]", m.Workloads[2].Location, StringComparison.Ordinal);
        Assert.Equal("v1", m.Workloads[1].Manifest.GetProperty("apiVersion").GetString());
        Assert.Equal("Pod", m.Workloads[1].Manifest.GetProperty("kind").GetString());
        Assert.Equal("ops/default-deny-all", Assert.Single(m.NetworkPolicies.Policies).ToString());
        Assert.Equal("privileged", PodSecurityEvaluator.Evaluate(m.Workloads[0].Manifest, PodSecurityLevel.Baseline, PodSecurityVersion.Latest).Violations[0].CheckId);
        Assert.False(m.NetworkPolicies.Evaluate(new NetworkTraffic(m.PodEndpoint(m.Workloads[1]), m.PodEndpoint(m.Workloads[2]), 80, null, NetworkProtocol.Tcp)).Allowed);
    }

    [Fact]
    public void Load_MissingNamespace_IsDefaultAndCustomGroupKindIsIgnored()
    {
        const string yaml = """
            apiVersion: v1
            kind: Pod
            metadata: {generateName: job-}
            spec: {containers: [{name: c, image: x}]}
            ---
            apiVersion: crd.projectcalico.org/v1
            kind: NetworkPolicy
            metadata: {name: calico}
            spec: {selector: all()}
            """;

        AdmissionManifests m = AdmissionManifestLoader.Load(yaml, "mixed.yaml");

        Assert.Equal("Pod default/job-", Assert.Single(m.Workloads).ToString());
        Assert.Equal("mixed.yaml: document 1 (crd.projectcalico.org/v1 NetworkPolicy \"calico\")", Assert.Single(m.IgnoredDocuments));
        Assert.Throws<ArgumentException>(() => m.PodEndpoint(Shop.Workloads[0]));
    }

    [Fact]
    public void Load_JsonIndentedWithTabs_Loads()
    {
        const string json = "{\n\t\"apiVersion\": \"v1\",\n\t\"kind\": \"Namespace\",\n\t\"metadata\": {\n\t\t\"name\": \"tabs\",\n\t\t\"labels\": {\"a\": \"b\"}\n\t}\n}\n";

        ManifestObject ns = Assert.Single(AdmissionManifestLoader.Load(json).Namespaces);

        Assert.Equal("b", ns.Labels["a"]);
    }

    [Fact]
    public void Load_Json_IsYaml()
    {
        const string json = """{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "x", "ports": [{"containerPort": 80}]}]}}""";

        ManifestObject pod = Assert.Single(AdmissionManifestLoader.Load(json).Workloads);

        Assert.Equal(80, pod.Manifest.GetProperty("spec").GetProperty("containers")[0].GetProperty("ports")[0].GetProperty("containerPort").GetInt32());
    }
}
