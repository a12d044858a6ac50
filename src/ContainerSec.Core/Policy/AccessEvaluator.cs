using System.Collections.Immutable;

namespace ContainerSec.Policy;

/// <summary>RBAC plus deny overlays: the overlays' forbid rules are checked first and always win; otherwise RBAC decides.</summary>
public sealed class AccessDecision
{
    internal AccessDecision(bool allowed, string reason, RbacDecision rbac, DenyOverlay? overlay, ForbidRule? forbidRule)
    {
        Allowed = allowed;
        Reason = reason;
        Rbac = rbac;
        Overlay = overlay;
        ForbidRule = forbidRule;
    }

    /// <summary>Whether the request is allowed: RBAC allows it and no forbid rule matches.</summary>
    public bool Allowed { get; }

    /// <summary>Why, naming the forbid rule and overlay that matched, or the RBAC reason.</summary>
    public string Reason { get; }

    /// <summary>What RBAC alone said.</summary>
    public RbacDecision Rbac { get; }

    /// <summary>The overlay of the forbid rule that matched, or <see langword="null"/>.</summary>
    public DenyOverlay? Overlay { get; }

    /// <summary>The first forbid rule that matched (overlays and rules in order), or <see langword="null"/>.</summary>
    public ForbidRule? ForbidRule { get; }

    /// <inheritdoc/>
    public override string ToString() => Reason;
}

/// <summary>
/// Decides a request with RBAC and deny overlays: if any forbid rule matches the request is
/// denied whatever RBAC says; otherwise RBAC's answer stands (no RBAC allow is a denial). Time
/// windows are read from the <see cref="TimeProvider"/>.
/// </summary>
public sealed class AccessEvaluator
{
    private readonly IRbacAuthorizer _rbac;
    private readonly TimeProvider _time;

    /// <summary>Creates an evaluator.</summary>
    /// <param name="rbac">The RBAC evaluator (<see cref="RbacAuthorizer"/> or <see cref="CompiledRbacAuthorizer"/>).</param>
    /// <param name="overlays">The deny overlays, checked in order.</param>
    /// <param name="timeProvider">The clock for time windows; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="rbac"/> or <paramref name="overlays"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="overlays"/> holds a <see langword="null"/> entry.</exception>
    public AccessEvaluator(IRbacAuthorizer rbac, IEnumerable<DenyOverlay> overlays, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(rbac);
        ArgumentNullException.ThrowIfNull(overlays);
        _rbac = rbac;
        Overlays = RbacPolicy.CopyList(overlays, nameof(overlays));
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The overlays.</summary>
    public ImmutableArray<DenyOverlay> Overlays { get; }

    /// <summary>Decides <paramref name="request"/>.</summary>
    /// <param name="request">The request.</param>
    /// <param name="attributes">Object and namespace labels, when known; unknown labels make label conditions match (fail closed).</param>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is <see langword="null"/>.</exception>
    public AccessDecision Evaluate(AccessRequest request, RequestAttributes? attributes = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        attributes ??= RequestAttributes.None;
        RbacDecision rbac = _rbac.Authorize(request);
        DateTimeOffset now = _time.GetUtcNow();
        foreach (DenyOverlay overlay in Overlays)
        {
            foreach (ForbidRule rule in overlay.Rules)
            {
                if (rule.Matches(request, attributes, now, out string? note))
                {
                    string why = $"forbidden by rule \"{rule.Name}\" of deny overlay \"{overlay.Name}\"{(note is null ? "" : $" ({note})")}";
                    string rbacPart = rbac.Allowed ? $"; overrides {rbac.Reason}" : "";
                    return new AccessDecision(false, why + rbacPart, rbac, overlay, rule);
                }
            }
        }

        return new AccessDecision(rbac.Allowed, rbac.Reason, rbac, null, null);
    }
}
