using System.Security.Cryptography;
using ContainerSec.Internal;
using ContainerSec.Internal.Noise;

namespace ContainerSec.Cryptography;

/// <summary>
/// One side of a Noise handshake (Noise Protocol Framework revision 34, §5.3 HandshakeState) for a
/// <see cref="NoiseProtocol"/>: the initiator and the responder take turns with
/// <see cref="WriteMessage(ReadOnlySpan{byte}, Span{byte})"/> and
/// <see cref="ReadMessage(ReadOnlySpan{byte}, Span{byte})"/> until <see cref="IsComplete"/>; then
/// <see cref="Split"/> gives the <see cref="NoiseTransport"/> for the session.
/// </summary>
/// <remarks>
/// <para>Calls out of turn (writing when a message is expected, reading when it is this side's
/// turn to write, anything after completion except <see cref="GetHandshakeHash"/>,
/// <see cref="RemoteStaticPublicKey"/> and one <see cref="Split"/>) throw
/// <see cref="InvalidOperationException"/>.</para>
/// <para>A <see cref="ReadMessage(ReadOnlySpan{byte}, Span{byte})"/> that fails — a tag mismatch
/// (<see cref="AuthenticationTagMismatchException"/>: tampering, a substituted key, a different
/// prologue or pre-shared key, the wrong responder static key), a message too short for the pattern
/// or an invalid public key (<see cref="CryptographicException"/>) — leaves the handshake
/// <b>unusable</b>: every later call throws <see cref="InvalidOperationException"/>. Start a new
/// handshake. The same holds for a <see cref="CryptographicException"/> while writing (an X25519
/// remote static key of small order).</para>
/// <para>Handshake payloads are encrypted once a key exists; the payload of a first message of
/// <see cref="NoisePattern.NN"/> or <see cref="NoisePattern.XX"/> is sent in the clear (but
/// authenticated by the later messages). Which payloads are safe to send when is in §7.7 of the
/// specification and in <c>docs/handshake.md</c>.</para>
/// <para>The remote static key, when the pattern transmits one, is only authenticated as "the
/// holder of this key": the caller must check it against what it trusts
/// (<see cref="RemoteStaticPublicKey"/>). Instances are not thread-safe.</para>
/// </remarks>
public sealed class NoiseHandshake : IDisposable
{
    /// <summary>The largest Noise message, handshake or transport: 65535 bytes (§3).</summary>
    public const int MaxMessageSize = 65535;

    /// <summary>The size of a pre-shared key: 32 bytes (§9.2).</summary>
    public const int PreSharedKeySize = 32;

    private readonly NoiseSymmetricState _symmetric;
    private readonly KeyAgreementPrivateKey? _localStatic;
    private readonly KeyAgreementPrivateKey? _fixedEphemeral;
    private readonly SecretBytes? _preSharedKey;
    private KeyAgreementPrivateKey? _ephemeral;
    private KeyAgreementPublicKey? _remoteStatic;
    private KeyAgreementPublicKey? _remoteEphemeral;
    private int _messageIndex;
    private bool _failed;
    private bool _split;
    private bool _disposed;
    private byte[]? _handshakeHash;
    private NoiseCipherState? _initiatorToResponder;
    private NoiseCipherState? _responderToInitiator;

    private NoiseHandshake(NoiseProtocol protocol, bool initiator, KeyAgreementPrivateKey? localStatic, KeyAgreementPublicKey? remoteStatic,
        ReadOnlySpan<byte> prologue, ReadOnlySpan<byte> preSharedKey, KeyAgreementPrivateKey? fixedEphemeral)
    {
        Protocol = protocol;
        IsInitiator = initiator;
        _localStatic = localStatic;
        _fixedEphemeral = fixedEphemeral;
        if (protocol.Pattern.HasPreSharedKey)
        {
            _preSharedKey = SecretBytes.Copy(preSharedKey);
        }

        _remoteStatic = remoteStatic;
        _symmetric = new NoiseSymmetricState(protocol.NameBytes);
        _symmetric.MixHash(prologue);
        if (protocol.Pattern.ResponderPreMessage.Length > 0)
        {
            // "<- s": the only pre-message of the patterns offered (N, NK, IK).
            _symmetric.MixHash(initiator ? remoteStatic!.RawBytes : localStatic!.PublicKey.RawBytes);
        }
    }

