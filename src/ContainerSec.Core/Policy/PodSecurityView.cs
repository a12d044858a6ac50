using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace ContainerSec.Policy;

/// <summary>
/// A manifest field path kept as its parts — a head such as <c>spec</c> and up to five segments
/// <c>.name</c> or <c>.name[index]</c> — and formatted only when a violation or an error names it,
/// so that an allowed pod builds no path strings.
/// </summary>
internal readonly struct FieldPath
{
    private const int NoIndex = -1;

    private readonly string _head;
    private readonly string? _s1, _s2, _s3, _s4, _s5;
    private readonly int _i1, _i2, _i3, _i4, _i5;

    private FieldPath(string head) => _head = head;

    private FieldPath(in FieldPath parent, string segment, int index)
    {
        this = parent;
        switch (parent.Count)
        {
            case 0: (_s1, _i1) = (segment, index); break;
            case 1: (_s2, _i2) = (segment, index); break;
            case 2: (_s3, _i3) = (segment, index); break;
            case 3: (_s4, _i4) = (segment, index); break;
            case 4: (_s5, _i5) = (segment, index); break;
            default: throw new UnreachableException("A Pod Security field path is at most five segments deep.");
        }
    }

    private int Count => _s1 is null ? 0 : _s2 is null ? 1 : _s3 is null ? 2 : _s4 is null ? 3 : _s5 is null ? 4 : 5;

    /// <summary>A path that starts with <paramref name="head"/> (already formatted, e.g. <c>spec.template.spec</c>).</summary>
    public static FieldPath Of(string head) => new(head);

    /// <summary>This path followed by <c>.name</c>.</summary>
    public FieldPath Then(string name) => new(this, name, NoIndex);

    /// <summary>This path followed by <c>.name[index]</c>.</summary>
    public FieldPath Item(string name, int index) => new(this, name, index);

    /// <summary>The path followed by <c>.name</c>, as text.</summary>
    public string Format(string name) => Build(name, null);

    /// <summary>The path followed by <c>.name.leaf</c>, as text.</summary>
    public string Format(string name, string leaf) => Build(name, leaf);

    /// <inheritdoc/>
    public override string ToString() => Build(null, null);

    private string Build(string? name, string? leaf)
    {
        var text = new DefaultInterpolatedStringHandler(0, 0, CultureInfo.InvariantCulture);
        text.AppendLiteral(_head);
        bool empty = _head.Length == 0;
        Append(ref text, ref empty, _s1, _i1);
        Append(ref text, ref empty, _s2, _i2);
        Append(ref text, ref empty, _s3, _i3);
        Append(ref text, ref empty, _s4, _i4);
        Append(ref text, ref empty, _s5, _i5);
        Append(ref text, ref empty, name, NoIndex);
        Append(ref text, ref empty, leaf, NoIndex);
        return text.ToStringAndClear();
    }

    // As AdmissionJson.Join: no leading dot on an empty path.
    private static void Append(ref DefaultInterpolatedStringHandler text, ref bool empty, string? segment, int index)
    {
        if (segment is null)
        {
            return;
        }

        if (!empty)
        {
            text.AppendLiteral(".");
        }

        empty = false;
        text.AppendLiteral(segment);
        if (index != NoIndex)
        {
            text.AppendLiteral("[");
            text.AppendFormatted(index);
            text.AppendLiteral("]");
        }
    }
}

/// <summary>
/// The securityContext fields the checks read (pod or container), each looked up once by one pass over the
/// object. Values are raw: absent is <see cref="JsonValueKind.Undefined"/>, and types are checked where a
/// check reads them (as <see cref="AdmissionJson"/> does), so errors name the same field in the same order.
/// </summary>
[StructLayout(LayoutKind.Auto)]
internal struct SecurityContextFields
{
    public JsonElement Privileged;
    public JsonElement AllowPrivilegeEscalation;
    public JsonElement RunAsNonRoot;
    public JsonElement RunAsUser;
    public JsonElement SeLinuxOptions;
    public JsonElement AppArmorProfile;
    public JsonElement SeccompProfile;
    public JsonElement Capabilities;
    public JsonElement CapabilitiesDrop;
    public JsonElement CapabilitiesAdd;
    public JsonElement ProcMount;
    public JsonElement WindowsOptions;
    public JsonElement Sysctls;

