using System.Security.Cryptography;
using ContainerSec.Cryptography;

namespace ContainerSec.Tests.Cryptography;

/// <summary>
/// <see cref="NoiseHandshake"/> between two of our own sides, over X25519 and the P-256 extension:
/// it completes when nothing is changed, and fails when an attacker substitutes a key, flips a bit,
/// or the two sides disagree on the prologue, the pre-shared key or the responder's static key.
/// </summary>
public sealed class NoiseHandshakeTests
{
    public static TheoryData<string> AllProtocols() => NoiseTestPeers.AllProtocols();

    public static TheoryData<string> InteractiveProtocols() => NoiseTestPeers.InteractiveProtocols();

    [Theory]
    [MemberData(nameof(AllProtocols))]
    public void Handshake_BothSidesHonest_CompletesWithSameHashAndExpectedRemoteKeys(string name)
    {
        using var peers = new NoiseTestPeers(NoiseProtocol.Parse(name));

        peers.Run();

        Assert.True(peers.Initiator.IsComplete);
        Assert.True(peers.Responder.IsComplete);
        Assert.False(peers.Initiator.IsMyTurnToWrite);
        byte[] hash = peers.Initiator.GetHandshakeHash();
        Assert.Equal(32, hash.Length);
        Assert.Equal(hash, peers.Responder.GetHandshakeHash());
        Assert.Equal(peers.ResponderStatic?.PublicKey.Export(), peers.Initiator.RemoteStaticPublicKey?.Export());
        Assert.Equal(peers.InitiatorStatic?.PublicKey.Export(), peers.Responder.RemoteStaticPublicKey?.Export());
    }

    [Theory]
    [MemberData(nameof(AllProtocols))]
    public void Split_AfterHandshake_TransportCarriesMessagesInEachAllowedDirection(string name)
    {
        using var peers = new NoiseTestPeers(NoiseProtocol.Parse(name));
        peers.Run();
        using NoiseTransport initiator = peers.Initiator.Split();
        using NoiseTransport responder = peers.Responder.Split();

        for (int i = 0; i < 3; i++)
        {
            byte[] message = TestBytes.Random(i * 100);
            Assert.Equal(message, responder.Decrypt(initiator.Encrypt(message)));
            if (!peers.Protocol.Pattern.IsOneWay)
            {
                Assert.Equal(message, initiator.Decrypt(responder.Encrypt(message)));
            }
        }

        Assert.Equal(!peers.Protocol.Pattern.IsOneWay, responder.CanSend);
        Assert.Equal(!peers.Protocol.Pattern.IsOneWay, initiator.CanReceive);
    }

    [Theory]
    [MemberData(nameof(AllProtocols))]
    public void Handshake_TwoRuns_DifferentHashesAndTransportKeys(string name)
    {
        using var first = new NoiseTestPeers(NoiseProtocol.Parse(name));
        using var second = new NoiseTestPeers(NoiseProtocol.Parse(name));
        first.Run();
        second.Run();

        Assert.NotEqual(first.Initiator.GetHandshakeHash(), second.Initiator.GetHandshakeHash());
        using NoiseTransport a = first.Initiator.Split();
        using NoiseTransport b = second.Initiator.Split();
        Assert.NotEqual(a.Encrypt(new byte[16]), b.Encrypt(new byte[16]));
    }

    /// <summary>
    /// Every bit of every handshake message flipped in transit (X25519: every bit; P-256: a spread
    /// of bits) makes the handshake fail: at that very message when its payload is encrypted, else
    /// at the next message (the first messages of NN and XX carry no key yet, but everything in
    /// them is in the transcript hash the next message is authenticated with). A P-256 point that
    /// a flip pushed off the curve is refused at once, when it is read.
    /// </summary>
    [Theory]
    [MemberData(nameof(AllProtocols))]
    public void ReadMessage_AnyBitFlippedInTransit_HandshakeFails(string name)
    {
        NoiseProtocol protocol = NoiseProtocol.Parse(name);
        int step = protocol.KeyAgreement == KeyAgreementAlgorithm.X25519 ? 1 : 23;
        int flips = 0;
        for (int target = 0; target < protocol.Pattern.MessageCount; target++)
        {
            int bits = MessageBits(protocol, target);
            for (int bit = 0; bit < bits; bit += step)
            {
                int failedAt = RunFailing(protocol, (i, message) => i == target ? TestBytes.FlipBit(message, bit) : message, out _);
                int expected = PayloadInClear(protocol, target) ? target + 1 : target;

                // A P-256 ephemeral with a flipped bit is (almost always) off the curve: refused at once.
                bool refusedEarly = failedAt == target && PayloadInClear(protocol, target)
                    && ReferenceEquals(protocol.KeyAgreement, KeyAgreementAlgorithm.EcdhP256) && bit < 65 * 8;
                Assert.True(failedAt == expected || refusedEarly, $"{name}: bit {bit} of message {target} failed at message {failedAt}, expected {expected}.");
                flips++;
            }
        }

        Assert.True(flips > 20);
    }

