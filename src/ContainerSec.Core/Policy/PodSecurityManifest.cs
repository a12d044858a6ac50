using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ContainerSec.Policy;

/// <summary>A container of a pod spec with its field path and its securityContext (read once, shared by every check).</summary>
internal sealed class PodSecurityContainer(string name, JsonElement element, string path)
{
    public string Name { get; } = name;

    public JsonElement Element { get; } = element;

    public string Path { get; } = path;

    public string SecurityContextPath { get; } = path + ".securityContext";

    public JsonElement? SecurityContext { get; } = AdmissionJson.Object(element, "securityContext"u8, path);
}

/// <summary>The parts of a Pod (or pod template) the checks read, with field paths for messages.</summary>
internal sealed class PodSecurityPod
{
    private PodSecurityPod(JsonElement metadata, string metadataPath, JsonElement spec, string specPath)
    {
        Metadata = metadata;
        MetadataPath = metadataPath;
        Spec = spec;
        SpecPath = specPath;
        var containers = new List<PodSecurityContainer>();
        foreach (string list in (ReadOnlySpan<string>)["initContainers", "containers", "ephemeralContainers"])
        {
            if (AdmissionJson.Array(spec, list, specPath) is { } array)
            {
                int index = 0;
                foreach (JsonElement container in array.EnumerateArray())
                {
                    string path = $"{specPath}.{list}[{index.ToString(CultureInfo.InvariantCulture)}]";
                    AdmissionJson.RequireObject(container, path);
                    containers.Add(new PodSecurityContainer(AdmissionJson.String(container, "name"u8, path) ?? "", container, path));
                    index++;
                }
            }
        }

        Containers = containers;
        SecurityContext = AdmissionJson.Object(spec, "securityContext"u8, specPath);
    }

    public JsonElement Metadata { get; }

    public string MetadataPath { get; }

    public JsonElement Spec { get; }

    public string SpecPath { get; }

    public JsonElement? SecurityContext { get; }

    public string SecurityContextPath => field ??= SpecPath + ".securityContext";

    public IReadOnlyList<PodSecurityContainer> Containers { get; }

    /// <summary>True when <c>spec.os.name</c> is <c>windows</c>.</summary>
    public bool IsWindows => AdmissionJson.Object(Spec, "os"u8, SpecPath) is { } os && AdmissionJson.String(os, "name"u8, SpecPath + ".os") == "windows";

    public static PodSecurityPod FromManifest(JsonElement manifest)
    {
        if (manifest.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException($"The manifest must be a JSON object, not {manifest.ValueKind}.", nameof(manifest));
        }

        string kind = AdmissionJson.String(manifest, "kind"u8, "") ?? throw new ArgumentException("The manifest has no 'kind'.", nameof(manifest));
        string[] templatePath = kind switch
        {
            "Pod" => [],
            "PodTemplate" => ["template"],
            "ReplicationController" or "Deployment" or "ReplicaSet" or "StatefulSet" or "DaemonSet" or "Job" => ["spec", "template"],
            "CronJob" => ["spec", "jobTemplate", "spec", "template"],
            _ => throw new ArgumentException(
                $"Unsupported kind '{kind}': expected Pod, PodTemplate, ReplicationController, Deployment, ReplicaSet, StatefulSet, DaemonSet, Job or CronJob.", nameof(manifest)),
        };

        JsonElement holder = manifest;
        string path = "";
        foreach (string step in templatePath)
        {
            string next = path.Length == 0 ? step : $"{path}.{step}";
            holder = AdmissionJson.Object(holder, step, path) ?? throw new ArgumentException($"The {kind} has no '{next}'.", nameof(manifest));
            path = next;
        }

        string prefix = path.Length == 0 ? "" : path + ".";
        JsonElement metadata = AdmissionJson.Object(holder, "metadata"u8, path) ?? default;
        JsonElement spec = AdmissionJson.Object(holder, "spec"u8, path) ?? throw new ArgumentException($"The {kind} has no '{prefix}spec'.", nameof(manifest));
        return new PodSecurityPod(metadata, prefix + "metadata", spec, prefix + "spec");
    }
}