    /// <summary>The protocol this handshake runs.</summary>
    public NoiseProtocol Protocol { get; }

    /// <summary>Whether this side is the initiator (sends the first message).</summary>
    public bool IsInitiator { get; }

    /// <summary>Whether all handshake messages have been written or read; <see cref="Split"/> may be called.</summary>
    public bool IsComplete => _handshakeHash is not null;

    /// <summary>Whether the next call must be a <see cref="WriteMessage(ReadOnlySpan{byte}, Span{byte})"/> (otherwise a read, or nothing when complete).</summary>
    public bool IsMyTurnToWrite => !IsComplete && !_failed && ((_messageIndex % 2 == 0) == IsInitiator);

    /// <summary>
    /// Starts a handshake as the initiator.
    /// </summary>
    /// <param name="protocol">The protocol.</param>
    /// <param name="localStaticKey">This side's static key pair: required exactly when the pattern sends the initiator's
    /// static key (<see cref="NoisePattern.InitiatorHasStaticKey"/>: XX, IK, XXpsk3), refused otherwise. Not disposed by the handshake.</param>
    /// <param name="remoteStaticPublicKey">The responder's static public key: required exactly when the pattern
    /// needs it in advance (<see cref="NoisePattern.InitiatorKnowsResponderStaticKey"/>: N, NK, IK), refused otherwise.</param>
    /// <param name="prologue">Data both sides must agree on (for example a protocol version negotiation transcript); bound into the handshake.</param>
    /// <param name="preSharedKey">The 32-byte pre-shared key: required exactly for psk patterns, refused otherwise.</param>
    /// <exception cref="ArgumentNullException"><paramref name="protocol"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A key is missing or not needed, a key is for another algorithm than <see cref="NoiseProtocol.KeyAgreement"/>,
    /// or the pre-shared key is not <see cref="PreSharedKeySize"/> bytes.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="localStaticKey"/> was disposed.</exception>
    public static NoiseHandshake CreateInitiator(NoiseProtocol protocol, KeyAgreementPrivateKey? localStaticKey = null, KeyAgreementPublicKey? remoteStaticPublicKey = null,
        ReadOnlySpan<byte> prologue = default, ReadOnlySpan<byte> preSharedKey = default)
    {
        return Create(protocol, initiator: true, localStaticKey, remoteStaticPublicKey, prologue, preSharedKey, fixedEphemeral: null);
    }

    /// <summary>
    /// Starts a handshake as the responder.
    /// </summary>
    /// <param name="protocol">The protocol.</param>
    /// <param name="localStaticKey">This side's static key pair: required exactly when the pattern uses the responder's
    /// static key (<see cref="NoisePattern.ResponderHasStaticKey"/>: N, NK, XX, IK, XXpsk3), refused for NN. Not disposed by the handshake.</param>
    /// <param name="prologue">Data both sides must agree on; bound into the handshake.</param>
    /// <param name="preSharedKey">The 32-byte pre-shared key: required exactly for psk patterns, refused otherwise.</param>
    /// <exception cref="ArgumentNullException"><paramref name="protocol"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A key is missing or not needed, a key is for another algorithm than <see cref="NoiseProtocol.KeyAgreement"/>,
    /// or the pre-shared key is not <see cref="PreSharedKeySize"/> bytes.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="localStaticKey"/> was disposed.</exception>
    public static NoiseHandshake CreateResponder(NoiseProtocol protocol, KeyAgreementPrivateKey? localStaticKey = null,
        ReadOnlySpan<byte> prologue = default, ReadOnlySpan<byte> preSharedKey = default)
    {
        return Create(protocol, initiator: false, localStaticKey, null, prologue, preSharedKey, fixedEphemeral: null);
    }

