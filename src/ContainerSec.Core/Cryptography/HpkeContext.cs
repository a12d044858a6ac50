using System.Diagnostics;
using System.Runtime.CompilerServices;
using ContainerSec.Internal;

namespace ContainerSec.Cryptography;

/// <summary>The HPKE mode (RFC 9180 §5), set by which of PSK and sender key were given at setup.</summary>
public enum HpkeMode
{
    /// <summary><c>mode_base</c> (0x00): no sender authentication.</summary>
    Base = 0,

    /// <summary><c>mode_psk</c> (0x01): authenticated by a pre-shared key.</summary>
    Psk = 1,

    /// <summary><c>mode_auth</c> (0x02): authenticated by the sender's static key.</summary>
    Auth = 2,

    /// <summary><c>mode_auth_psk</c> (0x03): both.</summary>
    AuthPsk = 3,
}

/// <summary>
/// An HPKE sender context (RFC 9180 §5.2): seals a sequence of messages to one recipient, each
/// under the next nonce, and exports secrets. Send <see cref="EncapsulatedKey"/> with the first
/// message.
/// </summary>
/// <remarks>
/// <para>Messages must be opened in the order they were sealed. The context refuses to seal once
/// the sequence number would overflow (<see cref="InvalidOperationException"/>). Calls are
/// serialized internally, so a nonce is never reused even under concurrent use; the order of
/// concurrent messages is then up to the scheduler.</para>
/// <para>The key material is zeroed on <see cref="Dispose"/>; afterwards every call throws
/// <see cref="ObjectDisposedException"/>. A call with a <c>byte[]</c> second argument binds to
/// the span-destination form of <c>Seal</c>; pass associated data by name.</para>
/// </remarks>
[DebuggerDisplay("{ToString(),nq}")]
public sealed class HpkeSenderContext : IDisposable
{
    private readonly HpkeContextCore _core;
    private readonly byte[] _encapsulatedKey;

    internal HpkeSenderContext(HpkeSuite suite, HpkeMode mode, byte[] encapsulatedKey, HpkeContextCore core)
    {
        Suite = suite;
        Mode = mode;
        _encapsulatedKey = encapsulatedKey;
        _core = core;
    }

    /// <summary>The suite (KEM, KDF, AEAD).</summary>
    public HpkeSuite Suite { get; }

    /// <summary>The mode the context was set up in.</summary>
    public HpkeMode Mode { get; }

    /// <summary>The encapsulated key <c>enc</c> for the recipient (the ephemeral public key; not secret).</summary>
    public ReadOnlySpan<byte> EncapsulatedKey => _encapsulatedKey;

    /// <summary>The number of messages sealed so far: the sequence number of the next one.</summary>
    public ulong SequenceNumber => _core.SequenceNumber;

    internal HpkeContextCore Core => _core;

