using System.Text.Json;

namespace ContainerSec.Policy;

/// <summary>
/// The runs-as-root image rule: refuses the containers of a Pod (or of a workload's pod template)
/// that would run as UID 0, given the user each image runs as by default (<see cref="ImageUser"/>)
/// and the pod's and containers' <c>securityContext</c>.
/// </summary>
/// <remarks>
/// <para>The effective <c>runAsUser</c> and <c>runAsNonRoot</c> of a container are its own
/// <c>securityContext</c> fields where set, the pod's <c>spec.securityContext</c> fields otherwise
/// (each field separately, as the kubelet merges them). Per container, in this order:</para>
/// <list type="number">
/// <item><c>runAsNonRoot: true</c> — allowed: the kubelet refuses to start the container as root
/// (an explicit <c>runAsUser: 0</c>, an image user that is root, empty or a name it cannot check), so it never runs as UID 0.</item>
/// <item><c>runAsUser</c> other than 0 — allowed: the image's user is overridden.</item>
/// <item><c>runAsUser: 0</c> — refused; the path is that field.</item>
/// <item>Neither set: the image decides. A numeric non-zero UID is allowed; an empty user, UID 0 or
/// <c>root</c> is refused; a non-numeric user name is refused too, because it is resolved from the
/// image's <c>/etc/passwd</c> only when the container starts, so nothing here (nor the kubelet) can
/// tell that it is not UID 0 — set <c>runAsUser</c> or <c>runAsNonRoot: true</c> for such images.
/// An image whose user is unknown (the lookup returns <see langword="null"/>) or a container without
/// <c>image</c> is refused for the same reason. The path is the container's <c>image</c> field.</item>
/// </list>
/// <para>Containers are <c>initContainers</c>, <c>containers</c> and <c>ephemeralContainers</c>. Not
/// special-cased: Windows pods (their image users are names, so they need <c>runAsNonRoot: true</c>)
/// and user-namespaced pods (<c>hostUsers: false</c>: UID 0 inside is still refused).</para>
/// </remarks>
public static class ImageUserRule
{
    /// <summary>Evaluates every container of <paramref name="manifest"/>.</summary>
    /// <param name="manifest">A Pod, PodTemplate, ReplicationController, Deployment, ReplicaSet, StatefulSet, DaemonSet, Job or CronJob as JSON.</param>
    /// <param name="imageUsers">Looks up the user of an image by the container's <c>image</c> string as written in the manifest
    /// (resolve it by digest, from the image config the runtime will use, for example with <see cref="ImageUser.FromImageConfig"/>);
    /// <see langword="null"/> when unknown. Called only for containers whose security context does not settle the question.</param>
    /// <returns>Allowed, or one violation per container that would run as root.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="imageUsers"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The manifest is malformed (not an object, an unsupported kind, no pod spec, a
    /// field of the wrong JSON type, a <c>runAsUser</c> outside 0–2147483647); the message names the field.</exception>
    public static ImageUserDecision Evaluate(JsonElement manifest, Func<string, ImageUser?> imageUsers)
    {
        ArgumentNullException.ThrowIfNull(imageUsers);
        PodSecurityPod pod = PodSecurityPod.FromManifest(manifest);
        string podContextPath = pod.SpecPath + ".securityContext";
        var violations = new List<ImageUserViolation>();
        foreach (PodSecurityContainer container in pod.Containers)
        {
            string containerContextPath = container.Path + ".securityContext";
            (bool? runAsNonRoot, _) = Effective(container.SecurityContext, containerContextPath, pod.SecurityContext, podContextPath, "runAsNonRoot", AdmissionJson.Bool);
            (long? runAsUser, string runAsUserPath) = Effective(container.SecurityContext, containerContextPath, pod.SecurityContext, podContextPath, "runAsUser", AdmissionJson.Int);
            if (runAsUser is < 0 or > int.MaxValue)
            {
                throw new ArgumentException($"Malformed manifest: '{runAsUserPath}' must be between 0 and 2147483647, not {runAsUser}.", nameof(manifest));
            }

            if (runAsNonRoot == true || runAsUser > 0)
            {
                continue;
            }

            string imagePath = container.Path + ".image";
            string? image = AdmissionJson.String(container.Element, "image", container.Path);
            if (runAsUser == 0)
            {
                violations.Add(new(container.Name, runAsUserPath, image, null,
                    $"container \"{container.Name}\" sets {runAsUserPath}=0 without runAsNonRoot: true: it runs as root"));
                continue;
            }

            if (string.IsNullOrEmpty(image))
            {
                violations.Add(new(container.Name, imagePath, image, null,
                    $"container \"{container.Name}\" has no image, so its user is unknown; set runAsUser (non-zero) or runAsNonRoot: true"));
                continue;
            }

            ImageUser? user = imageUsers(image);
            string? message = user switch
            {
                null => $"the user of image '{image}' is unknown",
                { IsRoot: true } => user.Value.Length == 0
                    ? $"image '{image}' sets no user, so it runs as root"
                    : $"image '{image}' runs as user '{user.Value}', which is root",
                { IsNumeric: false } => $"image '{image}' runs as the user name '{user.UserName}', which cannot be checked before start (it may be UID 0)",
                _ => null,
            };
            if (message is not null)
            {
                violations.Add(new(container.Name, imagePath, image, user,
                    $"container \"{container.Name}\": {message}; neither runAsUser (non-zero) nor runAsNonRoot: true is set in {containerContextPath} or {podContextPath}"));
            }
        }

        return new ImageUserDecision(violations);
    }

