using System.Diagnostics;

namespace ContainerSec.Policy;

/// <summary>
/// A Pod Security Standards profile (Kubernetes pod-security-admission). The set is closed:
/// <see cref="Privileged"/>, <see cref="Baseline"/> and <see cref="Restricted"/>.
/// </summary>
[DebuggerDisplay("{Name}")]
public sealed class PodSecurityLevel
{
    private PodSecurityLevel(string name, int rank)
    {
        Name = name;
        Rank = rank;
    }

    /// <summary>Unrestricted: every pod is allowed.</summary>
    public static PodSecurityLevel Privileged { get; } = new("privileged", 0);

    /// <summary>Prevents known privilege escalations (host namespaces, privileged containers, hostPath, …).</summary>
    public static PodSecurityLevel Baseline { get; } = new("baseline", 1);

    /// <summary>Baseline plus current pod hardening (non-root, no privilege escalation, seccomp, dropped capabilities, volume types).</summary>
    public static PodSecurityLevel Restricted { get; } = new("restricted", 2);

    /// <summary>The upstream name: <c>privileged</c>, <c>baseline</c> or <c>restricted</c>.</summary>
    public string Name { get; }

    internal int Rank { get; }

    /// <summary>Finds a level by its upstream (lower-case) name.</summary>
    /// <param name="name">The level name.</param>
    /// <returns>The level.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not <c>privileged</c>, <c>baseline</c> or <c>restricted</c>.</exception>
    public static PodSecurityLevel Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name switch
        {
            "privileged" => Privileged,
            "baseline" => Baseline,
            "restricted" => Restricted,
            _ => throw new ArgumentException($"Unknown Pod Security level '{name}': expected privileged, baseline or restricted.", nameof(name)),
        };
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
