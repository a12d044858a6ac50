using System.Text.Json;

namespace ContainerSec.Policy;

/// <summary>
/// Evaluates a Pod, or the pod template of a workload, against a Pod Security Standards level at a
/// policy version, with the semantics of Kubernetes' pod-security-admission (see docs/admission.md
/// for every check and the version where it starts or changes).
/// </summary>
/// <remarks>
/// The manifest is the JSON form of the object (<c>apiVersion</c>, <c>kind</c>, <c>metadata</c>,
/// <c>spec</c>). Kinds: Pod, PodTemplate, ReplicationController, Deployment, ReplicaSet, StatefulSet,
/// DaemonSet, Job and CronJob. Fields the checks do not read are ignored; a field the checks read
/// that has the wrong JSON type is a malformed manifest.
/// </remarks>
public static class PodSecurityEvaluator
{
    /// <summary>Evaluates <paramref name="manifest"/> at <paramref name="level"/> and <paramref name="version"/>.</summary>
    /// <param name="manifest">A Pod or workload manifest as JSON.</param>
    /// <param name="level">The profile.</param>
    /// <param name="version">The policy version.</param>
    /// <returns>The decision with every violation.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="level"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The manifest is not an object, its kind is not a supported kind, or a field
    /// a check reads has the wrong type; the message names the field.</exception>
    public static PodSecurityResult Evaluate(JsonElement manifest, PodSecurityLevel level, PodSecurityVersion version)
    {
        ArgumentNullException.ThrowIfNull(level);
        var pod = default(PodSecurityView);
        try
        {
            pod.Load(manifest);
            List<PodSecurityViolation>? violations = null;
            if (level != PodSecurityLevel.Privileged)
            {
                PodSecurityChecks.Run(pod, level, version, ref violations);
            }

            return violations is null ? PodSecurityResult.AllowedResult(level, version) : new PodSecurityResult(level, version, violations);
        }
        finally
        {
            pod.Release();
        }
    }

    /// <summary>Parses <paramref name="json"/> and evaluates it; see <see cref="Evaluate(JsonElement, PodSecurityLevel, PodSecurityVersion)"/>.</summary>
    /// <param name="json">A Pod or workload manifest as JSON text.</param>
    /// <param name="level">The profile.</param>
    /// <param name="version">The policy version.</param>
    /// <returns>The decision with every violation.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="json"/> or <paramref name="level"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The text is not JSON (depth limit 64), or the manifest is malformed as above.</exception>
    public static PodSecurityResult Evaluate(string json, PodSecurityLevel level, PodSecurityVersion version)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"The manifest is not valid JSON: {ex.Message}", nameof(json), ex);
        }

        using (document)
        {
            return Evaluate(document.RootElement, level, version);
        }
    }
}
