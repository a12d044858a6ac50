using System.Security.Cryptography;
using ContainerSec.Cryptography;

namespace ContainerSec.Tests.Cryptography;

/// <summary>
/// The Noise API's guard rails: protocol names, out-of-order calls, missing or superfluous keys,
/// buffer sizes, the key pair object, and the message sizes the documentation states.
/// </summary>
public sealed class NoiseApiTests
{
    [Theory]
    [InlineData("Noise_N_25519_AESGCM_SHA256")]
    [InlineData("Noise_NN_25519_AESGCM_SHA256")]
    [InlineData("Noise_NK_P256_AESGCM_SHA256")]
    [InlineData("Noise_XX_P256_AESGCM_SHA256")]
    [InlineData("Noise_IK_25519_AESGCM_SHA256")]
    [InlineData("Noise_XXpsk3_25519_AESGCM_SHA256")]
    public void Parse_SupportedName_RoundTrips(string name)
    {
        NoiseProtocol protocol = NoiseProtocol.Parse(name);

        Assert.Equal(name, protocol.Name);
        Assert.Equal(name, protocol.ToString());
        Assert.Same(protocol.Pattern, NoiseProtocol.Create(protocol.Pattern, protocol.KeyAgreement).Pattern);
        Assert.Equal(name, NoiseProtocol.Create(protocol.Pattern, protocol.KeyAgreement).Name);
    }

