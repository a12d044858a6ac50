using ContainerSec.Cryptography;
using FsCheck;
using FsCheck.Fluent;

namespace ContainerSec.Tests.Cryptography;

/// <summary>
/// FsCheck properties of whole Noise sessions: any prologue, payload sizes and message schedule
/// round-trip and keep both sides' counters in step; tampering with a random message of such a
/// session is always caught.
/// </summary>
public sealed class NoisePropertyTests
{
    private const int Cases = 25;

    private static readonly string[] Names =
    [
        "Noise_N_25519_AESGCM_SHA256", "Noise_NN_25519_AESGCM_SHA256", "Noise_NK_25519_AESGCM_SHA256",
        "Noise_XX_25519_AESGCM_SHA256", "Noise_IK_25519_AESGCM_SHA256", "Noise_XXpsk3_25519_AESGCM_SHA256",
        "Noise_XX_P256_AESGCM_SHA256", "Noise_IK_P256_AESGCM_SHA256",
    ];

    [Fact]
    public void Session_AnyProloguePayloadsAndSchedule_RoundTripsWithCountersInStep()
    {
        TestBytes.Check(Prop.ForAll(Gen.Elements(Names).Zip(TestBytes.Seed).ToArbitrary(), input =>
        {
            (string name, int seed) = input;
            var random = new Random(seed);
            byte[] prologue = TestBytes.Seeded(random, random.Next(0, 100));
            NoiseProtocol protocol = NoiseProtocol.Parse(name);
            using var peers = new NoiseTestPeers(protocol, prologue, prologue);

            for (int i = 0; i < protocol.Pattern.MessageCount; i++)
            {
                (NoiseHandshake sender, NoiseHandshake receiver) = peers.Turn(i);
                byte[] payload = TestBytes.Seeded(random, random.Next(0, 600));
                byte[] message = sender.WriteMessage(payload);
                Assert.Equal(payload, receiver.ReadMessage(message));
            }

            Assert.Equal(peers.Initiator.GetHandshakeHash(), peers.Responder.GetHandshakeHash());
            using NoiseTransport initiator = peers.Initiator.Split();
            using NoiseTransport responder = peers.Responder.Split();
            ulong sent = 0, received = 0;
            for (int i = random.Next(1, 20); i > 0; i--)
            {
                bool forward = protocol.Pattern.IsOneWay || random.Next(2) == 0;
                (NoiseTransport from, NoiseTransport to) = forward ? (initiator, responder) : (responder, initiator);
                byte[] plaintext = TestBytes.Seeded(random, random.Next(0, 2000));
                Assert.Equal(plaintext, to.Decrypt(from.Encrypt(plaintext)));
                if (forward)
                {
                    sent++;
                }
                else
                {
                    received++;
                }
            }

            Assert.Equal(sent, initiator.SendingCounter);
            Assert.Equal(sent, responder.ReceivingCounter);
            if (!protocol.Pattern.IsOneWay)
            {
                Assert.Equal(received, responder.SendingCounter);
                Assert.Equal(received, initiator.ReceivingCounter);
            }
        }), Cases);
    }

    [Fact]
    public void Session_RandomByteOfRandomHandshakeMessageChanged_HandshakeFails()
    {
        TestBytes.Check(Prop.ForAll(Gen.Elements(Names).Zip(TestBytes.Seed).ToArbitrary(), input =>
        {
            (string name, int seed) = input;
            var random = new Random(seed);
            NoiseProtocol protocol = NoiseProtocol.Parse(name);
            using var peers = new NoiseTestPeers(protocol);
            int target = random.Next(protocol.Pattern.MessageCount);
            byte change = (byte)random.Next(1, 256);

            bool failed = false;
            for (int i = 0; i < protocol.Pattern.MessageCount && !failed; i++)
            {
                (NoiseHandshake sender, NoiseHandshake receiver) = peers.Turn(i);
                try
                {
                    byte[] message = sender.WriteMessage(TestBytes.Seeded(random, random.Next(0, 50)));
                    if (i == target)
                    {
                        message[random.Next(message.Length)] ^= change;
                    }

                    receiver.ReadMessage(message);
                }
                catch (System.Security.Cryptography.CryptographicException)
                {
                    failed = true;
                }
            }

            Assert.True(failed, $"{name}: a change in message {target} went unnoticed.");
        }), Cases);
    }
}
