using System.Security.Cryptography;
using ContainerSec.Cryptography;
using ContainerSec.Internal.Noise;

namespace ContainerSec.Tests.Cryptography;

/// <summary>
/// <see cref="NoiseTransport"/> and the cipher state under it: replayed and reordered messages
/// fail, counters and the Noise AESGCM nonce layout, rekey, the 2^64 − 1 limit, sizes.
/// </summary>
public sealed class NoiseTransportTests
{
    public static TheoryData<string> InteractiveProtocols() => NoiseTestPeers.InteractiveProtocols();

    [Theory]
    [MemberData(nameof(InteractiveProtocols))]
    public void Decrypt_ReplayedMessage_FailsBecauseCounterMovedOn(string name)
    {
        using NoiseChannel channel = Connect(name);
        (NoiseTransport sender, NoiseTransport receiver) = channel;
        byte[] message = sender.Encrypt("transfer 100"u8);
        Assert.Equal("transfer 100"u8.ToArray(), receiver.Decrypt(message));

        Assert.Throws<AuthenticationTagMismatchException>(() => receiver.Decrypt(message));
        Assert.Equal(1UL, receiver.ReceivingCounter);

        // The failed replay did not move the counter: the next genuine message still decrypts.
        Assert.Equal("next"u8.ToArray(), receiver.Decrypt(sender.Encrypt("next"u8)));
    }

    [Theory]
    [MemberData(nameof(InteractiveProtocols))]
    public void Decrypt_ReorderedMessages_FailUntilReadInOrder(string name)
    {
        using NoiseChannel channel = Connect(name);
        (NoiseTransport sender, NoiseTransport receiver) = channel;
        byte[] first = sender.Encrypt("first"u8);
        byte[] second = sender.Encrypt("second"u8);
        byte[] destination = TestBytes.Filled(16, 0xAA);

        Assert.Throws<AuthenticationTagMismatchException>(() => receiver.Decrypt(second, destination));
        Assert.True(TestBytes.IsAllZero(destination.AsSpan(0, 6)));
        Assert.Equal(0UL, receiver.ReceivingCounter);
        Assert.Equal("first"u8.ToArray(), receiver.Decrypt(first));
        Assert.Equal("second"u8.ToArray(), receiver.Decrypt(second));
        Assert.Throws<AuthenticationTagMismatchException>(() => receiver.Decrypt(first));
    }

    [Theory]
    [MemberData(nameof(InteractiveProtocols))]
    public void Decrypt_DroppedMessage_NextOneFails(string name)
    {
        using NoiseChannel channel = Connect(name);
        (NoiseTransport sender, NoiseTransport receiver) = channel;
        _ = sender.Encrypt("lost"u8);
        Assert.Throws<AuthenticationTagMismatchException>(() => receiver.Decrypt(sender.Encrypt("after"u8)));
    }

    [Fact]
    public void Decrypt_MessageReflectedBackToSender_Fails()
    {
        using NoiseChannel channel = Connect("Noise_XX_25519_AESGCM_SHA256");
        (NoiseTransport initiator, NoiseTransport responder) = channel;
        // Each direction has its own key: a message cannot be bounced back to the side that sent it.
        Assert.Throws<AuthenticationTagMismatchException>(() => initiator.Decrypt(initiator.Encrypt("ping"u8)));
    }

    [Fact]
    public void Decrypt_AnyBitFlipped_Fails()
    {
        using NoiseChannel channel = Connect("Noise_NN_25519_AESGCM_SHA256");
        (NoiseTransport sender, NoiseTransport receiver) = channel;
        byte[] message = sender.Encrypt("payload"u8);
        for (int bit = 0; bit < message.Length * 8; bit++)
        {
            Assert.Throws<AuthenticationTagMismatchException>(() => receiver.Decrypt(TestBytes.FlipBit(message, bit)));
        }

        Assert.Equal("payload"u8.ToArray(), receiver.Decrypt(message));
    }