    [Theory]
    [InlineData("Noise_XX_25519_ChaChaPoly_SHA256")]
    [InlineData("Noise_XX_25519_AESGCM_BLAKE2s")]
    [InlineData("Noise_XX_25519_AESGCM_SHA512")]
    [InlineData("Noise_XX_448_AESGCM_SHA256")]
    [InlineData("Noise_KK_25519_AESGCM_SHA256")]
    [InlineData("Noise_NNpsk0_25519_AESGCM_SHA256")]
    [InlineData("noise_XX_25519_AESGCM_SHA256")]
    [InlineData("Noise_XX_25519_AESGCM_SHA256_")]
    [InlineData("Noise_XX_25519_AESGCM")]
    [InlineData("")]
    public void Parse_UnsupportedOrMalformedName_ThrowsArgumentException(string name)
    {
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => NoiseProtocol.Parse(name)).ParamName);
        Assert.False(NoiseProtocol.TryParse(name, out NoiseProtocol? protocol));
        Assert.Null(protocol);
    }

    [Fact]
    public void Parse_Null_ThrowsArgumentNull()
    {
        Assert.Throws<ArgumentNullException>(() => NoiseProtocol.Parse(null!));
        Assert.False(NoiseProtocol.TryParse(null, out _));
    }

    /// <summary>The sizes docs/handshake.md states, for an empty payload.</summary>
    [Theory]
    [InlineData("Noise_N_25519_AESGCM_SHA256", new[] { 48 })]
    [InlineData("Noise_NN_25519_AESGCM_SHA256", new[] { 32, 48 })]
    [InlineData("Noise_NK_25519_AESGCM_SHA256", new[] { 48, 48 })]
    [InlineData("Noise_XX_25519_AESGCM_SHA256", new[] { 32, 96, 64 })]
    [InlineData("Noise_IK_25519_AESGCM_SHA256", new[] { 96, 48 })]
    [InlineData("Noise_XXpsk3_25519_AESGCM_SHA256", new[] { 48, 96, 64 })]
    [InlineData("Noise_N_P256_AESGCM_SHA256", new[] { 81 })]
    [InlineData("Noise_NN_P256_AESGCM_SHA256", new[] { 65, 81 })]
    [InlineData("Noise_NK_P256_AESGCM_SHA256", new[] { 81, 81 })]
    [InlineData("Noise_XX_P256_AESGCM_SHA256", new[] { 65, 162, 97 })]
    [InlineData("Noise_IK_P256_AESGCM_SHA256", new[] { 162, 81 })]
    public void WriteMessage_EmptyPayload_SizesAsDocumented(string name, int[] sizes)
    {
        using var peers = new NoiseTestPeers(NoiseProtocol.Parse(name));
        Assert.Equal(sizes.Length, peers.Protocol.Pattern.MessageCount);
        for (int i = 0; i < sizes.Length; i++)
        {
            (NoiseHandshake sender, NoiseHandshake receiver) = peers.Turn(i);
            Assert.Equal(sizes[i], sender.GetMessageSize(0));
            Assert.Equal(sizes[i] + 5, sender.GetMessageSize(5));
            byte[] message = sender.WriteMessage([]);
            Assert.Equal(sizes[i], message.Length);
            Assert.Empty(receiver.ReadMessage(message));
        }
    }

    [Fact]
    public void Calls_OutOfTurn_ThrowInvalidOperation()
    {
        using var peers = new NoiseTestPeers(NoiseProtocol.Parse("Noise_XX_25519_AESGCM_SHA256"));
        NoiseHandshake initiator = peers.Initiator;
        NoiseHandshake responder = peers.Responder;

        Assert.True(initiator.IsMyTurnToWrite);
        Assert.False(responder.IsMyTurnToWrite);
        Assert.Throws<InvalidOperationException>(() => initiator.ReadMessage(new byte[32]));
        Assert.Throws<InvalidOperationException>(() => responder.WriteMessage([]));
        Assert.Throws<InvalidOperationException>(() => initiator.Split());
        Assert.Throws<InvalidOperationException>(() => initiator.GetHandshakeHash());

        byte[] first = initiator.WriteMessage([]);
        Assert.Throws<InvalidOperationException>(() => initiator.WriteMessage([]));
        responder.ReadMessage(first);
        initiator.ReadMessage(responder.WriteMessage([]));
        responder.ReadMessage(initiator.WriteMessage([]));

        Assert.Throws<InvalidOperationException>(() => initiator.WriteMessage([]));
        Assert.Throws<InvalidOperationException>(() => responder.ReadMessage(first));
        using NoiseTransport transport = initiator.Split();
        Assert.Throws<InvalidOperationException>(() => initiator.Split());
        Assert.Equal(32, initiator.GetHandshakeHash().Length);
    }

    [Fact]
    public void ReadMessage_AfterTagMismatch_HandshakeUnusableEvenWithTheGenuineMessage()
    {
        using var peers = new NoiseTestPeers(NoiseProtocol.Parse("Noise_IK_25519_AESGCM_SHA256"));
        byte[] message = peers.Initiator.WriteMessage("hello"u8);
        byte[] payload = TestBytes.Filled(16, 0xAA);

        Assert.Throws<AuthenticationTagMismatchException>(() => peers.Responder.ReadMessage(TestBytes.FlipBit(message, message.Length * 8 - 1), payload));

        Assert.True(TestBytes.IsAllZero(payload.AsSpan(0, 5)));
        Assert.Null(peers.Responder.RemoteStaticPublicKey);
        Assert.False(peers.Responder.IsMyTurnToWrite);
        Assert.Throws<InvalidOperationException>(() => peers.Responder.ReadMessage(message));
        Assert.Throws<InvalidOperationException>(() => peers.Responder.WriteMessage([]));
        Assert.Throws<InvalidOperationException>(() => peers.Responder.Split());
    }

    [Fact]
    public void ReadMessage_TooShortForPattern_CryptographicExceptionAndUnusable()
    {
        using var peers = new NoiseTestPeers(NoiseProtocol.Parse("Noise_XX_25519_AESGCM_SHA256"));

        CryptographicException e = Assert.Throws<CryptographicException>(() => peers.Responder.ReadMessage(new byte[31]));

        Assert.IsNotType<AuthenticationTagMismatchException>(e);
        Assert.Throws<InvalidOperationException>(() => peers.Responder.ReadMessage(new byte[32]));
    }

    [Fact]
    public void ReadMessage_CallerMistakes_ArgumentExceptionAndStateUnchanged()
    {
        using var peers = new NoiseTestPeers(NoiseProtocol.Parse("Noise_NK_25519_AESGCM_SHA256"));
        byte[] message = peers.Initiator.WriteMessage("hello"u8);

        Assert.Equal("payloadDestination", Assert.Throws<ArgumentException>(() => peers.Responder.ReadMessage(message, new byte[4])).ParamName);
        Assert.Equal("payloadDestination", Assert.Throws<ArgumentException>(() => peers.Responder.ReadMessage(message, message)).ParamName);
        Assert.Equal("message", Assert.Throws<ArgumentException>(() => peers.Responder.ReadMessage(new byte[65536])).ParamName);

        byte[] payload = new byte[5];
        Assert.Equal(5, peers.Responder.ReadMessage(message, payload));
        Assert.Equal("hello"u8.ToArray(), payload);
    }

    [Fact]
    public void WriteMessage_CallerMistakes_ArgumentExceptionOrFalseAndStateUnchanged()
    {
        using var peers = new NoiseTestPeers(NoiseProtocol.Parse("Noise_NK_25519_AESGCM_SHA256"));
        NoiseHandshake initiator = peers.Initiator;
        byte[] buffer = new byte[100];

        Assert.False(initiator.TryWriteMessage("hi"u8, new byte[49], out int written));
        Assert.Equal(0, written);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => initiator.WriteMessage("hi"u8, new byte[49])).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => initiator.WriteMessage(buffer.AsSpan(0, 2), buffer)).ParamName);
        Assert.Equal("payload", Assert.Throws<ArgumentException>(() => initiator.WriteMessage(new byte[65535 - 48 + 1])).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => initiator.GetMessageSize(-1));

        Assert.True(initiator.TryWriteMessage("hi"u8, buffer, out written));
        Assert.Equal(50, written);
        Assert.Equal("hi"u8.ToArray(), peers.Responder.ReadMessage(buffer.AsSpan(0, written)));
    }

    [Fact]
    public void WriteMessage_LargestPayload_Accepted()
    {
        using var peers = new NoiseTestPeers(NoiseProtocol.Parse("Noise_NK_25519_AESGCM_SHA256"));
        byte[] payload = TestBytes.Random(65535 - 48);

        byte[] message = peers.Initiator.WriteMessage(payload);

        Assert.Equal(65535, message.Length);
        Assert.Equal(payload, peers.Responder.ReadMessage(message));
    }

    [Fact]
    public void Create_KeysMissingOrSuperfluous_ArgumentExceptionNamingTheParameter()
    {
        NoiseProtocol xx = NoiseProtocol.Parse("Noise_XX_25519_AESGCM_SHA256");
        NoiseProtocol nk = NoiseProtocol.Parse("Noise_NK_25519_AESGCM_SHA256");
        NoiseProtocol nn = NoiseProtocol.Parse("Noise_NN_25519_AESGCM_SHA256");
        NoiseProtocol psk = NoiseProtocol.Parse("Noise_XXpsk3_25519_AESGCM_SHA256");
        using KeyAgreementPrivateKey key = KeyAgreementPrivateKey.Generate(KeyAgreementAlgorithm.X25519);
        using KeyAgreementPrivateKey p256 = KeyAgreementPrivateKey.Generate(KeyAgreementAlgorithm.EcdhP256);
        KeyAgreementPublicKey remote = key.PublicKey;

        Assert.Equal("localStaticKey", Assert.Throws<ArgumentException>(() => NoiseHandshake.CreateInitiator(xx)).ParamName);
        Assert.Equal("localStaticKey", Assert.Throws<ArgumentException>(() => NoiseHandshake.CreateResponder(nk)).ParamName);
        Assert.Equal("localStaticKey", Assert.Throws<ArgumentException>(() => NoiseHandshake.CreateInitiator(nn, key)).ParamName);
        Assert.Equal("localStaticKey", Assert.Throws<ArgumentException>(() => NoiseHandshake.CreateInitiator(xx, p256)).ParamName);
        Assert.Equal("remoteStaticPublicKey", Assert.Throws<ArgumentException>(() => NoiseHandshake.CreateInitiator(nk)).ParamName);
        Assert.Equal("remoteStaticPublicKey", Assert.Throws<ArgumentException>(() => NoiseHandshake.CreateInitiator(nk, remoteStaticPublicKey: p256.PublicKey)).ParamName);
        Assert.Equal("remoteStaticPublicKey", Assert.Throws<ArgumentException>(() => NoiseHandshake.CreateInitiator(xx, key, remote)).ParamName);
        Assert.Equal("preSharedKey", Assert.Throws<ArgumentException>(() => NoiseHandshake.CreateInitiator(psk, key)).ParamName);
        Assert.Equal("preSharedKey", Assert.Throws<ArgumentException>(() => NoiseHandshake.CreateInitiator(psk, key, preSharedKey: new byte[31])).ParamName);
        Assert.Equal("preSharedKey", Assert.Throws<ArgumentException>(() => NoiseHandshake.CreateInitiator(xx, key, preSharedKey: new byte[32])).ParamName);
        Assert.Throws<ArgumentNullException>(() => NoiseHandshake.CreateInitiator(null!));
    }

    [Fact]
    public void Create_DisposedStaticKey_ThrowsObjectDisposed()
    {
        KeyAgreementPrivateKey key = KeyAgreementPrivateKey.Generate(KeyAgreementAlgorithm.X25519);
        key.Dispose();

        Assert.Throws<ObjectDisposedException>(() => NoiseHandshake.CreateInitiator(NoiseProtocol.Parse("Noise_XX_25519_AESGCM_SHA256"), key));
    }

    [Fact]
    public void Handshake_Disposed_ThrowsObjectDisposed()
    {
        var peers = new NoiseTestPeers(NoiseProtocol.Parse("Noise_NN_25519_AESGCM_SHA256"));
        peers.Dispose();
        peers.Initiator.Dispose();

        Assert.Throws<ObjectDisposedException>(() => peers.Initiator.WriteMessage([]));
        Assert.Throws<ObjectDisposedException>(() => peers.Responder.ReadMessage(new byte[32]));
        Assert.Throws<ObjectDisposedException>(() => peers.Initiator.GetHandshakeHash());
        Assert.Throws<ObjectDisposedException>(() => peers.Initiator.Split());
    }

    [Fact]
    public void GetRemoteStaticPublicKey_XXInitiator_AvailableAfterSecondMessage()
    {
        using var peers = new NoiseTestPeers(NoiseProtocol.Parse("Noise_XX_25519_AESGCM_SHA256"));
        peers.Responder.ReadMessage(peers.Initiator.WriteMessage([]));
        Assert.Null(peers.Initiator.RemoteStaticPublicKey?.Export());

        peers.Initiator.ReadMessage(peers.Responder.WriteMessage([]));

        Assert.Equal(peers.ResponderStatic!.PublicKey.Export(), peers.Initiator.RemoteStaticPublicKey?.Export());
        Assert.False(peers.Initiator.IsComplete);
    }

    [Fact]
    public void Protocol_P256Extension_Uses65BytePointsAnd25519Uses32ByteKeys()
    {
        Assert.Same(KeyAgreementAlgorithm.EcdhP256, NoiseProtocol.Parse("Noise_XX_P256_AESGCM_SHA256").KeyAgreement);
        Assert.Same(KeyAgreementAlgorithm.X25519, NoiseProtocol.Parse("Noise_XX_25519_AESGCM_SHA256").KeyAgreement);
        Assert.Equal("Noise_IK_P256_AESGCM_SHA256", NoiseProtocol.Create(NoisePattern.IK, KeyAgreementAlgorithm.EcdhP256).Name);
        Assert.Equal("keyAgreement", Assert.Throws<ArgumentException>(() => NoiseProtocol.Create(NoisePattern.XX, KeyAgreementAlgorithm.EcdhP384)).ParamName);
        Assert.Equal("keyAgreement", Assert.Throws<ArgumentException>(() => NoiseProtocol.Create(NoisePattern.XX, KeyAgreementAlgorithm.EcdhP521)).ParamName);
        Assert.Throws<ArgumentNullException>(() => NoiseProtocol.Create(null!, KeyAgreementAlgorithm.X25519));
    }

    [Fact]
    public void WriteMessage_StaticKeyDisposedAfterCreate_ObjectDisposedAndHandshakeUnusable()
    {
        NoiseProtocol protocol = NoiseProtocol.Parse("Noise_IK_25519_AESGCM_SHA256");
        using KeyAgreementPrivateKey responder = KeyAgreementPrivateKey.Generate(protocol.KeyAgreement);
        KeyAgreementPrivateKey key = KeyAgreementPrivateKey.Generate(protocol.KeyAgreement);
        using NoiseHandshake initiator = NoiseHandshake.CreateInitiator(protocol, key, responder.PublicKey);
        key.Dispose();

        Assert.Throws<ObjectDisposedException>(() => initiator.WriteMessage([]));
    }

    [Fact]
    public void ToString_HandshakeAndTransport_ShowNoKeyMaterial()
    {
        using var peers = new NoiseTestPeers(NoiseProtocol.Parse("Noise_XX_25519_AESGCM_SHA256"));
        peers.Run();
        byte[] hash = peers.Initiator.GetHandshakeHash();
        using NoiseTransport transport = peers.Initiator.Split();

        Assert.Contains("complete", peers.Initiator.ToString(), StringComparison.Ordinal);
        TestBytes.AssertDoesNotReveal(peers.Initiator.ToString(), hash);
        TestBytes.AssertDoesNotReveal(transport.ToString(), hash);
    }

    [Fact]
    public void Patterns_RoleRequirements_MatchSpecification()
    {
        Assert.Equal(
            new[] { "N:False,True,True,1", "NN:False,False,False,2", "NK:False,True,True,2", "XX:True,True,False,3", "IK:True,True,True,2", "XXpsk3:True,True,False,3" },
            new[] { NoisePattern.N, NoisePattern.NN, NoisePattern.NK, NoisePattern.XX, NoisePattern.IK, NoisePattern.XXpsk3 }
                .Select(p => $"{p.Name}:{p.InitiatorHasStaticKey},{p.ResponderHasStaticKey},{p.InitiatorKnowsResponderStaticKey},{p.MessageCount}"));
        Assert.True(NoisePattern.XXpsk3.HasPreSharedKey);
        Assert.False(NoisePattern.XX.HasPreSharedKey);
        Assert.True(NoisePattern.N.IsOneWay);
    }
}
