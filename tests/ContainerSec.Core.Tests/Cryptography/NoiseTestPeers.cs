using ContainerSec.Cryptography;

namespace ContainerSec.Tests.Cryptography;

/// <summary>
/// Two sides of a Noise handshake with fresh static keys as the pattern needs, and helpers to
/// drive it; used by the symmetry, tamper and transport tests.
/// </summary>
internal sealed class NoiseTestPeers : IDisposable
{
    public NoiseTestPeers(NoiseProtocol protocol, byte[]? initiatorPrologue = null, byte[]? responderPrologue = null,
        byte[]? initiatorPsk = null, byte[]? responderPsk = null, KeyAgreementPrivateKey? responderStaticOverride = null)
    {
        Protocol = protocol;
        NoisePattern pattern = protocol.Pattern;
        InitiatorStatic = pattern.InitiatorHasStaticKey ? KeyAgreementPrivateKey.Generate(protocol.KeyAgreement) : null;
        ResponderStatic = pattern.ResponderHasStaticKey ? KeyAgreementPrivateKey.Generate(protocol.KeyAgreement) : null;
        byte[] psk = pattern.HasPreSharedKey ? TestBytes.Random(32) : [];
        KeyAgreementPublicKey? remoteStatic = pattern.InitiatorKnowsResponderStaticKey ? ResponderStatic!.PublicKey : null;
        Initiator = NoiseHandshake.CreateInitiator(protocol, InitiatorStatic, remoteStatic, initiatorPrologue ?? "prologue"u8.ToArray(), initiatorPsk ?? psk);
        Responder = NoiseHandshake.CreateResponder(protocol, responderStaticOverride ?? ResponderStatic, responderPrologue ?? "prologue"u8.ToArray(), responderPsk ?? psk);
    }

    public NoiseProtocol Protocol { get; }

    public KeyAgreementPrivateKey? InitiatorStatic { get; }

    public KeyAgreementPrivateKey? ResponderStatic { get; }

    public NoiseHandshake Initiator { get; }

    public NoiseHandshake Responder { get; }

    /// <summary>Every offered protocol: each pattern over each DH function.</summary>
    public static TheoryData<string> AllProtocols() => Protocols("N", "NN", "NK", "XX", "IK", "XXpsk3");

    /// <summary>The four patterns of the issue over both DH functions.</summary>
    public static TheoryData<string> InteractiveProtocols() => Protocols("NN", "NK", "XX", "IK");

    public static TheoryData<string> Protocols(params string[] patterns)
    {
        var data = new TheoryData<string>();
        foreach (string dh in new[] { "25519", "P256" })
        {
            foreach (string pattern in patterns)
            {
                data.Add($"Noise_{pattern}_{dh}_AESGCM_SHA256");
            }
        }

        return data;
    }

    public (NoiseHandshake Sender, NoiseHandshake Receiver) Turn(int message) =>
        message % 2 == 0 ? (Initiator, Responder) : (Responder, Initiator);

    /// <summary>Runs the whole handshake; <paramref name="inTransit"/> may change each message before it is read.</summary>
    public void Run(Func<int, byte[], byte[]>? inTransit = null)
    {
        for (int i = 0; i < Protocol.Pattern.MessageCount; i++)
        {
            (NoiseHandshake sender, NoiseHandshake receiver) = Turn(i);
            byte[] payload = System.Text.Encoding.ASCII.GetBytes($"payload {i}");
            byte[] message = sender.WriteMessage(payload);
            byte[] delivered = inTransit?.Invoke(i, message) ?? message;
            Assert.Equal(payload, receiver.ReadMessage(delivered));
        }
    }

    /// <summary>
    /// Runs the handshake with <paramref name="inTransit"/> applied and returns the index of the
    /// message whose reading failed, or -1 if every message was read.
    /// </summary>
    public int RunUntilFailure(Func<int, byte[], byte[]> inTransit, out Exception? failure)
    {
        for (int i = 0; i < Protocol.Pattern.MessageCount; i++)
        {
            (NoiseHandshake sender, NoiseHandshake receiver) = Turn(i);
            byte[] message = sender.WriteMessage(System.Text.Encoding.ASCII.GetBytes($"payload {i}"));
            try
            {
                receiver.ReadMessage(inTransit(i, message));
            }
            catch (Exception e) when (e is System.Security.Cryptography.CryptographicException)
            {
                failure = e;
                return i;
            }
        }

        failure = null;
        return -1;
    }

    public void Dispose()
    {
        Initiator.Dispose();
        Responder.Dispose();
        InitiatorStatic?.Dispose();
        ResponderStatic?.Dispose();
    }
}
