namespace ContainerSec.Policy;

/// <summary>One failed Pod Security check on one field.</summary>
public sealed class PodSecurityViolation
{
    internal PodSecurityViolation(string checkId, string path, string value, string reason, string detail)
    {
        CheckId = checkId;
        Path = path;
        Value = value;
        Reason = reason;
        Detail = detail;
    }

    /// <summary>The upstream check id, e.g. <c>privileged</c>, <c>capabilities_restricted</c>.</summary>
    public string CheckId { get; }

    /// <summary>The offending field, e.g. <c>spec.containers[0].securityContext.privileged</c> (for a workload, under its pod template).</summary>
    public string Path { get; }

    /// <summary>The offending value as JSON text, or <c>&lt;unset&gt;</c> when the field is required but missing.</summary>
    public string Value { get; }

    /// <summary>Upstream's forbidden reason, e.g. <c>allowPrivilegeEscalation != false</c>.</summary>
    public string Reason { get; }

    /// <summary>Upstream's forbidden detail for this field, e.g. <c>container "app" must set securityContext.allowPrivilegeEscalation=false</c>.</summary>
    public string Detail { get; }

    /// <summary><c>reason (detail)</c>, as pod-security-admission words it.</summary>
    public string Message => $"{Reason} ({Detail})";

    /// <inheritdoc/>
    public override string ToString() => $"{CheckId}: {Path}={Value}: {Message}";
}

/// <summary>The decision of a Pod Security evaluation: allowed, or every violation.</summary>
public sealed class PodSecurityResult
{
    internal PodSecurityResult(PodSecurityLevel level, PodSecurityVersion version, IReadOnlyList<PodSecurityViolation> violations)
    {
        Level = level;
        Version = version;
        Violations = violations;
    }

    /// <summary>One shared allowed result per level and version up to the newest known and latest (the result is immutable).</summary>
    private static readonly PodSecurityResult?[] AllowedResults = new PodSecurityResult?[3 * (PodSecurityVersion.NewestKnown.Minor + 2)];

    /// <summary>The level evaluated.</summary>
    public PodSecurityLevel Level { get; }

    /// <summary>The policy version evaluated.</summary>
    public PodSecurityVersion Version { get; }

    /// <summary>True when no check of the level and version failed.</summary>
    public bool Allowed => Violations.Count == 0;

    /// <summary>Every violation, in check order then field order.</summary>
    public IReadOnlyList<PodSecurityViolation> Violations { get; }

    /// <summary>Upstream's refusal text: <c>violates PodSecurity "level:version": reason (detail), …</c>; empty when allowed.</summary>
    public string Message => Allowed ? "" : $"violates PodSecurity \"{Level.Name}:{Version}\": " + string.Join(", ", Violations.Select(v => v.Message));

    /// <summary>An allowed result with no violations; shared per level and known version, so an allowed evaluation allocates nothing.</summary>
    internal static PodSecurityResult AllowedResult(PodSecurityLevel level, PodSecurityVersion version)
    {
        int minors = PodSecurityVersion.NewestKnown.Minor + 2;
        int minor = version.IsLatest ? minors - 1 : version.Minor;
        if (minor >= minors - 1 && !version.IsLatest)
        {
            return new PodSecurityResult(level, version, []);
        }

        return AllowedResults[(level.Rank * minors) + minor] ??= new PodSecurityResult(level, version, []);
    }

    /// <inheritdoc/>
    public override string ToString() => Allowed ? $"allowed by PodSecurity \"{Level.Name}:{Version}\"" : Message;
}