    /// <summary>
    /// The factory behind both public ones; <paramref name="fixedEphemeral"/> replaces the generated
    /// ephemeral key, for the test vectors only. The handshake does not dispose it.
    /// </summary>
    internal static NoiseHandshake Create(NoiseProtocol protocol, bool initiator, KeyAgreementPrivateKey? localStaticKey, KeyAgreementPublicKey? remoteStaticPublicKey,
        ReadOnlySpan<byte> prologue, ReadOnlySpan<byte> preSharedKey, KeyAgreementPrivateKey? fixedEphemeral)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        NoisePattern pattern = protocol.Pattern;
        KeyAgreementAlgorithm dh = protocol.KeyAgreement;

        bool needsStatic = initiator ? pattern.InitiatorHasStaticKey : pattern.ResponderHasStaticKey;
        CheckPresence(localStaticKey is not null, needsStatic, nameof(localStaticKey), "local static key");
        if (localStaticKey is not null)
        {
            ObjectDisposedException.ThrowIf(localStaticKey.IsDisposed, localStaticKey);
            if (!ReferenceEquals(localStaticKey.Algorithm, dh))
            {
                throw Error.AlgorithmMismatch(nameof(localStaticKey), dh.Name, localStaticKey.Algorithm.Name);
            }
        }

        bool needsRemote = initiator && pattern.InitiatorKnowsResponderStaticKey;
        CheckPresence(remoteStaticPublicKey is not null, needsRemote, nameof(remoteStaticPublicKey), "remote static public key");
        if (remoteStaticPublicKey is not null && !ReferenceEquals(remoteStaticPublicKey.Algorithm, dh))
        {
            throw Error.AlgorithmMismatch(nameof(remoteStaticPublicKey), dh.Name, remoteStaticPublicKey.Algorithm.Name);
        }

        CheckPresence(!preSharedKey.IsEmpty, pattern.HasPreSharedKey, nameof(preSharedKey), "pre-shared key");
        if (pattern.HasPreSharedKey && preSharedKey.Length != PreSharedKeySize)
        {
            Error.ThrowWrongSize(nameof(preSharedKey), "pre-shared key", PreSharedKeySize, preSharedKey.Length);
        }

        if (fixedEphemeral is not null && !ReferenceEquals(fixedEphemeral.Algorithm, dh))
        {
            throw Error.AlgorithmMismatch(nameof(fixedEphemeral), dh.Name, fixedEphemeral.Algorithm.Name);
        }

