using ContainerSec.Policy;

namespace ContainerSec.Audit;

/// <summary>
/// Turns policy decisions into audit events: applies the <see cref="AuditPolicy"/> level, the
/// tenant mapping and the <see cref="AuditRedactor"/>, and writes the event to an <see cref="IAuditSink"/>.
/// The decorators (<see cref="AuditingRbacAuthorizer"/>, <see cref="AuditingAccessEvaluator"/>,
/// <see cref="AuditingAdmission"/>) call it for every decision, so callers write no glue.
/// </summary>
/// <remarks>
/// <para>An event records who (<see cref="AccessRequest.User"/> name and groups), what (verb, API
/// group, resource, subresource, namespace, name or path, as <see cref="AuditEvent.ObjectRef"/>,
/// <see cref="AuditEvent.RequestUri"/> and <see cref="AuditEvent.ObjectId"/>), the decision
/// (<see cref="AuditEvent.ResponseCode"/> 200 or 403 and the annotation <see cref="DecisionAnnotation"/>:
/// <c>allow</c> or <c>forbid</c>), the reason (<see cref="AuditEvent.Reason"/>, the decision's own
/// text), the event type, the tenant and the time from the <see cref="TimeProvider"/>
/// (request received = before the decision, stage = after). The stage is
/// <see cref="AuditStage.ResponseComplete"/>; the audit id a random UUID.</para>
/// <para>The audit policy is evaluated on the request: a level of <see cref="AuditLevel.None"/>, or
/// <see cref="AuditStage.ResponseComplete"/> among the omitted stages, records nothing. Levels
/// above <see cref="AuditLevel.Metadata"/> record the same fields: an <see cref="AuditEvent"/> has no
/// request or response body, so a Secret's data, a pod manifest or an image report never reaches the log.</para>
/// <para>When the redactor replaces user names (pseudonyms or <c>user.username</c>) or drops
/// <c>user.groups</c>, the user name and groups quoted in the reason and annotations
/// (<c>User "alice"</c>, <c>groups ["dev"]</c>, as RBAC and overlays word them) are replaced the
/// same way. A service account's user name <c>system:serviceaccount:ns:name</c> is also quoted by
/// RBAC as the subject <c>ServiceAccount "name/ns"</c>: that form is replaced by the same pseudonym
/// (or <see cref="AuditRedactor.RedactedValue"/>). Binding, role and rule names in a reason are
/// policy names and are kept: a binding named after a user reveals the user.</para>
/// <para>Size: an event's canonical JSON never exceeds <see cref="AuditEventSerializer.MaxEntryBytes"/>
/// (65,535 bytes, what a c2sp.org/tlog-tiles entry bundle holds). When it would, the free-text
/// fields — <c>reason</c>, <c>requestURI</c>, <c>objectID</c> and annotation values — are cut
/// (after redaction) to one common length, the largest that fits, each ending with
/// <c>...[truncated]</c>, and the SHA-256 (lower-case hex) of each full value is recorded in the
/// annotation <c>containersec.io/truncated-&lt;field&gt;-sha256</c> (<c>reason</c>,
/// <c>requestURI</c>, <c>objectID</c>, <c>annotations.&lt;key&gt;</c>). The cut is deterministic.</para>
/// <para>Fail closed: if the sink throws, the exception propagates and the decorator returns no
/// decision, so nothing is allowed without its event having been written.</para>
/// <para>Thread-safe when the sink is (the sinks in this library are).</para>
/// </remarks>
public sealed class Auditor
{
    /// <summary>The event type of authorization decisions.</summary>
    public const string AuthorizationEventType = "authorization";

    /// <summary>The event type of admission decisions.</summary>
    public const string AdmissionEventType = "admission";

    /// <summary>The annotation holding the decision, <c>allow</c> or <c>forbid</c> (Kubernetes' authorization annotation).</summary>
    public const string DecisionAnnotation = "authorization.k8s.io/decision";

    /// <summary>The tenant of cluster-scoped requests and non-resource requests (the empty string: readable only with a cluster-wide grant).</summary>
    public const string ClusterTenant = "";

    private readonly AuditRedactor _redactor;
    private readonly Func<string, string> _tenantOfNamespace;
    private readonly TimeProvider _time;

