using System.Text.Json;

namespace ContainerSec.Tests.Policy;

/// <summary>Small JSON manifests for the resource policy tests: <c>"cpu=700m,memory=1Gi"</c> lists become resource objects.</summary>
internal static class ResourceManifests
{
    public static string List(string compact)
    {
        if (compact.Length == 0)
        {
            return "{}";
        }

        IEnumerable<string> pairs = compact.Split(',').Select(p => p.Split('=', 2)).Select(kv => $"\"{kv[0]}\":\"{kv[1]}\"");
        return "{" + string.Join(",", pairs) + "}";
    }

    /// <summary>A container; <paramref name="requests"/>/<paramref name="limits"/> null to leave the field out.</summary>
    public static string Container(string name, string? requests = null, string? limits = null, string extra = "")
    {
        var resources = new List<string>();
        if (requests is not null)
        {
            resources.Add($"\"requests\":{List(requests)}");
        }

        if (limits is not null)
        {
            resources.Add($"\"limits\":{List(limits)}");
        }

        string body = resources.Count == 0 ? "" : $",\"resources\":{{{string.Join(",", resources)}}}";
        return $"{{\"name\":\"{name}\",\"image\":\"registry.example.com/{name}@sha256:00\"{body}{extra}}}";
    }

    public static JsonElement Pod(params string[] containers) => PodWith("", containers);

    /// <summary>A pod with extra spec fields (<c>"initContainers":[...]</c>, <c>"overhead":{...}</c>).</summary>
    public static JsonElement PodWith(string specExtra, params string[] containers) =>
        Parse($"{{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{{\"name\":\"p\"}},\"spec\":{{\"containers\":[{string.Join(",", containers)}]{(specExtra.Length > 0 ? "," + specExtra : "")}}}}}");

    public static JsonElement Deployment(params string[] containers) =>
        Parse($"{{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{{\"name\":\"d\"}},\"spec\":{{\"replicas\":3,\"template\":{{\"metadata\":{{\"labels\":{{\"app\":\"d\"}}}},\"spec\":{{\"containers\":[{string.Join(",", containers)}]}}}}}}}}");

    public static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
