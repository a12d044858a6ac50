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
/// <see cref="GetRemoteStaticPublicKey"/> and one <see cref="Split"/>) throw
/// <see cref="InvalidOperationException"/>.</para>
/// <para>A <see cref="ReadMessage(ReadOnlySpan{byte}, Span{byte})"/> that fails — a tag mismatch
/// (<see cref="AuthenticationTagMismatchException"/>: tampering, a substituted key, a different
/// prologue or pre-shared key, the wrong responder static key), a message too short for the pattern
/// or an invalid public key (<see cref="CryptographicException"/>) — leaves the handshake
/// <b>unusable</b>: every later call throws <see cref="InvalidOperationException"/>. Start a new
/// handshake. The same holds for a <see cref="CryptographicException"/> while writing (an invalid
/// remote static key).</para>
/// <para>Handshake payloads are encrypted once a key exists; the payload of a first message of
/// <see cref="NoisePattern.NN"/> or <see cref="NoisePattern.XX"/> is sent in the clear (but
/// authenticated by the later messages). Which payloads are safe to send when is in §7.7 of the
/// specification and in <c>docs/handshake.md</c>.</para>
/// <para>The remote static key, when the pattern transmits one, is only authenticated as "the
/// holder of this key": the caller must check it against what it trusts
/// (<see cref="GetRemoteStaticPublicKey"/>). Instances are not thread-safe.</para>
/// </remarks>
public sealed class NoiseHandshake : IDisposable
{
    /// <summary>The largest Noise message, handshake or transport: 65535 bytes (§3).</summary>
    public const int MaxMessageSize = 65535;

    /// <summary>The size of a pre-shared key: 32 bytes (§9.2).</summary>
    public const int PreSharedKeySize = 32;

    private readonly NoiseSymmetricState _symmetric;
    private readonly NoiseKeyPair? _localStatic;
    private readonly NoiseDhKey? _fixedEphemeral;
    private readonly SecretBytes? _preSharedKey;
    private NoiseDhKey? _ephemeral;
    private byte[]? _remoteStatic;
    private byte[]? _remoteEphemeral;
    private int _messageIndex;
    private bool _failed;
    private bool _split;
    private bool _disposed;
    private byte[]? _handshakeHash;
    private NoiseCipherState? _initiatorToResponder;
    private NoiseCipherState? _responderToInitiator;