    /// <summary>Creates an auditor.</summary>
    /// <param name="sink">Where events are written.</param>
    /// <param name="policy">Which requests are recorded, and at which level.</param>
    /// <param name="redactor">The redaction applied to every event; when <see langword="null"/>, a redactor with no paths (which still drops the query string of requests on Secrets).</param>
    /// <param name="tenantOfNamespace">Maps a request's non-empty namespace to its tenant; the namespace itself when <see langword="null"/>. Requests without a namespace belong to <see cref="ClusterTenant"/>.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="sink"/> or <paramref name="policy"/> is <see langword="null"/>.</exception>
    public Auditor(IAuditSink sink, AuditPolicy policy, AuditRedactor? redactor = null, Func<string, string>? tenantOfNamespace = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(policy);
        Sink = sink;
        Policy = policy;
        _redactor = redactor ?? new AuditRedactor([]);
        _tenantOfNamespace = tenantOfNamespace ?? (ns => ns);
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The sink.</summary>
    public IAuditSink Sink { get; }

    /// <summary>The audit policy.</summary>
    public AuditPolicy Policy { get; }

    /// <summary>The current time, from the auditor's <see cref="TimeProvider"/>; the decorators take the request-received time from it.</summary>
    public DateTimeOffset GetUtcNow() => _time.GetUtcNow();

    /// <summary>The tenant of <paramref name="request"/>: its namespace mapped, or <see cref="ClusterTenant"/> when it has none.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The tenant mapping returned <see langword="null"/>.</exception>
    public string TenantOf(AccessRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Namespace.Length == 0
            ? ClusterTenant
            : _tenantOfNamespace(request.Namespace) ?? throw new InvalidOperationException($"The tenant mapping returned null for namespace \"{request.Namespace}\".");
    }

    /// <summary>Records one decision about <paramref name="request"/>, if the audit policy asks for it.</summary>
    /// <param name="eventType">The event type, e.g. <see cref="AuthorizationEventType"/>.</param>
    /// <param name="request">Who asked for what.</param>
    /// <param name="allowed">The decision.</param>
    /// <param name="reason">Why (the decision's reason).</param>
    /// <param name="requestReceived">When the decision started (from <see cref="GetUtcNow"/>).</param>
    /// <param name="objectId">The object id; when <see langword="null"/>, derived from the request (<c>resource[/subresource][.group]/namespace/name</c>, or the path).</param>
    /// <param name="annotations">More annotations (added to <see cref="DecisionAnnotation"/>).</param>
    /// <returns>The index of the event in the sink, or <see langword="null"/> when the policy records nothing for the request.</returns>
    /// <remarks>Free-text fields are truncated so that the event fits in <see cref="AuditEventSerializer.MaxEntryBytes"/> (see the class remarks).</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="eventType"/>, <paramref name="request"/> or <paramref name="reason"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The event does not fit in <see cref="AuditEventSerializer.MaxEntryBytes"/> even with its free-text fields truncated (the user name, groups, annotation keys or object reference alone are too long), or a string holds a lone surrogate; nothing is recorded.</exception>
    public ulong? Record(string eventType, AccessRequest request, bool allowed, string reason, DateTimeOffset requestReceived, string? objectId = null, IReadOnlyDictionary<string, string>? annotations = null)
    {
        ArgumentNullException.ThrowIfNull(eventType);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(reason);
        AuditPolicyDecision decision = Policy.Evaluate(new AuditRequestAttributes
        {
            Username = request.User.Name, Groups = request.User.Groups, Verb = request.Verb, IsResourceRequest = request.IsResourceRequest,
            ApiGroup = request.ApiGroup, Resource = request.Resource, Subresource = request.Subresource,
            Namespace = request.Namespace, Name = request.Name, Path = request.Path,
        });
        if (!decision.ShouldRecord(AuditStage.ResponseComplete))
        {
            return null;
        }

        var notes = new Dictionary<string, string>(StringComparer.Ordinal);
        if (annotations is not null)
        {
            foreach (var (key, value) in annotations)
            {
                notes[key] = value;
            }
        }

        notes[DecisionAnnotation] = allowed ? "allow" : "forbid";
        var auditEvent = new AuditEvent
        {
            AuditId = Guid.NewGuid().ToString("D"),
            Tenant = TenantOf(request),
            EventType = eventType,
            Stage = AuditStage.ResponseComplete,
            Level = decision.Level,
            Verb = request.Verb,
            RequestUri = request.Path.Length > 0 ? request.Path : null,
            User = new AuditUser(request.User.Name, null, request.User.Groups),
            ObjectRef = request.IsResourceRequest
                ? new AuditObjectReference(request.Resource, Empty(request.Namespace), Empty(request.Name), Empty(request.ApiGroup), Subresource: Empty(request.Subresource))
                : null,
            ObjectId = objectId ?? ObjectIdOf(request),
            ResponseCode = allowed ? 200 : 403,
            Reason = reason,
            RequestReceivedTimestamp = requestReceived,
            StageTimestamp = _time.GetUtcNow(),
            Annotations = notes,
        };
        return Sink.Append(AuditEventTruncation.Fit(ScrubUser(_redactor.Redact(auditEvent), request.User)));
    }

    /// <summary>
    /// When the redactor replaced the user name (pseudonym or redaction) or dropped the groups, the
    /// decision's reason and annotations still quote them (<c>User "alice"</c>, <c>groups ["dev"]</c>):
    /// replace the quoted names there as well, including a service account's <c>"name/namespace"</c>
    /// (RBAC's <c>ServiceAccount "name/namespace"</c> subject).
    /// </summary>
    private static AuditEvent ScrubUser(AuditEvent redacted, UserInfo user)
    {
        var replacements = new List<(string Quoted, string By)>();
        if (redacted.User?.Username is { } name && name != user.Name && user.Name.Length > 0)
        {
            replacements.Add(($"\"{user.Name}\"", $"\"{name}\""));
            if (ServiceAccountOf(user.Name) is { } account)
            {
                replacements.Add(($"\"{account.Name}/{account.Namespace}\"", $"\"{name}\""));
            }
        }

        if (redacted.User?.Groups is null)
        {
            foreach (string group in user.Groups)
            {
                replacements.Add(($"\"{group}\"", $"\"{AuditRedactor.RedactedValue}\""));
            }
        }

        if (replacements.Count == 0)
        {
            return redacted;
        }

        Dictionary<string, string>? notes = null;
        if (redacted.Annotations is { } annotations)
        {
            notes = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, value) in annotations)
            {
                notes[key] = Replace(value, replacements);
            }
        }