/// <summary>Typed reads of manifest fields: absent or null is "unset", a wrong type is a malformed manifest naming the field.</summary>
internal static class AdmissionJson
{
    public static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    public static void RequireObject(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Malformed(path, "an object", element);
        }
    }

    public static bool TryGet(JsonElement parent, string name, out JsonElement value)
    {
        if (parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null)
        {
            return true;
        }

        value = default;
        return false;
    }

    // UTF-8 name overloads: the hot path of the Pod Security checks looks fields up without transcoding names.
    public static bool TryGet(JsonElement parent, ReadOnlySpan<byte> name, out JsonElement value)
    {
        if (parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null)
        {
            return true;
        }

        value = default;
        return false;
    }

    public static JsonElement? Object(JsonElement parent, ReadOnlySpan<byte> name, string path) => Typed(parent, name, path, JsonValueKind.Object, "an object");

    public static JsonElement? Array(JsonElement parent, ReadOnlySpan<byte> name, string path) => Typed(parent, name, path, JsonValueKind.Array, "an array");

    public static string? String(JsonElement parent, ReadOnlySpan<byte> name, string path) => Typed(parent, name, path, JsonValueKind.String, "a string")?.GetString();

    public static bool? Bool(JsonElement? parent, ReadOnlySpan<byte> name, string path)
    {
        if (parent is not { } p || !TryGet(p, name, out JsonElement value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Malformed(Join(path, Encoding.UTF8.GetString(name)), "a boolean", value),
        };
    }

    public static long? Int(JsonElement? parent, ReadOnlySpan<byte> name, string path)
    {
        if (parent is not { } p || !TryGet(p, name, out JsonElement value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long number) ? number : throw Malformed(Join(path, Encoding.UTF8.GetString(name)), "an integer", value);
    }

    private static JsonElement? Typed(JsonElement parent, ReadOnlySpan<byte> name, string path, JsonValueKind kind, string expected)
    {
        if (!TryGet(parent, name, out JsonElement value))
        {
            return null;
        }

        return value.ValueKind == kind ? value : throw Malformed(Join(path, Encoding.UTF8.GetString(name)), expected, value);
    }

    public static JsonElement? Object(JsonElement parent, string name, string path) => Typed(parent, name, path, JsonValueKind.Object, "an object");

    public static JsonElement? Array(JsonElement parent, string name, string path) => Typed(parent, name, path, JsonValueKind.Array, "an array");

    public static string? String(JsonElement parent, string name, string path) => Typed(parent, name, path, JsonValueKind.String, "a string")?.GetString();

    public static bool? Bool(JsonElement? parent, string name, string path)
    {
        if (parent is not { } p || !TryGet(p, name, out JsonElement value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Malformed(Join(path, name), "a boolean", value),
        };
    }

    public static long? Int(JsonElement? parent, string name, string path)
    {
        if (parent is not { } p || !TryGet(p, name, out JsonElement value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long number) ? number : throw Malformed(Join(path, name), "an integer", value);
    }

    public static IEnumerable<(JsonElement Item, string Path)> Items(JsonElement? parent, string name, string path)
    {
        if (parent is not { } p || Array(p, name, path) is not { } array)
        {
            yield break;
        }

        int index = 0;
        foreach (JsonElement item in array.EnumerateArray())
        {
            yield return (item, $"{Join(path, name)}[{index.ToString(CultureInfo.InvariantCulture)}]");
            index++;
        }
    }

    public static IEnumerable<(string Value, string Path)> Strings(JsonElement? parent, string name, string path)
    {
        foreach (var (item, itemPath) in Items(parent, name, path))
        {
            yield return item.ValueKind == JsonValueKind.String ? (item.GetString()!, itemPath) : throw Malformed(itemPath, "a string", item);
        }
    }

    private static JsonElement? Typed(JsonElement parent, string name, string path, JsonValueKind kind, string expected)
    {
        if (!TryGet(parent, name, out JsonElement value))
        {
            return null;
        }

        return value.ValueKind == kind ? value : throw Malformed(Join(path, name), expected, value);
    }

    // Reads of a value already looked up (absent: default, or JSON null = unset), for the Pod Security
    // checks' one-pass field lookup; the path is formatted only when the value has the wrong type.
    // Same messages as the reads above: 'parent.name' must be <type>, not <kind>.

    /// <summary>True when <paramref name="value"/> is set; throws when it is set and not an object.</summary>
    public static bool IsObject(JsonElement value, in FieldPath parent, string name) => Is(value, JsonValueKind.Object, parent, name, "an object");

    /// <summary>True when <paramref name="value"/> is set; throws when it is set and not an array.</summary>
    public static bool IsArray(JsonElement value, in FieldPath parent, string name) => Is(value, JsonValueKind.Array, parent, name, "an array");

    /// <summary>True when <paramref name="value"/> is set; throws when it is set and not a string.</summary>
    public static bool IsString(JsonElement value, in FieldPath parent, string name) => Is(value, JsonValueKind.String, parent, name, "a string");

    public static bool? BoolValue(JsonElement value, in FieldPath parent, string name) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Undefined or JsonValueKind.Null => null,
        _ => throw Malformed(parent.Format(name), "a boolean", value),
    };

    public static long? IntValue(JsonElement value, in FieldPath parent, string name)
    {
        if (value.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long number) ? number : throw Malformed(parent.Format(name), "an integer", value);
    }

    public static void RequireObject(JsonElement element, in FieldPath path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Malformed(path.ToString(), "an object", element);
        }
    }

    public static void RequireString(JsonElement element, in FieldPath path)
    {
        if (element.ValueKind != JsonValueKind.String)
        {
            throw Malformed(path.ToString(), "a string", element);
        }
    }

    private static bool Is(JsonElement value, JsonValueKind kind, in FieldPath parent, string name, string expected)
    {
        if (value.ValueKind == kind)
        {
            return true;
        }

        return value.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null ? false : throw Malformed(parent.Format(name), expected, value);
    }

#pragma warning disable CA2208 // The helper reports the public entry point's parameter, not its own.
    private static ArgumentException Malformed(string path, string expected, JsonElement value) =>
        new($"Malformed manifest: '{path}' must be {expected}, not {value.ValueKind}.", "manifest");
#pragma warning restore CA2208
}