    private NoiseHandshake(NoiseProtocol protocol, bool initiator, NoiseKeyPair? localStatic, ReadOnlySpan<byte> remoteStatic,
        ReadOnlySpan<byte> prologue, ReadOnlySpan<byte> preSharedKey, NoiseDhKey? fixedEphemeral)
    {
        Protocol = protocol;
        IsInitiator = initiator;
        _localStatic = localStatic;
        _fixedEphemeral = fixedEphemeral;
        if (protocol.Pattern.HasPreSharedKey)
        {
            _preSharedKey = SecretBytes.Copy(preSharedKey);
        }

        if (!remoteStatic.IsEmpty)
        {
            _remoteStatic = remoteStatic.ToArray();
        }

        _symmetric = new NoiseSymmetricState(protocol.NameBytes);
        _symmetric.MixHash(prologue);
        if (protocol.Pattern.ResponderPreMessage.Length > 0)
        {
            // "<- s": the only pre-message of the patterns offered (N, NK, IK).
            _symmetric.MixHash(initiator ? _remoteStatic : localStatic!.PublicKey);
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
    /// <exception cref="ArgumentException">A key is missing, not needed, of the wrong DH function or of the wrong size.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="localStaticKey"/> was disposed.</exception>
    public static NoiseHandshake CreateInitiator(NoiseProtocol protocol, NoiseKeyPair? localStaticKey = null, ReadOnlySpan<byte> remoteStaticPublicKey = default,
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
    /// <exception cref="ArgumentException">A key is missing, not needed, of the wrong DH function or of the wrong size.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="localStaticKey"/> was disposed.</exception>
    public static NoiseHandshake CreateResponder(NoiseProtocol protocol, NoiseKeyPair? localStaticKey = null,
        ReadOnlySpan<byte> prologue = default, ReadOnlySpan<byte> preSharedKey = default)
    {
        return Create(protocol, initiator: false, localStaticKey, default, prologue, preSharedKey, fixedEphemeral: null);
    }

    /// <summary>
    /// The factory behind both public ones; <paramref name="fixedEphemeral"/> replaces the generated
    /// ephemeral key, for the test vectors only. The handshake does not dispose it.
    /// </summary>
    internal static NoiseHandshake Create(NoiseProtocol protocol, bool initiator, NoiseKeyPair? localStaticKey, ReadOnlySpan<byte> remoteStaticPublicKey,
        ReadOnlySpan<byte> prologue, ReadOnlySpan<byte> preSharedKey, NoiseKeyPair? fixedEphemeral)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        NoisePattern pattern = protocol.Pattern;
        NoiseDhFunction dh = protocol.DhFunction;

        bool needsStatic = initiator ? pattern.InitiatorHasStaticKey : pattern.ResponderHasStaticKey;
        CheckPresence(localStaticKey is not null, needsStatic, nameof(localStaticKey), "local static key");
        if (localStaticKey is not null)
        {
            localStaticKey.ThrowIfDisposed();
            if (localStaticKey.DhFunction != dh)
            {
                throw new ArgumentException($"The local static key is for {localStaticKey.DhFunction.Name}; the protocol uses {dh.Name}.", nameof(localStaticKey));
            }
        }

        bool needsRemote = initiator && pattern.InitiatorKnowsResponderStaticKey;
        CheckPresence(!remoteStaticPublicKey.IsEmpty, needsRemote, nameof(remoteStaticPublicKey), "remote static public key");
        if (needsRemote && remoteStaticPublicKey.Length != dh.PublicKeySizeInBytes)
        {
            Error.ThrowWrongSize(nameof(remoteStaticPublicKey), $"{dh.Name} public key", dh.PublicKeySizeInBytes, remoteStaticPublicKey.Length);
        }

        CheckPresence(!preSharedKey.IsEmpty, pattern.HasPreSharedKey, nameof(preSharedKey), "pre-shared key");
        if (pattern.HasPreSharedKey && preSharedKey.Length != PreSharedKeySize)
        {
            Error.ThrowWrongSize(nameof(preSharedKey), "pre-shared key", PreSharedKeySize, preSharedKey.Length);
        }

        if (fixedEphemeral is not null && fixedEphemeral.DhFunction != dh)
        {
            throw new ArgumentException("The fixed ephemeral key is for another DH function.", nameof(fixedEphemeral));
        }

        return new NoiseHandshake(protocol, initiator, localStaticKey, remoteStaticPublicKey, prologue, preSharedKey, fixedEphemeral?.Key);
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
    /// <exception cref="CryptographicException">The remote static key is invalid (the handshake is then unusable).</exception>
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
    /// <exception cref="CryptographicException">The remote static key is invalid (the handshake is then unusable).</exception>
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
    /// <exception cref="CryptographicException">The remote static key is invalid (the handshake is then unusable).</exception>
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

        _localStatic?.ThrowIfDisposed();
        try
        {
            int offset = 0;
            foreach (NoiseToken token in tokens)
            {
                switch (token)
                {
                    case NoiseToken.E:
                        _ephemeral = _fixedEphemeral ?? Protocol.DhFunction.GenerateKey();
                        ReadOnlySpan<byte> ephemeralPublic = _ephemeral.PublicKey;
                        ephemeralPublic.CopyTo(destination[offset..]);
                        offset += ephemeralPublic.Length;
                        MixEphemeral(ephemeralPublic);
                        break;
                    case NoiseToken.S:
                        offset += _symmetric.EncryptAndHash(_localStatic!.PublicKey, destination[offset..]);
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

        _localStatic?.ThrowIfDisposed();
        try
        {
            int publicKeySize = Protocol.DhFunction.PublicKeySizeInBytes;
            int offset = 0;
            foreach (NoiseToken token in tokens)
            {
                switch (token)
                {
                    case NoiseToken.E:
                        _remoteEphemeral = message.Slice(offset, publicKeySize).ToArray();
                        offset += publicKeySize;
                        MixEphemeral(_remoteEphemeral);
                        break;
                    case NoiseToken.S:
                        int length = _symmetric.GetCiphertextSize(publicKeySize);
                        byte[] remoteStatic = new byte[publicKeySize];
                        _symmetric.DecryptAndHash(message.Slice(offset, length), remoteStatic);
                        _remoteStatic = remoteStatic;
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
    /// Returns the remote party's static public key: the one given to <see cref="CreateInitiator"/>,
    /// or the one received during the handshake (available as soon as the message carrying it was
    /// read). <see langword="null"/> when the pattern gives this side none (NN; the responder in N and NK)
    /// or it has not been received yet. The caller must decide whether to trust it.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The handshake was disposed.</exception>
    public byte[]? GetRemoteStaticPublicKey()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return (byte[]?)_remoteStatic?.Clone();
    }

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
        int publicKeySize = Protocol.DhFunction.PublicKeySizeInBytes;
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
                    MixDh(_localStatic?.Key, _remoteEphemeral);
                }

                break;
            case NoiseToken.Se:
                if (IsInitiator)
                {
                    MixDh(_localStatic?.Key, _remoteEphemeral);
                }
                else
                {
                    MixDh(_ephemeral, _remoteStatic);
                }

                break;
            case NoiseToken.Ss:
                MixDh(_localStatic?.Key, _remoteStatic);
                break;
            case NoiseToken.Psk:
                _symmetric.MixKeyAndHash(_preSharedKey!.Span);
                break;
            default:
                throw new InvalidOperationException($"Unexpected token {token} in a DH position.");
        }
    }

    private void MixDh(NoiseDhKey? local, byte[]? remote)
    {
        if (local is null || remote is null)
        {
            // The pattern tables are checked by tests, so this means a table is wrong, not the peer.
            throw new InvalidOperationException("The handshake pattern uses a key that this side does not have.");
        }

        Span<byte> shared = stackalloc byte[Protocol.DhFunction.SharedSecretSizeInBytes];
        try
        {
            local.Agree(remote, shared);
            _symmetric.MixKey(shared);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
        }
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