    /// <summary>Reads the fields of <paramref name="securityContext"/>, an object, into <paramref name="fields"/> (default before);
    /// with duplicate names the last wins, as in <see cref="JsonElement.TryGetProperty(string, out JsonElement)"/>.</summary>
    public static void Read(JsonElement securityContext, ref SecurityContextFields fields)
    {
        foreach (JsonProperty property in securityContext.EnumerateObject())
        {
            ReadOnlySpan<byte> name = PodSecurityView.NameOf(property);
            JsonElement value = property.Value;
            if (name.SequenceEqual("privileged"u8))
            {
                fields.Privileged = value;
            }
            else if (name.SequenceEqual("allowPrivilegeEscalation"u8))
            {
                fields.AllowPrivilegeEscalation = value;
            }
            else if (name.SequenceEqual("runAsNonRoot"u8))
            {
                fields.RunAsNonRoot = value;
            }
            else if (name.SequenceEqual("runAsUser"u8))
            {
                fields.RunAsUser = value;
            }
            else if (name.SequenceEqual("seLinuxOptions"u8))
            {
                fields.SeLinuxOptions = value;
            }
            else if (name.SequenceEqual("appArmorProfile"u8))
            {
                fields.AppArmorProfile = value;
            }
            else if (name.SequenceEqual("seccompProfile"u8))
            {
                fields.SeccompProfile = value;
            }
            else if (name.SequenceEqual("capabilities"u8))
            {
                fields.Capabilities = value;
            }
            else if (name.SequenceEqual("procMount"u8))
            {
                fields.ProcMount = value;
            }
            else if (name.SequenceEqual("windowsOptions"u8))
            {
                fields.WindowsOptions = value;
            }
            else if (name.SequenceEqual("sysctls"u8))
            {
                fields.Sysctls = value;
            }
        }

        // capabilities.drop and .add, read here once; the checks still check every type where they read them.
        if (fields.Capabilities.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty property in fields.Capabilities.EnumerateObject())
            {
                ReadOnlySpan<byte> name = PodSecurityView.NameOf(property);
                if (name.SequenceEqual("drop"u8))
                {
                    fields.CapabilitiesDrop = property.Value;
                }
                else if (name.SequenceEqual("add"u8))
                {
                    fields.CapabilitiesAdd = property.Value;
                }
            }
        }
    }
}

/// <summary>A container of the pod spec: where it is (list and index, formatted on demand), its raw fields and its securityContext fields.</summary>
[StructLayout(LayoutKind.Auto)]
internal struct ContainerView
{
    public FieldPath Path;
    public FieldPath SecurityContextPath;
    public JsonElement Name;
    public JsonElement Ports;
    public JsonElement LivenessProbe;
    public JsonElement ReadinessProbe;
    public JsonElement StartupProbe;
    public JsonElement Lifecycle;
    public SecurityContextFields SecurityContext;

    /// <summary>The container name for messages (<c>""</c> when unset), allocated only when a message needs it.</summary>
    public readonly string NameText => Name.ValueKind == JsonValueKind.String ? Name.GetString()! : "";
}

/// <summary>
/// The parts of a Pod (or pod template) the checks read, found with one pass over each object and kept
/// as <see cref="JsonElement"/>s, with field paths formatted only on demand. It validates what
/// <see cref="PodSecurityPod.FromManifest"/> validates, in the same order and with the same messages.
/// The container list is rented from <see cref="ArrayPool{T}"/>: call <see cref="Release"/> when done.
/// </summary>
[StructLayout(LayoutKind.Auto)]
internal struct PodSecurityView
{
    private static readonly string[] ContainerLists = ["initContainers", "containers", "ephemeralContainers"];

    private ContainerView[]? _containers;
    private int _count;

    public JsonElement Metadata;
    public FieldPath MetadataPath;
    public JsonElement Spec;
    public FieldPath SpecPath;
    public JsonElement SecurityContextElement;
    public FieldPath SecurityContextPath;
    public SecurityContextFields SecurityContext;
    public JsonElement HostNetwork;
    public JsonElement HostPid;
    public JsonElement HostIpc;
    public JsonElement HostUsers;
    public JsonElement Os;
    public JsonElement Volumes;

    /// <summary>Every container: init containers, containers, ephemeral containers, each in list order.</summary>
    public readonly ReadOnlySpan<ContainerView> Containers => new(_containers, 0, _count);

