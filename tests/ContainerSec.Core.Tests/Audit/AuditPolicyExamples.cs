using System.Text.Json;
using ContainerSec.Audit;

namespace ContainerSec.Tests.Audit;

/// <summary>
/// The real audit data shared by the Core and Kubernetes tests (this file is compiled into both):
/// ../shared/realdata/kubernetes-audit/audit-policy.yaml transcribed rule for rule (Core has no
/// YAML parser; the Kubernetes tests check the loaded file decides like it), and the request
/// attributes of the audit2rbac demo log's events.
/// </summary>
internal static class AuditPolicyExamples
{
    /// <summary>audit-policy.yaml, rule for rule.</summary>
    public static AuditPolicy ExamplePolicy() => new(
    [
        new() { Level = AuditLevel.RequestResponse, Resources = [new("", ["pods"])] },
        new() { Level = AuditLevel.Metadata, Resources = [new("", ["pods/log", "pods/status"])] },
        new() { Level = AuditLevel.None, Resources = [new("", ["configmaps"], ["controller-leader"])] },
        new() { Level = AuditLevel.None, Users = ["system:kube-proxy"], Verbs = ["watch"], Resources = [new("", ["endpoints", "services"])] },
        new() { Level = AuditLevel.None, UserGroups = ["system:authenticated"], NonResourceUrls = ["/api*", "/version"] },
        new() { Level = AuditLevel.Request, Resources = [new("", ["configmaps"])], Namespaces = ["kube-system"] },
        new() { Level = AuditLevel.Metadata, Resources = [new("", ["secrets", "configmaps"])] },
        new() { Level = AuditLevel.Request, Resources = [new(""), new("extensions")] },
        new() { Level = AuditLevel.Metadata, OmitStages = [AuditStage.RequestReceived] },
    ], [AuditStage.RequestReceived]);

    /// <summary>The attributes an audit policy matches on, read from one Kubernetes audit event (JSON).</summary>
    public static AuditRequestAttributes Attributes(JsonElement e)
    {
        JsonElement user = e.GetProperty("user");
        bool resource = e.TryGetProperty("objectRef", out JsonElement objectRef);
        return new AuditRequestAttributes
        {
            Username = user.GetProperty("username").GetString()!,
            Groups = user.TryGetProperty("groups", out JsonElement g) ? [.. g.EnumerateArray().Select(x => x.GetString()!)] : null,
            Verb = e.GetProperty("verb").GetString()!,
            IsResourceRequest = resource,
            ApiGroup = resource && objectRef.TryGetProperty("apiGroup", out JsonElement a) ? a.GetString()! : "",
            Resource = resource && objectRef.TryGetProperty("resource", out JsonElement r) ? r.GetString()! : "",
            Subresource = resource && objectRef.TryGetProperty("subresource", out JsonElement s) ? s.GetString()! : "",
            Namespace = resource && objectRef.TryGetProperty("namespace", out JsonElement n) ? n.GetString()! : "",
            Name = resource && objectRef.TryGetProperty("name", out JsonElement m) ? m.GetString()! : "",
            Path = e.GetProperty("requestURI").GetString()!.Split('?')[0],
        };
    }
}