        return redacted with { Reason = redacted.Reason is null ? null : Replace(redacted.Reason, replacements), Annotations = notes };
    }

    /// <summary>The namespace and name of <c>system:serviceaccount:namespace:name</c>, or <see langword="null"/> for another user name.</summary>
    private static (string Namespace, string Name)? ServiceAccountOf(string userName)
    {
        if (!userName.StartsWith(Subject.ServiceAccountUserPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        string rest = userName[Subject.ServiceAccountUserPrefix.Length..];
        int colon = rest.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && colon < rest.Length - 1 ? (rest[..colon], rest[(colon + 1)..]) : null;
    }

    private static string Replace(string text, List<(string Quoted, string By)> replacements)
    {
        foreach (var (quoted, by) in replacements)
        {
            text = text.Replace(quoted, by, StringComparison.Ordinal);
        }

        return text;
    }

    private static string? Empty(string value) => value.Length == 0 ? null : value;

    private static string ObjectIdOf(AccessRequest request)
    {
        if (!request.IsResourceRequest)
        {
            return request.Path;
        }

        string resource = request.Subresource.Length > 0 ? $"{request.Resource}/{request.Subresource}" : request.Resource;
        string group = request.ApiGroup.Length > 0 ? $"{resource}.{request.ApiGroup}" : resource;
        return $"{group}/{request.Namespace}/{request.Name}";
    }
}

/// <summary>
/// An RBAC authorizer (<see cref="RbacAuthorizer"/> or <see cref="CompiledRbacAuthorizer"/>) that
/// records every decision as an <see cref="Auditor.AuthorizationEventType"/> event. Use it wherever
/// an <see cref="IRbacAuthorizer"/> is taken, e.g. inside an <see cref="AccessEvaluator"/> (then the
/// RBAC part is recorded; wrap the evaluator in <see cref="AuditingAccessEvaluator"/> to record the final decision instead).
/// </summary>
public sealed class AuditingRbacAuthorizer : IRbacAuthorizer
{
    private readonly IRbacAuthorizer _inner;
    private readonly Auditor _auditor;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public AuditingRbacAuthorizer(IRbacAuthorizer inner, Auditor auditor)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(auditor);
        _inner = inner;
        _auditor = auditor;
    }

    /// <inheritdoc/>
    /// <remarks>Records the decision, so it takes <see cref="Authorize"/>'s path (the reason is needed).</remarks>
    public bool IsAllowed(AccessRequest request) => Authorize(request).Allowed;

    /// <inheritdoc/>
    /// <exception cref="Exception">Whatever the sink throws; then no decision is returned (fail closed).</exception>
    public RbacDecision Authorize(AccessRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        DateTimeOffset received = _auditor.GetUtcNow();
        RbacDecision decision = _inner.Authorize(request);
        _auditor.Record(Auditor.AuthorizationEventType, request, decision.Allowed, decision.Reason, received);
        return decision;
    }
}