    /// <summary>Reads <paramref name="manifest"/>; throws <see cref="ArgumentException"/> exactly as <see cref="PodSecurityPod.FromManifest"/>.</summary>
    public void Load(JsonElement manifest)
    {
        if (manifest.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException($"The manifest must be a JSON object, not {manifest.ValueKind}.", nameof(manifest));
        }

        // kind, metadata and spec in one pass (a Pod's metadata and spec are these); the last duplicate wins, as with TryGetProperty.
        JsonElement kind = default, metadata = default, spec = default;
        foreach (JsonProperty property in manifest.EnumerateObject())
        {
            ReadOnlySpan<byte> name = NameOf(property);
            if (name.SequenceEqual("kind"u8))
            {
                kind = property.Value;
            }
            else if (name.SequenceEqual("metadata"u8))
            {
                metadata = property.Value;
            }
            else if (name.SequenceEqual("spec"u8))
            {
                spec = property.Value;
            }
        }

        if (!AdmissionJson.IsString(kind, FieldPath.Of(""), "kind"))
        {
            throw new ArgumentException("The manifest has no 'kind'.", nameof(manifest));
        }

        (string[] steps, string[] stepPaths, string metadataPath, string specPath) = Layout(kind);
        string path = "";
        if (steps.Length > 0)
        {
            JsonElement holder = manifest;
            for (int i = 0; i < steps.Length; i++)
            {
                holder = AdmissionJson.Object(holder, steps[i], path) ?? throw new ArgumentException($"The {kind.GetString()} has no '{stepPaths[i]}'.", nameof(manifest));
                path = stepPaths[i];
            }

            AdmissionJson.TryGet(holder, "metadata"u8, out metadata);
            AdmissionJson.TryGet(holder, "spec"u8, out spec);
        }

        FieldPath holderPath = FieldPath.Of(path);
        Metadata = AdmissionJson.IsObject(metadata, holderPath, "metadata") ? metadata : default;
        Spec = AdmissionJson.IsObject(spec, holderPath, "spec") ? spec : throw new ArgumentException($"The {kind.GetString()} has no '{specPath}'.", nameof(manifest));
        MetadataPath = FieldPath.Of(metadataPath);
        SpecPath = FieldPath.Of(specPath);
        SecurityContextPath = SpecPath.Then("securityContext");
        ReadSpec();
    }

    /// <summary>Returns the rented container list (cleared, so the pool keeps no reference to the document).</summary>
    public void Release()
    {
        if (_containers is { } containers)
        {
            containers.AsSpan(0, _count).Clear();
            ArrayPool<ContainerView>.Shared.Return(containers);
            _containers = null;
            _count = 0;
        }
    }

    /// <summary>True when <c>spec.os.name</c> is <c>windows</c>.</summary>
    public readonly bool IsWindows =>
        AdmissionJson.IsObject(Os, SpecPath, "os") && AdmissionJson.TryGet(Os, "name"u8, out JsonElement name)
        && AdmissionJson.IsString(name, SpecPath.Then("os"), "name") && name.ValueEquals("windows"u8);

    /// <summary>The name of <paramref name="property"/> as UTF-8: the raw bytes, or, when the JSON escapes it, the unescaped name.</summary>
    internal static ReadOnlySpan<byte> NameOf(JsonProperty property)
    {
        ReadOnlySpan<byte> raw = JsonMarshal.GetRawUtf8PropertyName(property);
        return raw.IndexOf((byte)'\\') < 0 ? raw : Unescaped(property);
    }

    // Rare: an escaped name such as "privil\u0065ged" is compared unescaped, as TryGetProperty does (allocates).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static byte[] Unescaped(JsonProperty property) => Encoding.UTF8.GetBytes(property.Name);

    private static (string[] Steps, string[] StepPaths, string MetadataPath, string SpecPath) Layout(JsonElement kind)
    {
        if (kind.ValueEquals("Pod"u8))
        {
            return ([], [], "metadata", "spec");
        }

        if (kind.ValueEquals("PodTemplate"u8))
        {
            return (TemplateSteps, TemplatePaths, "template.metadata", "template.spec");
        }

        if (kind.ValueEquals("ReplicationController"u8) || kind.ValueEquals("Deployment"u8) || kind.ValueEquals("ReplicaSet"u8)
            || kind.ValueEquals("StatefulSet"u8) || kind.ValueEquals("DaemonSet"u8) || kind.ValueEquals("Job"u8))
        {
            return (WorkloadSteps, WorkloadPaths, "spec.template.metadata", "spec.template.spec");
        }

        if (kind.ValueEquals("CronJob"u8))
        {
            return (CronJobSteps, CronJobPaths, "spec.jobTemplate.spec.template.metadata", "spec.jobTemplate.spec.template.spec");
        }

#pragma warning disable CA2208 // The public entry point's parameter is the manifest.
        throw new ArgumentException(
            $"Unsupported kind '{kind.GetString()}': expected Pod, PodTemplate, ReplicationController, Deployment, ReplicaSet, StatefulSet, DaemonSet, Job or CronJob.", "manifest");
#pragma warning restore CA2208
    }