    /// <summary>Seals the next message and returns <c>ciphertext ‖ tag</c>.</summary>
    /// <exception cref="InvalidOperationException">The AEAD is Export-only, or the message limit is reached.</exception>
    /// <exception cref="ObjectDisposedException">The context was disposed.</exception>
    public byte[] Seal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData = default)
    {
        byte[] destination = new byte[CiphertextSize(plaintext.Length)];
        _core.Seal(plaintext, destination, associatedData, this);
        return destination;
    }

    /// <summary>Seals the next message into <paramref name="destination"/> as <c>ciphertext ‖ tag</c>.</summary>
    /// <returns>The number of bytes written: the plaintext length plus 16.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small or partly overlaps <paramref name="plaintext"/>.</exception>
    /// <exception cref="InvalidOperationException">The AEAD is Export-only, or the message limit is reached.</exception>
    /// <exception cref="ObjectDisposedException">The context was disposed.</exception>
    [OverloadResolutionPriority(1)]
    public int Seal(ReadOnlySpan<byte> plaintext, Span<byte> destination, ReadOnlySpan<byte> associatedData = default)
    {
        int size = CiphertextSize(plaintext.Length);
        if (destination.Length < size)
        {
            Error.ThrowDestinationTooSmall(nameof(destination), size, destination.Length);
        }

        _core.Seal(plaintext, destination, associatedData, this);
        return size;
    }

    /// <summary>Seals the next message into <paramref name="destination"/> if it is large enough.</summary>
    /// <returns><see langword="false"/> only when <paramref name="destination"/> is too small (no sequence number is used then).</returns>
    /// <exception cref="InvalidOperationException">The AEAD is Export-only, or the message limit is reached.</exception>
    /// <exception cref="ObjectDisposedException">The context was disposed.</exception>
    public bool TrySeal(ReadOnlySpan<byte> plaintext, Span<byte> destination, out int bytesWritten, ReadOnlySpan<byte> associatedData = default)
    {
        int size = CiphertextSize(plaintext.Length);
        if (destination.Length < size)
        {
            bytesWritten = 0;
            return false;
        }

        _core.Seal(plaintext, destination, associatedData, this);
        bytesWritten = size;
        return true;
    }

    /// <summary>Exports a secret of <paramref name="length"/> bytes bound to <paramref name="exporterContext"/> (RFC 9180 §5.3).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is not 1 to 255 × Nh (8,160 for HKDF-SHA256).</exception>
    /// <exception cref="ArgumentException"><paramref name="exporterContext"/> is longer than 65,535 bytes.</exception>
    /// <exception cref="ObjectDisposedException">The context was disposed.</exception>
    public byte[] Export(ReadOnlySpan<byte> exporterContext, int length) => _core.Export(exporterContext, length, this);

    /// <summary>Fills <paramref name="destination"/> with the exported secret bound to <paramref name="exporterContext"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="destination"/> is empty or longer than 255 × Nh.</exception>
    /// <exception cref="ArgumentException"><paramref name="exporterContext"/> is longer than 65,535 bytes.</exception>
    /// <exception cref="ObjectDisposedException">The context was disposed.</exception>
    public void Export(ReadOnlySpan<byte> exporterContext, Span<byte> destination) => _core.Export(exporterContext, destination, this);

    /// <summary>Zeroes the context's keys. Idempotent.</summary>
    public void Dispose() => _core.Dispose();

    /// <summary>Names the suite and mode; never shows keys.</summary>
    public override string ToString() => $"HpkeSenderContext({Suite}, {Mode})";

    private int CiphertextSize(int plaintextLength) =>
        (Suite.Aead.AeadAlgorithm ?? AeadAlgorithm.Aes128Gcm).GetCiphertextSize(plaintextLength);
}

/// <summary>
/// An HPKE recipient context (RFC 9180 §5.2): opens the sender's messages in order and exports the
/// same secrets as the sender.
/// </summary>
/// <remarks>
/// The sequence number advances only when a message opens: a tampered or reordered message throws
/// <see cref="System.Security.Cryptography.AuthenticationTagMismatchException"/> and the context
/// still expects the message it was waiting for. Keys are zeroed on <see cref="Dispose"/>.
/// </remarks>
[DebuggerDisplay("{ToString(),nq}")]
public sealed class HpkeRecipientContext : IDisposable
{
    private readonly HpkeContextCore _core;

    internal HpkeRecipientContext(HpkeSuite suite, HpkeMode mode, HpkeContextCore core)
    {
        Suite = suite;
        Mode = mode;
        _core = core;
    }

    /// <summary>The suite (KEM, KDF, AEAD).</summary>
    public HpkeSuite Suite { get; }

    /// <summary>The mode the context was set up in.</summary>
    public HpkeMode Mode { get; }

    /// <summary>The number of messages opened so far: the sequence number expected next.</summary>
    public ulong SequenceNumber => _core.SequenceNumber;

    internal HpkeContextCore Core => _core;

    /// <summary>Opens the next message (<c>ciphertext ‖ tag</c>) and returns the plaintext.</summary>
    /// <exception cref="System.Security.Cryptography.AuthenticationTagMismatchException">The message is not the next one, or was tampered with.</exception>
    /// <exception cref="ArgumentException"><paramref name="ciphertext"/> is shorter than a tag.</exception>
    /// <exception cref="InvalidOperationException">The AEAD is Export-only, or the message limit is reached.</exception>
    /// <exception cref="ObjectDisposedException">The context was disposed.</exception>
    public byte[] Open(ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> associatedData = default)
    {
        byte[] destination = new byte[PlaintextSize(ciphertext.Length)];
        _core.Open(ciphertext, destination, associatedData, this);
        return destination;
    }