/// <summary>An <see cref="AccessEvaluator"/> (RBAC plus deny overlays) that records every final decision as an <see cref="Auditor.AuthorizationEventType"/> event.</summary>
public sealed class AuditingAccessEvaluator
{
    private readonly AccessEvaluator _inner;
    private readonly Auditor _auditor;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public AuditingAccessEvaluator(AccessEvaluator inner, Auditor auditor)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(auditor);
        _inner = inner;
        _auditor = auditor;
    }

    /// <summary>Decides <paramref name="request"/> as <see cref="AccessEvaluator.Evaluate"/> does and records the decision (with the forbid rule and overlay, if one matched).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is <see langword="null"/>.</exception>
    /// <exception cref="Exception">Whatever the sink throws; then no decision is returned (fail closed).</exception>
    public AccessDecision Evaluate(AccessRequest request, RequestAttributes? attributes = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        DateTimeOffset received = _auditor.GetUtcNow();
        AccessDecision decision = _inner.Evaluate(request, attributes);
        Dictionary<string, string>? notes = decision.ForbidRule is { } rule
            ? new(StringComparer.Ordinal) { ["containersec.io/deny-overlay"] = decision.Overlay!.Name, ["containersec.io/forbid-rule"] = rule.Name }
            : null;
        _auditor.Record(Auditor.AuthorizationEventType, request, decision.Allowed, decision.Reason, received, annotations: notes);
        return decision;
    }
}

/// <summary>
/// Admission checks that record every decision as an <see cref="Auditor.AdmissionEventType"/>
/// event: Pod Security, image policy, image signatures, the runs-as-root image rule, the image
/// vulnerability gate and resource limits. The request says who
/// submits what (e.g. <c>AccessRequest.ForResource(user, "create", "", "pods", ns, name)</c>); the
/// manifest, image report and pod contents are evaluated but never logged.
/// </summary>
/// <remarks>
/// A check that refuses by throwing (a malformed manifest, a field the policy does not support, an
/// invalid image reference, a disposed key) is recorded too, as a refusal: response code 403,
/// decision <c>forbid</c>, the annotation <see cref="ErrorAnnotation"/> naming the exception type
/// and the reason <c>error: </c> followed by the exception's message (never the manifest); then
/// the exception is rethrown. Arguments that are <see langword="null"/> are caller mistakes and
/// are not recorded.
/// </remarks>
public sealed class AuditingAdmission
{
    /// <summary>The annotation naming the admission check (<c>pod-security</c>, <c>image-policy</c>, <c>image-signature</c>, <c>image-user</c>, <c>image-vulnerabilities</c>, <c>resources</c>).</summary>
    public const string CheckAnnotation = "containersec.io/admission-check";

    /// <summary>The annotation naming the exception type when a check threw instead of deciding (e.g. <c>ArgumentException</c>).</summary>
    public const string ErrorAnnotation = "containersec.io/admission-error";

    private readonly Auditor _auditor;

    /// <summary>Creates the admission checks over <paramref name="auditor"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="auditor"/> is <see langword="null"/>.</exception>
    public AuditingAdmission(Auditor auditor)
    {
        ArgumentNullException.ThrowIfNull(auditor);
        _auditor = auditor;
    }