    [Theory]
    [MemberData(nameof(InteractiveProtocols))]
    public void Rekey_BothSidesAtSameMessage_MessagesStillFlowUnderNewKey(string name)
    {
        using NoiseChannel channel = Connect(name);
        (NoiseTransport sender, NoiseTransport receiver) = channel;
        byte[] before = sender.Encrypt(new byte[8]);
        receiver.Decrypt(before);
        sender.RekeySending();
        receiver.RekeyReceiving();

        byte[] after = sender.Encrypt(new byte[8]);
        Assert.Equal(new byte[8], receiver.Decrypt(after));
        Assert.Equal(2UL, sender.SendingCounter);
    }

    [Fact]
    public void Rekey_OnlySender_ReceiverFails()
    {
        using NoiseChannel channel = Connect("Noise_XX_25519_AESGCM_SHA256");
        (NoiseTransport sender, NoiseTransport receiver) = channel;
        sender.RekeySending();
        Assert.Throws<AuthenticationTagMismatchException>(() => receiver.Decrypt(sender.Encrypt("x"u8)));
    }

    [Fact]
    public void OneWayPattern_ResponderCannotSendAndInitiatorCannotReceive()
    {
        using NoiseChannel channel = Connect("Noise_N_25519_AESGCM_SHA256");
        (NoiseTransport initiator, NoiseTransport responder) = channel;
        Assert.Throws<InvalidOperationException>(() => responder.Encrypt("x"u8));
        Assert.Throws<InvalidOperationException>(() => initiator.Decrypt(new byte[16]));
        Assert.Throws<InvalidOperationException>(() => responder.RekeySending());
        Assert.Equal("x"u8.ToArray(), responder.Decrypt(initiator.Encrypt("x"u8)));
    }

    [Fact]
    public void Encrypt_SizeLimits_MaxAcceptedAndOneMoreRefused()
    {
        using NoiseChannel channel = Connect("Noise_NN_25519_AESGCM_SHA256");
        (NoiseTransport sender, NoiseTransport receiver) = channel;
        byte[] largest = sender.Encrypt(new byte[NoiseTransport.MaxPlaintextSize]);
        Assert.Equal(65535, largest.Length);
        Assert.Equal(NoiseTransport.MaxPlaintextSize, receiver.Decrypt(largest).Length);

        Assert.Equal("plaintext", Assert.Throws<ArgumentException>(() => sender.Encrypt(new byte[NoiseTransport.MaxPlaintextSize + 1])).ParamName);
        Assert.Equal("ciphertext", Assert.Throws<ArgumentException>(() => receiver.Decrypt(new byte[65536])).ParamName);
        Assert.Equal("ciphertext", Assert.Throws<ArgumentException>(() => receiver.Decrypt(new byte[15])).ParamName);
        Assert.Equal(1UL, sender.SendingCounter);
    }

