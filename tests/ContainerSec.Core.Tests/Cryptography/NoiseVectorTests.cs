using System.Text.Json;
using ContainerSec.Conformance;
using ContainerSec.Cryptography;

namespace ContainerSec.Tests.Cryptography;

/// <summary>
/// The Noise test vectors of <c>../shared/realdata/noise</c> (cacophony and snow, filtered to the
/// AESGCM/SHA256/25519 suites): both sides run with the vectors' fixed ephemeral and static keys;
/// every handshake and transport message must match byte for byte, and so must the handshake hash
/// where the file gives one. No entry is skipped: N and XXpsk3 are implemented.
/// </summary>
public sealed class NoiseVectorTests
{
    private static readonly string[] Files = ["cacophony-filtered.json", "snow-filtered.json"];

    public static TheoryData<string, int, string> Vectors()
    {
        var data = new TheoryData<string, int, string>();
        foreach (string file in Files)
        {
            using JsonDocument document = Load(file);
            int index = 0;
            foreach (JsonElement vector in document.RootElement.GetProperty("vectors").EnumerateArray())
            {
                data.Add(file, index++, vector.GetProperty("protocol_name").GetString()!);
            }
        }

        return data;
    }

    [Fact]
    public void Vectors_SharedFiles_NineEntriesOverFivePatternsAllOffered()
    {
        var names = new List<string>();
        foreach (var row in Vectors())
        {
            names.Add((string)row[2]);
            Assert.True(NoiseProtocol.TryParse((string)row[2], out _), $"{row[2]} is not offered, so it would be skipped.");
        }

        Assert.Equal(9, names.Count);
        Assert.Equal(5, names.Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Handshake_NoiseVector_MessagesHashAndTransportMatchByteForByte(string file, int index, string protocolName)
    {
        using JsonDocument document = Load(file);
        JsonElement vector = document.RootElement.GetProperty("vectors")[index];
        NoiseProtocol protocol = NoiseProtocol.Parse(protocolName);
        Assert.Equal(protocolName, protocol.Name);

        using KeyAgreementPrivateKey? initiatorStatic = Key(protocol, vector, "init_static");
        using KeyAgreementPrivateKey? initiatorEphemeral = Key(protocol, vector, "init_ephemeral");
        using KeyAgreementPrivateKey? responderStatic = Key(protocol, vector, "resp_static");
        using KeyAgreementPrivateKey? responderEphemeral = Key(protocol, vector, "resp_ephemeral");
        byte[] remoteStaticBytes = Hex(vector, "init_remote_static");
        KeyAgreementPublicKey? remoteStatic = remoteStaticBytes.Length == 0 ? null : KeyAgreementPublicKey.Import(protocol.KeyAgreement, remoteStaticBytes);
        byte[] initiatorPsk = Psk(vector, "init_psks");
        byte[] responderPsk = Psk(vector, "resp_psks");

        using NoiseHandshake initiator = NoiseHandshake.Create(protocol, initiator: true, initiatorStatic, remoteStatic,
            Hex(vector, "init_prologue"), initiatorPsk, initiatorEphemeral);
        using NoiseHandshake responder = NoiseHandshake.Create(protocol, initiator: false, responderStatic, default,
            Hex(vector, "resp_prologue"), responderPsk, responderEphemeral);

        JsonElement[] messages = [.. vector.GetProperty("messages").EnumerateArray()];
        int handshakeMessages = protocol.Pattern.MessageCount;
        Assert.True(messages.Length > handshakeMessages, "The vector has no transport messages.");

        for (int i = 0; i < handshakeMessages; i++)
        {
            (NoiseHandshake sender, NoiseHandshake receiver) = i % 2 == 0 ? (initiator, responder) : (responder, initiator);
            byte[] payload = Hex(messages[i], "payload");
            byte[] expected = Hex(messages[i], "ciphertext");

            Assert.Equal(expected.Length, sender.GetMessageSize(payload.Length));
            Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(sender.WriteMessage(payload)));
            Assert.Equal(payload, receiver.ReadMessage(expected));
        }

        Assert.True(initiator.IsComplete);
        Assert.True(responder.IsComplete);
        Assert.Equal(initiator.GetHandshakeHash(), responder.GetHandshakeHash());
        if (vector.TryGetProperty("handshake_hash", out JsonElement hash))
        {
            Assert.Equal(hash.GetString(), Convert.ToHexString(initiator.GetHandshakeHash()), ignoreCase: true);
        }

        if (responderStatic is not null && protocol.Pattern.InitiatorKnowsResponderStaticKey is false)
        {
            Assert.Equal(responderStatic.PublicKey.Export(), initiator.RemoteStaticPublicKey?.Export());
        }

        if (initiatorStatic is not null)
        {
            Assert.Equal(initiatorStatic.PublicKey.Export(), responder.RemoteStaticPublicKey?.Export());
        }

        using NoiseTransport initiatorTransport = initiator.Split();
        using NoiseTransport responderTransport = responder.Split();
        for (int i = handshakeMessages; i < messages.Length; i++)
        {
            // One-way patterns: every transport message goes from the initiator; otherwise the turns continue.
            bool fromInitiator = protocol.Pattern.IsOneWay || i % 2 == 0;
            (NoiseTransport sender, NoiseTransport receiver) = fromInitiator ? (initiatorTransport, responderTransport) : (responderTransport, initiatorTransport);
            byte[] payload = Hex(messages[i], "payload");
            byte[] expected = Hex(messages[i], "ciphertext");

            Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(sender.Encrypt(payload)));
            Assert.Equal(payload, receiver.Decrypt(expected));
        }
    }

    private static JsonDocument Load(string file) =>
        JsonDocument.Parse(File.ReadAllBytes(SharedData.PathOf("realdata", "noise", file)));

    private static byte[] Hex(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) ? Convert.FromHexString(value.GetString()!) : [];

    private static byte[] Psk(JsonElement vector, string name)
    {
        if (!vector.TryGetProperty(name, out JsonElement psks) || psks.GetArrayLength() == 0)
        {
            return [];
        }

        Assert.Equal(1, psks.GetArrayLength());
        return Convert.FromHexString(psks[0].GetString()!);
    }

    private static KeyAgreementPrivateKey? Key(NoiseProtocol protocol, JsonElement vector, string name)
    {
        byte[] bytes = Hex(vector, name);
        if (bytes.Length == 0)
        {
            return null;
        }

        // The vectors list every key they have; pass only those the role actually uses.
        bool initiator = name.StartsWith("init", StringComparison.Ordinal);
        bool isStatic = name.EndsWith("static", StringComparison.Ordinal);
        if (isStatic && !(initiator ? protocol.Pattern.InitiatorHasStaticKey : protocol.Pattern.ResponderHasStaticKey))
        {
            return null;
        }

        return KeyAgreementPrivateKey.Import(protocol.KeyAgreement, bytes);
    }
}