    [Theory]
    [MemberData(nameof(AllProtocols))]
    public void ReadMessage_MessageTruncatedOrExtended_HandshakeFails(string name)
    {
        NoiseProtocol protocol = NoiseProtocol.Parse(name);
        for (int target = 0; target < protocol.Pattern.MessageCount; target++)
        {
            int expected = PayloadInClear(protocol, target) ? target + 1 : target;
            Assert.Equal(expected, RunFailing(protocol, (i, m) => i == target ? m[..^1] : m, out _));
            Assert.Equal(expected, RunFailing(protocol, (i, m) => i == target ? [.. m, 0] : m, out _));
        }
    }

    /// <summary>
    /// Man in the middle, ephemeral key: the attacker replaces an ephemeral public key in transit
    /// with one of its own (a valid key, so that it can compute DHs with it). The other side's
    /// view of the transcript then differs and the handshake fails no later than the next message.
    /// </summary>
    [Theory]
    [MemberData(nameof(AllProtocols))]
    public void ReadMessage_EphemeralKeySubstitutedByAttacker_HandshakeFails(string name)
    {
        NoiseProtocol protocol = NoiseProtocol.Parse(name);
        using KeyAgreementPrivateKey attacker = KeyAgreementPrivateKey.Generate(protocol.KeyAgreement);
        int size = protocol.KeyAgreement.PublicKeySizeInBytes;
        int messagesWithEphemeral = Math.Min(2, protocol.Pattern.MessageCount);
        for (int target = 0; target < messagesWithEphemeral; target++)
        {
            int failedAt = RunFailing(protocol, (i, m) =>
            {
                if (i != target)
                {
                    return m;
                }

                byte[] substituted = (byte[])m.Clone();
                attacker.PublicKey.Export().CopyTo(substituted.AsSpan(0, size));
                return substituted;
            }, out Exception? failure);

            Assert.Equal(PayloadInClear(protocol, target) ? target + 1 : target, failedAt);
            Assert.IsType<AuthenticationTagMismatchException>(failure);
        }
    }

    /// <summary>
    /// Man in the middle, static key: the attacker replaces the (encrypted) static key in XX's
    /// second message or IK's first with its own public key. Without the session key it cannot
    /// produce a matching tag, so the reader fails on that very message.
    /// </summary>
    [Theory]
    [MemberData(nameof(StaticKeyMessages))]
    public void ReadMessage_StaticKeySubstitutedByAttacker_HandshakeFails(string name, int target)
    {
        NoiseProtocol protocol = NoiseProtocol.Parse(name);
        using KeyAgreementPrivateKey attacker = KeyAgreementPrivateKey.Generate(protocol.KeyAgreement);
        int size = protocol.KeyAgreement.PublicKeySizeInBytes;

        int failedAt = RunFailing(protocol, (i, m) =>
        {
            if (i != target)
            {
                return m;
            }

            // XX message 2: e ‖ enc(s) ‖ …; IK message 1: e ‖ enc(s) ‖ …; the static key follows the ephemeral one.
            byte[] substituted = (byte[])m.Clone();
            attacker.PublicKey.Export().CopyTo(substituted.AsSpan(size, size));
            return substituted;
        }, out Exception? failure);

        Assert.Equal(target, failedAt);
        Assert.IsType<AuthenticationTagMismatchException>(failure);
    }

    public static TheoryData<string, int> StaticKeyMessages() => new()
    {
        { "Noise_XX_25519_AESGCM_SHA256", 1 },
        { "Noise_IK_25519_AESGCM_SHA256", 0 },
        { "Noise_XX_P256_AESGCM_SHA256", 1 },
        { "Noise_IK_P256_AESGCM_SHA256", 0 },
    };