    [Fact]
    public void TryEncrypt_DestinationTooSmall_FalseAndCounterUnchanged()
    {
        using NoiseChannel channel = Connect("Noise_NN_25519_AESGCM_SHA256");
        (NoiseTransport sender, NoiseTransport receiver) = channel;
        Assert.False(sender.TryEncrypt(new byte[10], new byte[25], out int written));
        Assert.Equal(0, written);
        Assert.Equal(0UL, sender.SendingCounter);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => sender.Encrypt(new byte[10], new byte[25])).ParamName);

        byte[] buffer = new byte[26];
        Assert.True(sender.TryEncrypt(new byte[10], buffer, out written));
        Assert.Equal(26, written);
        Assert.False(receiver.TryDecrypt(buffer, new byte[9], out _));
        Assert.Equal(0UL, receiver.ReceivingCounter);
        Assert.Equal(10, receiver.Decrypt(buffer, buffer));
    }

    [Fact]
    public void Dispose_ThenUse_ThrowsObjectDisposed()
    {
        (NoiseTransport sender, NoiseTransport receiver) = Connect("Noise_NN_25519_AESGCM_SHA256");
        sender.Dispose();
        receiver.Dispose();
        sender.Dispose();

        Assert.Throws<ObjectDisposedException>(() => sender.Encrypt("x"u8));
        Assert.Throws<ObjectDisposedException>(() => receiver.Decrypt(new byte[16]));
    }

    /// <summary>The Noise AESGCM nonce: 4 zero bytes then the 64-bit counter big-endian, checked against BouncyCastle's GCM.</summary>
    [Fact]
    public void CipherState_Encrypt_UsesZeroPrefixedBigEndianCounterNonce()
    {
        byte[] key = TestBytes.Random(32);
        byte[] ad = TestBytes.Random(32);
        using var state = new NoiseCipherState();
        state.InitializeKey(key);
        foreach (ulong counter in new[] { 0UL, 1UL, 0x0102030405060708UL, ulong.MaxValue - 1 })
        {
            state.SetNonce(counter);
            byte[] plaintext = TestBytes.Random(20);
            byte[] actual = new byte[36];
            state.EncryptWithAd(ad, plaintext, actual);

            byte[] nonce = new byte[12];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(nonce.AsSpan(4), counter);
            Assert.Equal(Reference.GcmEncrypt(AeadAlgorithm.Aes256Gcm, key, nonce, plaintext, ad), actual);
            Assert.Equal(counter + 1, state.Nonce);
        }
    }

    [Fact]
    public void CipherState_CounterReachesReservedMax_EncryptAndDecryptRefused()
    {
        using var state = new NoiseCipherState();
        state.InitializeKey(TestBytes.Random(32));
        state.SetNonce(ulong.MaxValue - 1);
        byte[] destination = new byte[16];

        state.EncryptWithAd([], [], destination);
        Assert.Equal(ulong.MaxValue, state.Nonce);
        Assert.Throws<InvalidOperationException>(() => state.EncryptWithAd([], [], destination));
        Assert.Throws<InvalidOperationException>(() => state.DecryptWithAd([], destination, []));
        Assert.Equal(ulong.MaxValue, state.Nonce);
    }

    [Fact]
    public void Transport_CounterExhausted_Throws()
    {
        using NoiseChannel channel = Connect("Noise_NN_25519_AESGCM_SHA256");
        (NoiseTransport sender, NoiseTransport receiver) = channel;
        sender.Sender.SetNonce(ulong.MaxValue);
        Assert.Throws<InvalidOperationException>(() => sender.Encrypt("x"u8));
    }

    /// <summary>Rekey per Noise §4.2: k' = the first 32 bytes of ENCRYPT(k, 2^64 − 1, empty, 32 zeros); the counter is kept.</summary>
    [Fact]
    public void CipherState_Rekey_MatchesSpecificationFormulaAndKeepsCounter()
    {
        byte[] key = TestBytes.Random(32);
        byte[] maxNonce = [0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
        byte[] expectedKey = Reference.GcmEncrypt(AeadAlgorithm.Aes256Gcm, key, maxNonce, new byte[32], [])[..32];
        using var state = new NoiseCipherState();
        state.InitializeKey(key);
        state.SetNonce(5);

        state.Rekey();

        Assert.Equal(5UL, state.Nonce);
        byte[] actual = new byte[16];
        state.EncryptWithAd([], [], actual);
        byte[] nonce = new byte[12];
        nonce[11] = 5;
        Assert.Equal(Reference.GcmEncrypt(AeadAlgorithm.Aes256Gcm, expectedKey, nonce, [], []), actual);
    }

    [Fact]
    public void CipherState_NoKey_PassesDataThroughAndRekeyRefused()
    {
        using var state = new NoiseCipherState();
        byte[] destination = new byte[4];

        Assert.Equal(4, state.EncryptWithAd([9], [1, 2, 3, 4], destination));
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, destination);
        Assert.Equal(0UL, state.Nonce);
        Assert.Throws<InvalidOperationException>(state.Rekey);
    }

    /// <summary>Completes a handshake of <paramref name="name"/> and returns both transports, disposed together.</summary>
    internal static NoiseChannel Connect(string name)
    {
        using var peers = new NoiseTestPeers(NoiseProtocol.Parse(name));
        peers.Run();
        return new NoiseChannel(peers.Initiator.Split(), peers.Responder.Split());
    }

    /// <summary>The initiator's and the responder's transport of one session.</summary>
    internal sealed record NoiseChannel(NoiseTransport Initiator, NoiseTransport Responder) : IDisposable
    {
        public void Dispose()
        {
            Initiator.Dispose();
            Responder.Dispose();
        }
    }
}
