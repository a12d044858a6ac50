using ContainerSec.Cryptography;

namespace ContainerSec.KeyManagement;

/// <summary>A named key's versions and settings; mutated only under <see cref="Lock"/>.</summary>
internal sealed class ManagedKey
{
    public ManagedKey(string name, KeyKind kind, AeadAlgorithm algorithm, RotationPolicy policy)
    {
        Name = name;
        Kind = kind;
        Algorithm = algorithm;
        Policy = policy;
    }

    public Lock Lock { get; } = new();

    public string Name { get; }

    public KeyKind Kind { get; }

    public AeadAlgorithm Algorithm { get; }

    public RotationPolicy Policy { get; }

    public List<KeyVersion> Versions { get; } = [];

    public List<KeyEvent> History { get; } = [];

    public volatile KeyVersion? Active;

    public volatile int MinimumDecryptionVersion = 1;
}