    /// <summary>
    /// An active attacker that runs a complete XX handshake with each side using its own static key
    /// succeeds at the protocol level (XX authenticates keys, not identities), but each side then sees
    /// the attacker's static key, not its peer's: the check the caller must make catches it.
    /// </summary>
    [Theory]
    [InlineData("Noise_XX_25519_AESGCM_SHA256")]
    [InlineData("Noise_XX_P256_AESGCM_SHA256")]
    public void Handshake_AttackerRelaysWithOwnStaticKey_RemoteStaticKeyIsTheAttackers(string name)
    {
        NoiseProtocol protocol = NoiseProtocol.Parse(name);
        using KeyAgreementPrivateKey alice = KeyAgreementPrivateKey.Generate(protocol.KeyAgreement);
        using KeyAgreementPrivateKey bob = KeyAgreementPrivateKey.Generate(protocol.KeyAgreement);
        using KeyAgreementPrivateKey mallory = KeyAgreementPrivateKey.Generate(protocol.KeyAgreement);
        using NoiseHandshake aliceSide = NoiseHandshake.CreateInitiator(protocol, alice);
        using NoiseHandshake malloryToAlice = NoiseHandshake.CreateResponder(protocol, mallory);
        using NoiseHandshake malloryToBob = NoiseHandshake.CreateInitiator(protocol, mallory);
        using NoiseHandshake bobSide = NoiseHandshake.CreateResponder(protocol, bob);

        malloryToAlice.ReadMessage(aliceSide.WriteMessage([]));
        bobSide.ReadMessage(malloryToBob.WriteMessage([]));
        aliceSide.ReadMessage(malloryToAlice.WriteMessage([]));
        malloryToBob.ReadMessage(bobSide.WriteMessage([]));
        malloryToAlice.ReadMessage(aliceSide.WriteMessage([]));
        bobSide.ReadMessage(malloryToBob.WriteMessage([]));

        Assert.True(aliceSide.IsComplete && bobSide.IsComplete);
        Assert.Equal(mallory.PublicKey.Export(), aliceSide.RemoteStaticPublicKey?.Export());
        Assert.NotEqual(bob.PublicKey.Export(), aliceSide.RemoteStaticPublicKey?.Export());
        Assert.NotEqual(alice.PublicKey.Export(), bobSide.RemoteStaticPublicKey?.Export());
        Assert.NotEqual(aliceSide.GetHandshakeHash(), bobSide.GetHandshakeHash());
    }

    [Theory]
    [MemberData(nameof(AllProtocols))]
    public void ReadMessage_PrologueMismatch_HandshakeFails(string name)
    {
        NoiseProtocol protocol = NoiseProtocol.Parse(name);
        using var peers = new NoiseTestPeers(protocol, initiatorPrologue: "v1"u8.ToArray(), responderPrologue: "v2"u8.ToArray());

        int failedAt = peers.RunUntilFailure((_, m) => m, out Exception? failure);

        Assert.Equal(PayloadInClear(protocol, 0) ? 1 : 0, failedAt);
        Assert.IsType<AuthenticationTagMismatchException>(failure);
    }

    [Theory]
    [InlineData("Noise_XXpsk3_25519_AESGCM_SHA256")]
    [InlineData("Noise_XXpsk3_P256_AESGCM_SHA256")]
    public void ReadMessage_PreSharedKeyMismatch_HandshakeFails(string name)
    {
        using var peers = new NoiseTestPeers(NoiseProtocol.Parse(name), initiatorPsk: TestBytes.Random(32), responderPsk: TestBytes.Random(32));

        int failedAt = peers.RunUntilFailure((_, m) => m, out Exception? failure);

        // With a psk the first message is already keyed (by the ephemeral), but the psk only enters at message 3.
        Assert.Equal(2, failedAt);
        Assert.IsType<AuthenticationTagMismatchException>(failure);
    }

    /// <summary>NK, IK (and N): the initiator holds a wrong key for the responder; the responder cannot read the first message.</summary>
    [Theory]
    [MemberData(nameof(KnownResponderProtocols))]
    public void ReadMessage_WrongResponderStaticKey_ResponderFailsOnFirstMessage(string name)
    {
        NoiseProtocol protocol = NoiseProtocol.Parse(name);
        using KeyAgreementPrivateKey impostor = KeyAgreementPrivateKey.Generate(protocol.KeyAgreement);
        using var peers = new NoiseTestPeers(protocol, responderStaticOverride: impostor);

        int failedAt = peers.RunUntilFailure((_, m) => m, out Exception? failure);

        Assert.Equal(0, failedAt);
        Assert.IsType<AuthenticationTagMismatchException>(failure);
        Assert.Throws<InvalidOperationException>(() => peers.Responder.WriteMessage([]));
    }