    /// <summary>Opens the next message into <paramref name="destination"/>.</summary>
    /// <returns>The number of bytes written: the ciphertext length minus 16.</returns>
    /// <exception cref="System.Security.Cryptography.AuthenticationTagMismatchException">The message is not the next one, or was tampered with; the destination is zeroed.</exception>
    /// <exception cref="ArgumentException"><paramref name="ciphertext"/> is shorter than a tag, or <paramref name="destination"/> is too small or partly overlaps it.</exception>
    /// <exception cref="InvalidOperationException">The AEAD is Export-only, or the message limit is reached.</exception>
    /// <exception cref="ObjectDisposedException">The context was disposed.</exception>
    [OverloadResolutionPriority(1)]
    public int Open(ReadOnlySpan<byte> ciphertext, Span<byte> destination, ReadOnlySpan<byte> associatedData = default)
    {
        int size = PlaintextSize(ciphertext.Length);
        if (destination.Length < size)
        {
            Error.ThrowDestinationTooSmall(nameof(destination), size, destination.Length);
        }

        _core.Open(ciphertext, destination, associatedData, this);
        return size;
    }

    /// <summary>Opens the next message into <paramref name="destination"/> if it is large enough.</summary>
    /// <returns><see langword="false"/> only when <paramref name="destination"/> is too small; authentication failure throws.</returns>
    /// <exception cref="System.Security.Cryptography.AuthenticationTagMismatchException">The message is not the next one, or was tampered with.</exception>
    /// <exception cref="ArgumentException"><paramref name="ciphertext"/> is shorter than a tag.</exception>
    /// <exception cref="InvalidOperationException">The AEAD is Export-only, or the message limit is reached.</exception>
    /// <exception cref="ObjectDisposedException">The context was disposed.</exception>
    public bool TryOpen(ReadOnlySpan<byte> ciphertext, Span<byte> destination, out int bytesWritten, ReadOnlySpan<byte> associatedData = default)
    {
        int size = PlaintextSize(ciphertext.Length);
        if (destination.Length < size)
        {
            bytesWritten = 0;
            return false;
        }

        _core.Open(ciphertext, destination, associatedData, this);
        bytesWritten = size;
        return true;
    }

    /// <summary>Exports a secret of <paramref name="length"/> bytes bound to <paramref name="exporterContext"/> (RFC 9180 §5.3).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is not 1 to 255 × Nh (8,160 for HKDF-SHA256).</exception>
    /// <exception cref="ArgumentException"><paramref name="exporterContext"/> is longer than 65,535 bytes.</exception>
    /// <exception cref="ObjectDisposedException">The context was disposed.</exception>
    public byte[] Export(ReadOnlySpan<byte> exporterContext, int length) => _core.Export(exporterContext, length, this);

    /// <summary>Fills <paramref name="destination"/> with the exported secret bound to <paramref name="exporterContext"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="destination"/> is empty or longer than 255 × Nh.</exception>
    /// <exception cref="ArgumentException"><paramref name="exporterContext"/> is longer than 65,535 bytes.</exception>
    /// <exception cref="ObjectDisposedException">The context was disposed.</exception>
    public void Export(ReadOnlySpan<byte> exporterContext, Span<byte> destination) => _core.Export(exporterContext, destination, this);

    /// <summary>Zeroes the context's keys. Idempotent.</summary>
    public void Dispose() => _core.Dispose();

    /// <summary>Names the suite and mode; never shows keys.</summary>
    public override string ToString() => $"HpkeRecipientContext({Suite}, {Mode})";

    private static int PlaintextSize(int ciphertextLength)
    {
        if (ciphertextLength < AeadAlgorithm.TagSize)
        {
            throw Error.TooShort("ciphertext", "ciphertext (ciphertext ‖ tag)", AeadAlgorithm.TagSize, ciphertextLength);
        }

        return ciphertextLength - AeadAlgorithm.TagSize;
    }
}
