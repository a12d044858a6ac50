namespace ContainerSec.Audit;

/// <summary>How much of a request an audit event records (Kubernetes <c>audit.k8s.io/v1</c> levels).</summary>
public enum AuditLevel
{
    /// <summary>Not recorded.</summary>
    None,

    /// <summary>Request metadata (user, time, resource, verb) but no bodies.</summary>
    Metadata,

    /// <summary>Metadata and the request body.</summary>
    Request,

    /// <summary>Metadata, the request and the response bodies.</summary>
    RequestResponse,
}

/// <summary>The stage of request handling at which an event was generated (Kubernetes stages).</summary>
public enum AuditStage
{
    /// <summary>As soon as the request is received, before delegation.</summary>
    RequestReceived,

    /// <summary>After the response headers, before the body (long-running requests).</summary>
    ResponseStarted,

    /// <summary>When the response is complete.</summary>
    ResponseComplete,

    /// <summary>When a panic occurred.</summary>
    Panic,
}

/// <summary>The user an audit event is about (Kubernetes <c>authentication.k8s.io/v1</c> UserInfo).</summary>
/// <param name="Username">The user name.</param>
/// <param name="Uid">A unique id of the user, if known.</param>
/// <param name="Groups">The groups the user belongs to, in the order given.</param>
public sealed record AuditUser(string Username, string? Uid = null, IReadOnlyList<string>? Groups = null);

/// <summary>The object a request is about (Kubernetes <c>ObjectReference</c> in audit events).</summary>
/// <param name="Resource">The resource, e.g. <c>pods</c>.</param>
/// <param name="Namespace">The namespace, when namespaced.</param>
/// <param name="Name">The object name.</param>
/// <param name="ApiGroup">The API group (empty for the core group).</param>
/// <param name="ApiVersion">The API version.</param>
/// <param name="Subresource">The subresource, e.g. <c>status</c>.</param>
/// <param name="Uid">The object uid.</param>
public sealed record AuditObjectReference(
    string? Resource = null, string? Namespace = null, string? Name = null, string? ApiGroup = null,
    string? ApiVersion = null, string? Subresource = null, string? Uid = null);

/// <summary>
/// One audit event: the fields of a Kubernetes <c>audit.k8s.io/v1</c> Event (without request and
/// response bodies), the seed's event type, object id and triggering reason, and the tenant it
/// belongs to. <see cref="AuditEventSerializer.ToCanonicalJson"/> gives the deterministic bytes
/// that are hashed into the Merkle log.
/// </summary>
public sealed record AuditEvent
{
    /// <summary>A unique id of the request (Kubernetes <c>auditID</c>).</summary>
    public required string AuditId { get; init; }

    /// <summary>The tenant the event belongs to; a tenant reads only its own events.</summary>
    public required string Tenant { get; init; }

    /// <summary>The kind of event (the seed's event type), e.g. <c>authorization</c> or <c>admission</c>.</summary>
    public required string EventType { get; init; }

    /// <summary>The stage at which the event was generated.</summary>
    public AuditStage Stage { get; init; } = AuditStage.ResponseComplete;

    /// <summary>The level the event was recorded at.</summary>
    public AuditLevel Level { get; init; } = AuditLevel.Metadata;

    /// <summary>The request verb, e.g. <c>get</c>, <c>create</c>.</summary>
    public string? Verb { get; init; }

    /// <summary>The request URI.</summary>
    public string? RequestUri { get; init; }

    /// <summary>The authenticated user.</summary>
    public AuditUser? User { get; init; }

    /// <summary>The source IP addresses, nearest first.</summary>
    public IReadOnlyList<string>? SourceIps { get; init; }

    /// <summary>The object the request is about.</summary>
    public AuditObjectReference? ObjectRef { get; init; }

    /// <summary>An identifier of the object (the seed's object id), when not covered by <see cref="ObjectRef"/>.</summary>
    public string? ObjectId { get; init; }

    /// <summary>The response status code, if any.</summary>
    public int? ResponseCode { get; init; }

    /// <summary>Why the event happened (the seed's triggering reason, e.g. the decision's reason).</summary>
    public string? Reason { get; init; }

    /// <summary>When the request was received.</summary>
    public DateTimeOffset RequestReceivedTimestamp { get; init; }

    /// <summary>When the request reached this stage.</summary>
    public DateTimeOffset StageTimestamp { get; init; }

    /// <summary>Annotations (key/value) added by the components that handled the request.</summary>
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }
}