    /// <summary>The container's field where set, else the pod's; with the path of the field that decided (the container's when neither is set).</summary>
    private static (T? Value, string Path) Effective<T>(
        JsonElement? containerContext,
        string containerPath,
        JsonElement? podContext,
        string podPath,
        string name,
        Func<JsonElement?, string, string, T?> read)
        where T : struct
    {
        if (read(containerContext, name, containerPath) is T own)
        {
            return (own, $"{containerPath}.{name}");
        }

        return read(podContext, name, podPath) is T inherited ? (inherited, $"{podPath}.{name}") : (null, $"{containerPath}.{name}");
    }
}

/// <summary>The decision of <see cref="ImageUserRule.Evaluate"/>.</summary>
public sealed class ImageUserDecision
{
    internal ImageUserDecision(IReadOnlyList<ImageUserViolation> violations) => Violations = violations;

    /// <summary>True when no container would run as root.</summary>
    public bool Allowed => Violations.Count == 0;

    /// <summary>One entry per refused container, in manifest order (init, regular, ephemeral).</summary>
    public IReadOnlyList<ImageUserViolation> Violations { get; }

    /// <inheritdoc/>
    public override string ToString() => Allowed ? "allowed" : "refused: " + string.Join("; ", Violations.Select(v => v.Message));
}

/// <summary>A container that would run as root.</summary>
public sealed class ImageUserViolation
{
    internal ImageUserViolation(string containerName, string path, string? image, ImageUser? imageUser, string message)
    {
        ContainerName = containerName;
        Path = path;
        Image = image;
        ImageUser = imageUser;
        Message = message;
    }

    /// <summary>The container's <c>name</c>.</summary>
    public string ContainerName { get; }

    /// <summary>The field that decided: the effective <c>runAsUser</c> (<c>spec.containers[0].securityContext.runAsUser</c>
    /// or <c>spec.securityContext.runAsUser</c>) when it is 0, otherwise the container's <c>image</c> field.</summary>
    public string Path { get; }

    /// <summary>The container's image as written, or <see langword="null"/> when it has none.</summary>
    public string? Image { get; }

    /// <summary>The image's user when it decided and was known; otherwise <see langword="null"/>.</summary>
    public ImageUser? ImageUser { get; }

    /// <summary>Why the container is refused, naming the container and the fields.</summary>
    public string Message { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Path}: {Message}";
}
