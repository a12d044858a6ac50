namespace ContainerSec.Cryptography;

/// <summary>
/// A Noise handshake pattern (Noise revision 34, §7): <see cref="N"/>, <see cref="NN"/>,
/// <see cref="NK"/>, <see cref="XX"/>, <see cref="IK"/>, and <see cref="XXpsk3"/> (§9). The set
/// is closed; other patterns are not offered.
/// </summary>
public sealed class NoisePattern
{
    private NoisePattern(string name, NoiseToken[] responderPreMessage, NoiseToken[][] messages)
    {
        Name = name;
        ResponderPreMessage = responderPreMessage;
        Messages = messages;
        foreach (NoiseToken[] message in messages)
        {
            if (Array.IndexOf(message, NoiseToken.Psk) >= 0)
            {
                HasPreSharedKey = true;
            }
        }
    }

    /// <summary><c>N</c>: one-way; the sender knows the recipient's static key (<c>&lt;- s … -&gt; e, es</c>). No sender authentication, no forward secrecy for the sender's message against recipient key compromise.</summary>
    public static NoisePattern N { get; } = new("N", [NoiseToken.S], [[NoiseToken.E, NoiseToken.Es]]);

    /// <summary><c>NN</c>: no static keys (<c>-&gt; e; &lt;- e, ee</c>). Confidential against passive attackers only; no authentication.</summary>
    public static NoisePattern NN { get; } = new("NN", [], [[NoiseToken.E], [NoiseToken.E, NoiseToken.Ee]]);

    /// <summary><c>NK</c>: the initiator knows the responder's static key (<c>&lt;- s … -&gt; e, es; &lt;- e, ee</c>). Authenticates the responder.</summary>
    public static NoisePattern NK { get; } = new("NK", [NoiseToken.S], [[NoiseToken.E, NoiseToken.Es], [NoiseToken.E, NoiseToken.Ee]]);

    /// <summary><c>XX</c>: both static keys are sent, encrypted (<c>-&gt; e; &lt;- e, ee, s, es; -&gt; s, se</c>). Mutual authentication; the caller checks the remote static key.</summary>
    public static NoisePattern XX { get; } = new("XX", [],
        [[NoiseToken.E], [NoiseToken.E, NoiseToken.Ee, NoiseToken.S, NoiseToken.Es], [NoiseToken.S, NoiseToken.Se]]);

    /// <summary><c>IK</c>: the initiator knows the responder's static key and sends its own at once (<c>&lt;- s … -&gt; e, es, s, ss; &lt;- e, ee, se</c>).</summary>
    public static NoisePattern IK { get; } = new("IK", [NoiseToken.S],
        [[NoiseToken.E, NoiseToken.Es, NoiseToken.S, NoiseToken.Ss], [NoiseToken.E, NoiseToken.Ee, NoiseToken.Se]]);

    /// <summary><c>XXpsk3</c>: <see cref="XX"/> with a 32-byte pre-shared key mixed in at the end of the third message (§9).</summary>
    public static NoisePattern XXpsk3 { get; } = new("XXpsk3", [],
        [[NoiseToken.E], [NoiseToken.E, NoiseToken.Ee, NoiseToken.S, NoiseToken.Es], [NoiseToken.S, NoiseToken.Se, NoiseToken.Psk]]);

    /// <summary>The pattern's name with its modifiers, such as <c>XX</c> or <c>XXpsk3</c>.</summary>
    public string Name { get; }

    /// <summary>The number of handshake messages.</summary>
    public int MessageCount => Messages.Length;

    /// <summary>Whether only the initiator sends (a one-way pattern such as <see cref="N"/>): the responder gets no sending transport key.</summary>
    public bool IsOneWay => Messages.Length == 1;

    /// <summary>Whether the initiator must be given its own static key.</summary>
    public bool InitiatorHasStaticKey => Sends(initiator: true, NoiseToken.S);

    /// <summary>Whether the responder must be given its own static key.</summary>
    public bool ResponderHasStaticKey => ResponderPreMessage.Length > 0 || Sends(initiator: false, NoiseToken.S);

    /// <summary>Whether the initiator must be given the responder's static public key in advance.</summary>
    public bool InitiatorKnowsResponderStaticKey => ResponderPreMessage.Length > 0;

    /// <summary>Whether a 32-byte pre-shared key is required.</summary>
    public bool HasPreSharedKey { get; }

    internal NoiseToken[] ResponderPreMessage { get; }

    internal NoiseToken[][] Messages { get; }

    /// <summary>The patterns offered, in the order above.</summary>
    internal static NoisePattern[] All { get; } = [N, NN, NK, XX, IK, XXpsk3];

    /// <inheritdoc/>
    public override string ToString() => Name;

    private bool Sends(bool initiator, NoiseToken token)
    {
        for (int i = initiator ? 0 : 1; i < Messages.Length; i += 2)
        {
            if (Array.IndexOf(Messages[i], token) >= 0)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>A token of a Noise message pattern (§7.1).</summary>
internal enum NoiseToken
{
    E,
    S,
    Ee,
    Es,
    Se,
    Ss,
    Psk,
}