        return new NoiseHandshake(protocol, initiator, localStaticKey, remoteStaticPublicKey, prologue, preSharedKey, fixedEphemeral);
    }

    /// <summary>The size of the next message this side writes for a payload of <paramref name="payloadLength"/> bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="payloadLength"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">It is not this side's turn to write, or the handshake failed or is complete.</exception>
    /// <exception cref="ObjectDisposedException">The handshake was disposed.</exception>
    public int GetMessageSize(int payloadLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        ThrowIfUnusable(write: true);
        return Layout(Protocol.Pattern.Messages[_messageIndex], payloadLength, out _);
    }

    /// <summary>Writes the next handshake message, carrying <paramref name="payload"/>, and returns it.</summary>
    /// <exception cref="ArgumentException">The message would exceed <see cref="MaxMessageSize"/>.</exception>
    /// <exception cref="InvalidOperationException">It is not this side's turn to write, or the handshake failed or is complete.</exception>
    /// <exception cref="CryptographicException">A DH gave an all-zero result (an X25519 remote static key of small order); the handshake is then unusable.</exception>
    /// <exception cref="ObjectDisposedException">The handshake or the local static key was disposed.</exception>
    public byte[] WriteMessage(ReadOnlySpan<byte> payload)
    {
        byte[] destination = new byte[GetMessageSize(payload.Length)];
        WriteMessage(payload, destination);
        return destination;
    }

    /// <summary>Writes the next handshake message, carrying <paramref name="payload"/>, into <paramref name="destination"/>.</summary>
    /// <returns>The number of bytes written (see <see cref="GetMessageSize"/>).</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small or overlaps <paramref name="payload"/>,
    /// or the message would exceed <see cref="MaxMessageSize"/>. Nothing has changed then.</exception>
    /// <exception cref="InvalidOperationException">It is not this side's turn to write, or the handshake failed or is complete.</exception>
    /// <exception cref="CryptographicException">A DH gave an all-zero result (an X25519 remote static key of small order); the handshake is then unusable.</exception>
    /// <exception cref="ObjectDisposedException">The handshake or the local static key was disposed.</exception>
    public int WriteMessage(ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        if (!TryWriteMessage(payload, destination, out int bytesWritten))
        {
            Error.ThrowDestinationTooSmall(nameof(destination), GetMessageSize(payload.Length), destination.Length);
        }

        return bytesWritten;
    }

    /// <summary>Writes the next handshake message into <paramref name="destination"/> if it is large enough.</summary>
    /// <returns><see langword="false"/> only when <paramref name="destination"/> is too small; nothing has changed then.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> overlaps <paramref name="payload"/>, or the message would exceed <see cref="MaxMessageSize"/>.</exception>
    /// <exception cref="InvalidOperationException">It is not this side's turn to write, or the handshake failed or is complete.</exception>
    /// <exception cref="CryptographicException">A DH gave an all-zero result (an X25519 remote static key of small order); the handshake is then unusable.</exception>
    /// <exception cref="ObjectDisposedException">The handshake or the local static key was disposed.</exception>
    public bool TryWriteMessage(ReadOnlySpan<byte> payload, Span<byte> destination, out int bytesWritten)
    {
        ThrowIfUnusable(write: true);
        NoiseToken[] tokens = Protocol.Pattern.Messages[_messageIndex];
        int size = Layout(tokens, payload.Length, out _);
        if (size > MaxMessageSize)
        {
            throw Error.TooLong(nameof(payload), "handshake message (payload plus keys and tags)", MaxMessageSize, size);
        }

        if (destination.Length < size)
        {
            bytesWritten = 0;
            return false;
        }

        if (payload.Overlaps(destination))
        {
            Error.ThrowOverlap(nameof(destination));
        }

        ThrowIfStaticKeyDisposed();
        try
        {
            int offset = 0;
            foreach (NoiseToken token in tokens)
            {
                switch (token)
                {
                    case NoiseToken.E:
                        _ephemeral = _fixedEphemeral ?? KeyAgreementPrivateKey.Generate(Protocol.KeyAgreement);
                        ReadOnlySpan<byte> ephemeralPublic = _ephemeral.PublicKey.RawBytes;
                        ephemeralPublic.CopyTo(destination[offset..]);
                        offset += ephemeralPublic.Length;
                        MixEphemeral(ephemeralPublic);
                        break;
                    case NoiseToken.S:
                        offset += _symmetric.EncryptAndHash(_localStatic!.PublicKey.RawBytes, destination[offset..]);
                        break;
                    default:
                        MixToken(token);
                        break;
                }
            }

            offset += _symmetric.EncryptAndHash(payload, destination[offset..]);
            bytesWritten = offset;
            Advance();
            return true;
        }
        catch
        {
            Fail();
            throw;
        }
    }

    /// <summary>Reads the next handshake message and returns its payload.</summary>
    /// <exception cref="AuthenticationTagMismatchException">Authentication failed (tampering, key substitution, prologue or
    /// pre-shared key mismatch, wrong responder key); the handshake is unusable.</exception>
    /// <exception cref="CryptographicException">The message is too short for the pattern or carries an invalid public key; the handshake is unusable.</exception>
    /// <exception cref="ArgumentException"><paramref name="message"/> is longer than <see cref="MaxMessageSize"/>.</exception>
    /// <exception cref="InvalidOperationException">It is this side's turn to write, or the handshake failed or is complete.</exception>
    /// <exception cref="ObjectDisposedException">The handshake or the local static key was disposed.</exception>
    public byte[] ReadMessage(ReadOnlySpan<byte> message)
    {
        ThrowIfUnusable(write: false);
        int fixedSize = Layout(Protocol.Pattern.Messages[_messageIndex], 0, out _);
        int payloadSize = Math.Max(0, message.Length - fixedSize);
        byte[] payload = new byte[payloadSize];
        int written = ReadMessage(message, payload);
        return written == payload.Length ? payload : payload[..written];
    }

    /// <summary>Reads the next handshake message and writes its payload into <paramref name="payloadDestination"/>.</summary>
    /// <returns>The payload length.</returns>
    /// <exception cref="AuthenticationTagMismatchException">Authentication failed (tampering, key substitution, prologue or
    /// pre-shared key mismatch, wrong responder key); the payload destination is zeroed and the handshake is unusable.</exception>
    /// <exception cref="CryptographicException">The message is too short for the pattern or carries an invalid public key; the handshake is unusable.</exception>
    /// <exception cref="ArgumentException"><paramref name="message"/> is longer than <see cref="MaxMessageSize"/>, or
    /// <paramref name="payloadDestination"/> is too small or overlaps <paramref name="message"/>. Nothing has changed then.</exception>
    /// <exception cref="InvalidOperationException">It is this side's turn to write, or the handshake failed or is complete.</exception>
    /// <exception cref="ObjectDisposedException">The handshake or the local static key was disposed.</exception>
    public int ReadMessage(ReadOnlySpan<byte> message, Span<byte> payloadDestination)
    {
        ThrowIfUnusable(write: false);
        if (message.Length > MaxMessageSize)
        {
            throw Error.TooLong(nameof(message), "Noise message", MaxMessageSize, message.Length);
        }

        NoiseToken[] tokens = Protocol.Pattern.Messages[_messageIndex];
        // The size with an empty payload: the keys, their tags and the payload's tag, if any.
        int fixedSize = Layout(tokens, 0, out _);
        if (message.Length < fixedSize)
        {
            Fail();
            throw new CryptographicException(
                $"The handshake message is {message.Length} bytes; this message of {Protocol.Name} needs at least {fixedSize}. The handshake failed.");
        }

        int payloadSize = message.Length - fixedSize;
        if (payloadDestination.Length < payloadSize)
        {
            Error.ThrowDestinationTooSmall(nameof(payloadDestination), payloadSize, payloadDestination.Length);
        }

        if (message.Overlaps(payloadDestination))
        {
            Error.ThrowOverlap(nameof(payloadDestination));
        }

        ThrowIfStaticKeyDisposed();
        KeyAgreementPublicKey? knownRemoteStatic = _remoteStatic;
        try
        {
            KeyAgreementAlgorithm dh = Protocol.KeyAgreement;
            int publicKeySize = dh.PublicKeySizeInBytes;
            Span<byte> staticPublic = stackalloc byte[publicKeySize];
            int offset = 0;
            foreach (NoiseToken token in tokens)
            {
                switch (token)
                {
                    case NoiseToken.E:
                        // Import validates the key (P-256: on the curve) before anything uses it.
                        ReadOnlySpan<byte> ephemeralPublic = message.Slice(offset, publicKeySize);
                        _remoteEphemeral = KeyAgreementPublicKey.Import(dh, ephemeralPublic);
                        offset += publicKeySize;
                        MixEphemeral(ephemeralPublic);
                        break;
                    case NoiseToken.S:
                        int length = _symmetric.GetCiphertextSize(publicKeySize);
                        _symmetric.DecryptAndHash(message.Slice(offset, length), staticPublic);
                        _remoteStatic = KeyAgreementPublicKey.Import(dh, staticPublic);
                        offset += length;
                        break;
                    default:
                        MixToken(token);
                        break;
                }
            }

            int written = _symmetric.DecryptAndHash(message[offset..], payloadDestination);
            Advance();
            return written;
        }
        catch
        {
            // A static key from a message that did not authenticate as a whole is not reported.
            _remoteStatic = knownRemoteStatic;
            Fail();
            throw;
        }
    }

    /// <summary>
    /// Returns the handshake hash h (32 bytes): a unique, secret-independent identifier of this
    /// session's transcript that both sides share, for channel binding (for example signing it).
    /// </summary>
    /// <exception cref="InvalidOperationException">The handshake is not complete.</exception>
    /// <exception cref="ObjectDisposedException">The handshake was disposed.</exception>
    public byte[] GetHandshakeHash()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_handshakeHash is null)
        {
            throw new InvalidOperationException("The handshake hash exists only once the handshake is complete.");
        }

        return (byte[])_handshakeHash.Clone();
    }

    /// <summary>
    /// The remote party's static public key: the one given to <see cref="CreateInitiator"/>, or the
    /// one received during the handshake (set as soon as the message carrying it was read and
    /// authenticated). <see langword="null"/> when the pattern gives this side none (NN; the
    /// responder in N and NK) or it has not been received yet. The handshake proves only that the
    /// peer holds the matching private key: the caller must decide whether to trust the key.
    /// </summary>
    public KeyAgreementPublicKey? RemoteStaticPublicKey => _remoteStatic;

    /// <summary>
    /// Split() (§5.2): returns the transport with the two cipher states of the session, for this
    /// side (the initiator sends with the first, the responder with the second). Can be called once.
    /// </summary>
    /// <exception cref="InvalidOperationException">The handshake is not complete, or <see cref="Split"/> was already called.</exception>
    /// <exception cref="ObjectDisposedException">The handshake was disposed.</exception>
    public NoiseTransport Split()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_handshakeHash is null)
        {
            throw new InvalidOperationException("The handshake is not complete: Split() is allowed only after the last handshake message.");
        }

        if (_split)
        {
            throw new InvalidOperationException("Split() was already called; the transport keys are handed out once.");
        }

        _split = true;
        NoiseCipherState first = _initiatorToResponder!;
        NoiseCipherState second = _responderToInitiator!;
        _initiatorToResponder = null;
        _responderToInitiator = null;
        if (Protocol.Pattern.IsOneWay)
        {
            // §5.2: in a one-way pattern the second cipher state is discarded; only the initiator sends.
            second.Dispose();
            return IsInitiator ? new NoiseTransport(first, null) : new NoiseTransport(null, first);
        }

        return IsInitiator ? new NoiseTransport(first, second) : new NoiseTransport(second, first);
    }

    /// <summary>Zeroes the chaining key, the ephemeral key, the pre-shared key and any transport keys not yet split off. Idempotent.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _symmetric.Dispose();
        DisposeEphemeral();
        _preSharedKey?.Dispose();
        _initiatorToResponder?.Dispose();
        _responderToInitiator?.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"NoiseHandshake({Protocol.Name}, {(IsInitiator ? "initiator" : "responder")}, {(_failed ? "failed" : IsComplete ? "complete" : $"message {_messageIndex + 1}")})";

    /// <summary>The size of a message for the given tokens and payload, and whether its payload is encrypted.</summary>
    private int Layout(NoiseToken[] tokens, int payloadLength, out bool payloadEncrypted)
    {
        int publicKeySize = Protocol.KeyAgreement.PublicKeySizeInBytes;
        bool hasKey = _symmetric.HasKey;
        long size = 0;
        foreach (NoiseToken token in tokens)
        {
            switch (token)
            {
                case NoiseToken.E:
                    size += publicKeySize;
                    hasKey |= Protocol.Pattern.HasPreSharedKey;
                    break;
                case NoiseToken.S:
                    size += publicKeySize + (hasKey ? NoiseCipherState.TagSize : 0);
                    break;
                default:
                    hasKey = true;
                    break;
            }
        }

        payloadEncrypted = hasKey;
        size += payloadLength + (hasKey ? NoiseCipherState.TagSize : 0);
        return (int)Math.Min(size, int.MaxValue);
    }

    /// <summary>The "e" token after the key is written or read: MixHash(e), and in psk handshakes also MixKey(e) (§9.2).</summary>
    private void MixEphemeral(ReadOnlySpan<byte> publicKey)
    {
        _symmetric.MixHash(publicKey);
        if (Protocol.Pattern.HasPreSharedKey)
        {
            _symmetric.MixKey(publicKey);
        }
    }

    /// <summary>The DH tokens and "psk": MixKey(DH(…)) with each side's own keys, or MixKeyAndHash(psk).</summary>
    private void MixToken(NoiseToken token)
    {
        switch (token)
        {
            case NoiseToken.Ee:
                MixDh(_ephemeral, _remoteEphemeral);
                break;
            case NoiseToken.Es:
                if (IsInitiator)
                {
                    MixDh(_ephemeral, _remoteStatic);
                }
                else
                {
                    MixDh(_localStatic, _remoteEphemeral);
                }

                break;
            case NoiseToken.Se:
                if (IsInitiator)
                {
                    MixDh(_localStatic, _remoteEphemeral);
                }
                else
                {
                    MixDh(_ephemeral, _remoteStatic);
                }

                break;
            case NoiseToken.Ss:
                MixDh(_localStatic, _remoteStatic);
                break;
            case NoiseToken.Psk:
                _symmetric.MixKeyAndHash(_preSharedKey!.Span);
                break;
            default:
                throw new InvalidOperationException($"Unexpected token {token} in a DH position.");
        }
    }

    /// <summary>MixKey(DH(local, remote)); the raw DH output goes straight into Noise's HKDF and is zeroed.</summary>
    /// <exception cref="CryptographicException">X25519 gave an all-zero output (a small-order peer key).</exception>
    private void MixDh(KeyAgreementPrivateKey? local, KeyAgreementPublicKey? remote)
    {
        if (local is null || remote is null)
        {
            // The pattern tables are checked by tests, so this means a table is wrong, not the peer.
            throw new InvalidOperationException("The handshake pattern uses a key that this side does not have.");
        }

        using SharedSecret shared = local.Agree(remote);
        _symmetric.MixKey(shared.RawBytes);
        shared.ThrowIfDisposedAfterUse();
    }

    private void Advance()
    {
        _messageIndex++;
        if (_messageIndex < Protocol.Pattern.MessageCount)
        {
            return;
        }

        (_initiatorToResponder, _responderToInitiator) = _symmetric.Split();
        _handshakeHash = _symmetric.Hash.ToArray();
        DisposeEphemeral();
    }

    private void Fail()
    {
        _failed = true;
        DisposeEphemeral();
    }

    private void DisposeEphemeral()
    {
        if (_ephemeral is not null && _ephemeral != _fixedEphemeral)
        {
            _ephemeral.Dispose();
        }

        _ephemeral = null;
    }

    private void ThrowIfStaticKeyDisposed()
    {
        if (_localStatic is not null)
        {
            ObjectDisposedException.ThrowIf(_localStatic.IsDisposed, _localStatic);
        }
    }

    private void ThrowIfUnusable(bool write)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_failed)
        {
            throw new InvalidOperationException("This handshake failed earlier (a message did not authenticate or a key was invalid) and cannot be used. Start a new handshake.");
        }

        if (IsComplete)
        {
            throw new InvalidOperationException("The handshake is complete: call Split() and use the transport.");
        }

        bool writeTurn = (_messageIndex % 2 == 0) == IsInitiator;
        if (writeTurn != write)
        {
            throw new InvalidOperationException(write
                ? "It is not this side's turn to write: the next handshake message must be read."
                : "It is this side's turn to write: the next handshake message must be written, not read.");
        }
    }

    private static void CheckPresence(bool present, bool required, string paramName, string what)
    {
        if (present != required)
        {
            throw new ArgumentException(required
                ? $"This pattern requires a {what} for this role."
                : $"This pattern does not use a {what} for this role; passing one is a mistake.", paramName);
        }
    }
}