    /// <summary>Evaluates Pod Security as <see cref="PodSecurityEvaluator.Evaluate(System.Text.Json.JsonElement, PodSecurityLevel, PodSecurityVersion)"/> and records the result; the reason is upstream's refusal text, or <c>allowed by PodSecurity "level:version"</c>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> or <paramref name="level"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The manifest is malformed (recorded as an error, then rethrown).</exception>
    public PodSecurityResult EvaluatePodSecurity(AccessRequest request, System.Text.Json.JsonElement manifest, PodSecurityLevel level, PodSecurityVersion version)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(level);
        var notes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [CheckAnnotation] = "pod-security",
            ["pod-security.kubernetes.io/enforce-policy"] = $"{level.Name}:{version}",
        };
        return Audit(request, null, notes, () => PodSecurityEvaluator.Evaluate(manifest, level, version), static r => r.Allowed, static r => r.ToString());
    }

    /// <summary>Evaluates <paramref name="image"/> with <paramref name="policy"/> and records the result; the object id is the image reference.</summary>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="Exception">Whatever the policy throws (recorded as an error, then rethrown).</exception>
    public ImagePolicyResult EvaluateImage(AccessRequest request, ImagePolicy policy, string image)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(image);
        return Audit(request, image, Check("image-policy"), () => policy.Evaluate(image), static r => r.Allowed, static r => r.ToString());
    }

    /// <summary>Evaluates <paramref name="report"/> with <paramref name="gate"/> and records the result: the blocking findings (ids and severities), or allowed; the object id is the report's artifact name.</summary>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="Exception">Whatever the gate throws (recorded as an error, then rethrown).</exception>
    public ImageVulnerabilityDecision EvaluateVulnerabilities(AccessRequest request, ImageVulnerabilityGate gate, TrivyReport report)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(report);
        return Audit(request, report.ArtifactName, Check("image-vulnerabilities"), () => gate.Evaluate(report), static r => r.Allowed, decision => decision.Allowed
                ? $"no finding at or above {gate.Threshold} ({decision.Waived.Count} waived)"
                : $"blocked by {decision.Blocking.Count} finding(s) at or above {gate.Threshold}: {string.Join(", ", decision.Blocking.Select(f => $"{f.Id} {f.Severity}"))}");
    }

    /// <summary>Verifies the signatures of <paramref name="image"/> with <paramref name="policy"/> and records the result (which key or certificate verified, or why each signature failed); the object id is the image reference.</summary>
    /// <exception cref="ArgumentNullException">An argument or a signature is <see langword="null"/>.</exception>
    /// <exception cref="ObjectDisposedException">A key of a rule was disposed (recorded as an error, then rethrown).</exception>
    public ImageSignatureDecision EvaluateImageSignatures(AccessRequest request, ImageSignaturePolicy policy, string image, IEnumerable<ImageSignature> signatures)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(signatures);
        return Audit(request, image, Check("image-signature"), () => policy.Evaluate(image, signatures), static r => r.Allowed, static r => r.ToString());
    }

    /// <summary>Evaluates the runs-as-root rule (<see cref="ImageUserRule.Evaluate"/>) and records the result: the containers that would run as root, or allowed.</summary>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The manifest is malformed (recorded as an error, then rethrown).</exception>
    public ImageUserDecision EvaluateImageUser(AccessRequest request, System.Text.Json.JsonElement manifest, Func<string, ImageUser?> imageUsers)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(imageUsers);
        return Audit(request, null, Check("image-user"), () => ImageUserRule.Evaluate(manifest, imageUsers), static r => r.Allowed, static r => r.ToString());
    }

    /// <summary>Evaluates resource limits and quotas with <paramref name="policy"/> and records the result: each violation with its container, resource, value and bound, or allowed.</summary>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The manifest is malformed or uses what the policy refuses as unsupported (recorded as an error, then rethrown).</exception>
    public ResourceAdmissionResult EvaluateResources(AccessRequest request, ResourceAdmissionPolicy policy, System.Text.Json.JsonElement manifest)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(policy);
        return Audit(request, null, Check("resources"), () => policy.Evaluate(manifest), static r => r.Allowed, static r => r.ToString());
    }

    private static Dictionary<string, string> Check(string name) => new(StringComparer.Ordinal) { [CheckAnnotation] = name };

    /// <summary>
    /// Runs one check and records its decision. A check that throws is recorded as a refusal (the
    /// exception's type as <see cref="ErrorAnnotation"/>, its message as the reason) and the exception is rethrown.
    /// </summary>
    private T Audit<T>(AccessRequest request, string? objectId, Dictionary<string, string> annotations, Func<T> evaluate, Func<T, bool> allowed, Func<T, string> reason)
    {
        DateTimeOffset received = _auditor.GetUtcNow();
        T result;
        try
        {
            result = evaluate();
        }
        catch (Exception ex)
        {
            annotations[ErrorAnnotation] = ex.GetType().Name;
            _auditor.Record(Auditor.AdmissionEventType, request, false, "error: " + ex.Message, received, objectId, annotations);
            throw;
        }

        _auditor.Record(Auditor.AdmissionEventType, request, allowed(result), reason(result), received, objectId, annotations);
        return result;
    }
}