    public static TheoryData<string> KnownResponderProtocols() => NoiseTestPeers.Protocols("N", "NK", "IK");

    [Fact]
    public void ReadMessage_LowOrderX25519Ephemeral_RefusedAndHandshakeUnusable()
    {
        NoiseProtocol protocol = NoiseProtocol.Parse("Noise_NK_25519_AESGCM_SHA256");
        using var peers = new NoiseTestPeers(protocol);
        byte[] message = peers.Initiator.WriteMessage([]);

        // u = 0 and u = 1 are points of small order: X25519 with them is all zero for every scalar.
        byte[] lowOrder = (byte[])message.Clone();
        lowOrder.AsSpan(0, 32).Clear();
        lowOrder[0] = 1;

        CryptographicException e = Assert.Throws<CryptographicException>(() => peers.Responder.ReadMessage(lowOrder));
        Assert.Contains("small order", e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => peers.Responder.ReadMessage(message));
    }

    [Fact]
    public void ReadMessage_P256EphemeralOffTheCurve_RefusedAndHandshakeUnusable()
    {
        NoiseProtocol protocol = NoiseProtocol.Parse("Noise_NK_P256_AESGCM_SHA256");
        using var peers = new NoiseTestPeers(protocol);
        byte[] message = peers.Initiator.WriteMessage([]);
        byte[] offCurve = (byte[])message.Clone();
        offCurve[64] ^= 1;

        CryptographicException e = Assert.Throws<CryptographicException>(() => peers.Responder.ReadMessage(offCurve));
        Assert.IsNotType<AuthenticationTagMismatchException>(e);
        Assert.Throws<InvalidOperationException>(() => peers.Responder.ReadMessage(message));
    }

    [Fact]
    public void ReadMessage_P256EphemeralCompressedPrefix_Refused()
    {
        using var peers = new NoiseTestPeers(NoiseProtocol.Parse("Noise_NK_P256_AESGCM_SHA256"));
        byte[] message = peers.Initiator.WriteMessage([]);
        message[0] = 0x02;

        Assert.Throws<CryptographicException>(() => peers.Responder.ReadMessage(message));
    }

    /// <summary>Runs a fresh handshake with the change applied; returns the message at which it failed (in a write or a read).</summary>
    private static int RunFailing(NoiseProtocol protocol, Func<int, byte[], byte[]> inTransit, out Exception? failure)
    {
        using var peers = new NoiseTestPeers(protocol);
        for (int i = 0; i < protocol.Pattern.MessageCount; i++)
        {
            (NoiseHandshake sender, NoiseHandshake receiver) = peers.Turn(i);
            NoiseHandshake current = sender;
            try
            {
                byte[] message = sender.WriteMessage("payload"u8);
                current = receiver;
                receiver.ReadMessage(inTransit(i, message));
            }
            catch (CryptographicException e)
            {
                failure = e;
                // The side that failed is unusable: neither a write nor a read is accepted any more
                // (a working side accepts exactly one of them).
                Assert.Throws<InvalidOperationException>(() => current.GetMessageSize(0));
                Assert.Throws<InvalidOperationException>(() => current.ReadMessage(new byte[200]));
                Assert.Contains("failed", current.ToString(), StringComparison.Ordinal);
                return i;
            }
        }

        failure = null;
        return -1;
    }

    /// <summary>Whether the payload of message <paramref name="index"/> is sent before any key exists (NN and XX message 1).</summary>
    private static bool PayloadInClear(NoiseProtocol protocol, int index) => index == 0 && protocol.Pattern.Name is "NN" or "XX";

    private static int MessageBits(NoiseProtocol protocol, int index)
    {
        using var peers = new NoiseTestPeers(protocol);
        for (int i = 0; i < index; i++)
        {
            (NoiseHandshake sender, NoiseHandshake receiver) = peers.Turn(i);
            receiver.ReadMessage(sender.WriteMessage("payload"u8));
        }

        return peers.Turn(index).Sender.GetMessageSize("payload"u8.Length) * 8;
    }
}