    private static readonly string[] TemplateSteps = ["template"], TemplatePaths = ["template"];
    private static readonly string[] WorkloadSteps = ["spec", "template"], WorkloadPaths = ["spec", "spec.template"];
    private static readonly string[] CronJobSteps = ["spec", "jobTemplate", "spec", "template"], CronJobPaths = ["spec", "spec.jobTemplate", "spec.jobTemplate.spec", "spec.jobTemplate.spec.template"];

    private void ReadSpec()
    {
        JsonElement init = default, main = default, ephemeral = default;
        foreach (JsonProperty property in Spec.EnumerateObject())
        {
            ReadOnlySpan<byte> name = NameOf(property);
            JsonElement value = property.Value;
            if (name.SequenceEqual("containers"u8))
            {
                main = value;
            }
            else if (name.SequenceEqual("initContainers"u8))
            {
                init = value;
            }
            else if (name.SequenceEqual("ephemeralContainers"u8))
            {
                ephemeral = value;
            }
            else if (name.SequenceEqual("securityContext"u8))
            {
                SecurityContextElement = value;
            }
            else if (name.SequenceEqual("volumes"u8))
            {
                Volumes = value;
            }
            else if (name.SequenceEqual("hostNetwork"u8))
            {
                HostNetwork = value;
            }
            else if (name.SequenceEqual("hostPID"u8))
            {
                HostPid = value;
            }
            else if (name.SequenceEqual("hostIPC"u8))
            {
                HostIpc = value;
            }
            else if (name.SequenceEqual("hostUsers"u8))
            {
                HostUsers = value;
            }
            else if (name.SequenceEqual("os"u8))
            {
                Os = value;
            }
        }

        int total = Length(init) + Length(main) + Length(ephemeral);
        if (total > 0)
        {
            _containers = ArrayPool<ContainerView>.Shared.Rent(total);
        }

        ReadContainers(init, 0);
        ReadContainers(main, 1);
        ReadContainers(ephemeral, 2);
        if (AdmissionJson.IsObject(SecurityContextElement, SpecPath, "securityContext"))
        {
            SecurityContextFields.Read(SecurityContextElement, ref SecurityContext);
        }
        else
        {
            SecurityContextElement = default;
        }
    }

    private static int Length(JsonElement list) => list.ValueKind == JsonValueKind.Array ? list.GetArrayLength() : 0;

    private void ReadContainers(JsonElement list, int which)
    {
        string listName = ContainerLists[which];
        if (!AdmissionJson.IsArray(list, SpecPath, listName))
        {
            return;
        }

        int index = 0;
        foreach (JsonElement element in list.EnumerateArray())
        {
            ref ContainerView c = ref _containers![_count++];
            c.Path = SpecPath.Item(listName, index);
            AdmissionJson.RequireObject(element, c.Path);
            JsonElement securityContext = default;
            foreach (JsonProperty property in element.EnumerateObject())
            {
                ReadOnlySpan<byte> name = NameOf(property);
                JsonElement value = property.Value;
                if (name.SequenceEqual("name"u8))
                {
                    c.Name = value;
                }
                else if (name.SequenceEqual("securityContext"u8))
                {
                    securityContext = value;
                }
                else if (name.SequenceEqual("ports"u8))
                {
                    c.Ports = value;
                }
                else if (name.SequenceEqual("livenessProbe"u8))
                {
                    c.LivenessProbe = value;
                }
                else if (name.SequenceEqual("readinessProbe"u8))
                {
                    c.ReadinessProbe = value;
                }
                else if (name.SequenceEqual("startupProbe"u8))
                {
                    c.StartupProbe = value;
                }
                else if (name.SequenceEqual("lifecycle"u8))
                {
                    c.Lifecycle = value;
                }
            }

            AdmissionJson.IsString(c.Name, c.Path, "name");
            c.SecurityContextPath = c.Path.Then("securityContext");
            if (AdmissionJson.IsObject(securityContext, c.Path, "securityContext"))
            {
                SecurityContextFields.Read(securityContext, ref c.SecurityContext);
            }

            index++;
        }
    }
}
