using System.Diagnostics;
using System.Security.Cryptography;
using ContainerSec.Internal;
using ContainerSec.Internal.Noise;

namespace ContainerSec.Cryptography;

/// <summary>
/// The transport phase of a Noise session (from <see cref="NoiseHandshake.Split"/>): one cipher
/// state for sending and one for receiving, each AES-256-GCM with its own 64-bit message counter.
/// </summary>
/// <remarks>
/// <para>Messages must be decrypted in the order they were encrypted, each exactly once: the
/// receiving counter advances with every successful decryption, so a replayed, reordered, dropped
/// or truncated message fails with <see cref="AuthenticationTagMismatchException"/>. A failed
/// decryption does not advance the counter (Noise §5.1), so the next genuine message still
/// decrypts; over an unreliable channel, treat any failure as fatal and start a new handshake.</para>
/// <para>Messages are at most <see cref="MaxMessageSize"/> bytes (plaintext up to
/// <see cref="MaxPlaintextSize"/>); framing them is the caller's job. Counters stop at 2^64 − 1:
/// past that, every call throws <see cref="InvalidOperationException"/> (run a new handshake).
/// <see cref="RekeySending"/> / <see cref="RekeyReceiving"/> replace a key with one derived from it
/// (§4.2) without resetting the counter; both sides must rekey at the same message.</para>
/// <para>In a one-way pattern (<see cref="NoisePattern.N"/>) the initiator can only send and the
/// responder only receive. Instances are not thread-safe.</para>
/// </remarks>
[DebuggerDisplay("{ToString(),nq}")]
public sealed class NoiseTransport : IDisposable
{
    /// <summary>The largest transport message: 65535 bytes (§3).</summary>
    public const int MaxMessageSize = NoiseHandshake.MaxMessageSize;

    /// <summary>The largest plaintext of one transport message: 65535 − 16 = 65519 bytes.</summary>
    public const int MaxPlaintextSize = MaxMessageSize - NoiseCipherState.TagSize;

    /// <summary>The overhead of a transport message over its plaintext: the 16-byte tag.</summary>
    public const int TagSize = NoiseCipherState.TagSize;

    private readonly NoiseCipherState? _send;
    private readonly NoiseCipherState? _receive;
    private bool _disposed;

    internal NoiseTransport(NoiseCipherState? send, NoiseCipherState? receive)
    {
        _send = send;
        _receive = receive;
    }

    /// <summary>Whether this side can send (false for the responder of a one-way pattern).</summary>
    public bool CanSend => _send is not null;

    /// <summary>Whether this side can receive (false for the initiator of a one-way pattern).</summary>
    public bool CanReceive => _receive is not null;

    /// <summary>The number of messages encrypted so far: the counter of the next one.</summary>
    /// <exception cref="InvalidOperationException">This side cannot send.</exception>
    public ulong SendingCounter => Sender.Nonce;

    /// <summary>The number of messages decrypted so far: the counter the next one must carry.</summary>
    /// <exception cref="InvalidOperationException">This side cannot receive.</exception>
    public ulong ReceivingCounter => Receiver.Nonce;

    internal NoiseCipherState Sender
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _send ?? throw new InvalidOperationException("This side of a one-way Noise pattern cannot send.");
        }
    }

    internal NoiseCipherState Receiver
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _receive ?? throw new InvalidOperationException("This side of a one-way Noise pattern cannot receive.");
        }
    }

    /// <summary>Encrypts the next message and returns <c>ciphertext ‖ tag</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="plaintext"/> is longer than <see cref="MaxPlaintextSize"/>.</exception>
    /// <exception cref="InvalidOperationException">This side cannot send, or the counter is exhausted.</exception>
    /// <exception cref="ObjectDisposedException">The transport was disposed.</exception>
    public byte[] Encrypt(ReadOnlySpan<byte> plaintext)
    {
        CheckPlaintext(plaintext.Length);
        byte[] destination = new byte[plaintext.Length + TagSize];
        Sender.EncryptWithAd(default, plaintext, destination);
        return destination;
    }

    /// <summary>Encrypts the next message into <paramref name="destination"/> as <c>ciphertext ‖ tag</c>.</summary>
    /// <returns>The number of bytes written: the plaintext length plus 16.</returns>
    /// <exception cref="ArgumentException"><paramref name="plaintext"/> is longer than <see cref="MaxPlaintextSize"/>,
    /// <paramref name="destination"/> is too small, or the buffers partly overlap (exactly in place is allowed).</exception>
    /// <exception cref="InvalidOperationException">This side cannot send, or the counter is exhausted.</exception>
    /// <exception cref="ObjectDisposedException">The transport was disposed.</exception>
    public int Encrypt(ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        if (!TryEncrypt(plaintext, destination, out int bytesWritten))
        {
            Error.ThrowDestinationTooSmall(nameof(destination), plaintext.Length + TagSize, destination.Length);
        }

        return bytesWritten;
    }

    /// <summary>Encrypts the next message into <paramref name="destination"/> if it is large enough.</summary>
    /// <returns><see langword="false"/> only when <paramref name="destination"/> is too small; the counter does not move then.</returns>
    /// <exception cref="ArgumentException"><paramref name="plaintext"/> is longer than <see cref="MaxPlaintextSize"/>, or the buffers partly overlap.</exception>
    /// <exception cref="InvalidOperationException">This side cannot send, or the counter is exhausted.</exception>
    /// <exception cref="ObjectDisposedException">The transport was disposed.</exception>
    public bool TryEncrypt(ReadOnlySpan<byte> plaintext, Span<byte> destination, out int bytesWritten)
    {
        CheckPlaintext(plaintext.Length);
        NoiseCipherState sender = Sender;
        if (destination.Length < plaintext.Length + TagSize)
        {
            bytesWritten = 0;
            return false;
        }

        bytesWritten = sender.EncryptWithAd(default, plaintext, destination);
        return true;
    }

    /// <summary>Decrypts the next message (<c>ciphertext ‖ tag</c>) and returns the plaintext.</summary>
    /// <exception cref="AuthenticationTagMismatchException">The message was tampered with, replayed, reordered, or is not the next one; the counter does not move.</exception>
    /// <exception cref="ArgumentException"><paramref name="ciphertext"/> is shorter than a tag or longer than <see cref="MaxMessageSize"/>.</exception>
    /// <exception cref="InvalidOperationException">This side cannot receive, or the counter is exhausted.</exception>
    /// <exception cref="ObjectDisposedException">The transport was disposed.</exception>
    public byte[] Decrypt(ReadOnlySpan<byte> ciphertext)
    {
        CheckCiphertext(ciphertext.Length);
        byte[] destination = new byte[ciphertext.Length - TagSize];
        Receiver.DecryptWithAd(default, ciphertext, destination);
        return destination;
    }

    /// <summary>Decrypts the next message into <paramref name="destination"/>.</summary>
    /// <returns>The plaintext length: the ciphertext length minus 16.</returns>
    /// <exception cref="AuthenticationTagMismatchException">The message was tampered with, replayed, reordered, or is not the next one;
    /// the destination is zeroed and the counter does not move.</exception>
    /// <exception cref="ArgumentException"><paramref name="ciphertext"/> is shorter than a tag or longer than <see cref="MaxMessageSize"/>,
    /// <paramref name="destination"/> is too small, or the buffers partly overlap (exactly in place is allowed).</exception>
    /// <exception cref="InvalidOperationException">This side cannot receive, or the counter is exhausted.</exception>
    /// <exception cref="ObjectDisposedException">The transport was disposed.</exception>
    public int Decrypt(ReadOnlySpan<byte> ciphertext, Span<byte> destination)
    {
        if (!TryDecrypt(ciphertext, destination, out int bytesWritten))
        {
            Error.ThrowDestinationTooSmall(nameof(destination), ciphertext.Length - TagSize, destination.Length);
        }

        return bytesWritten;
    }

    /// <summary>Decrypts the next message into <paramref name="destination"/> if it is large enough.</summary>
    /// <returns><see langword="false"/> only when <paramref name="destination"/> is too small; authentication failure throws.</returns>
    /// <exception cref="AuthenticationTagMismatchException">The message was tampered with, replayed, reordered, or is not the next one; the counter does not move.</exception>
    /// <exception cref="ArgumentException"><paramref name="ciphertext"/> is shorter than a tag or longer than <see cref="MaxMessageSize"/>, or the buffers partly overlap.</exception>
    /// <exception cref="InvalidOperationException">This side cannot receive, or the counter is exhausted.</exception>
    /// <exception cref="ObjectDisposedException">The transport was disposed.</exception>
    public bool TryDecrypt(ReadOnlySpan<byte> ciphertext, Span<byte> destination, out int bytesWritten)
    {
        CheckCiphertext(ciphertext.Length);
        NoiseCipherState receiver = Receiver;
        if (destination.Length < ciphertext.Length - TagSize)
        {
            bytesWritten = 0;
            return false;
        }

        bytesWritten = receiver.DecryptWithAd(default, ciphertext, destination);
        return true;
    }

    /// <summary>Replaces the sending key with REKEY(k) (§4.2, §11.3); the peer must call <see cref="RekeyReceiving"/> at the same message.</summary>
    /// <exception cref="InvalidOperationException">This side cannot send.</exception>
    /// <exception cref="ObjectDisposedException">The transport was disposed.</exception>
    public void RekeySending() => Sender.Rekey();

    /// <summary>Replaces the receiving key with REKEY(k) (§4.2, §11.3), matching the peer's <see cref="RekeySending"/>.</summary>
    /// <exception cref="InvalidOperationException">This side cannot receive.</exception>
    /// <exception cref="ObjectDisposedException">The transport was disposed.</exception>
    public void RekeyReceiving() => Receiver.Rekey();

    /// <summary>Zeroes both keys. Idempotent.</summary>
    public void Dispose()
    {
        _disposed = true;
        _send?.Dispose();
        _receive?.Dispose();
    }

    /// <summary>Describes the directions only; keys are never shown.</summary>
    public override string ToString() => $"NoiseTransport(send: {(CanSend ? "yes" : "no")}, receive: {(CanReceive ? "yes" : "no")})";

    private static void CheckPlaintext(int length)
    {
        if (length > MaxPlaintextSize)
        {
            throw Error.TooLong("plaintext", "Noise transport plaintext", MaxPlaintextSize, length);
        }
    }

    private static void CheckCiphertext(int length)
    {
        if (length < TagSize)
        {
            throw Error.TooShort("ciphertext", "Noise transport message (ciphertext ‖ tag)", TagSize, length);
        }

        if (length > MaxMessageSize)
        {
            throw Error.TooLong("ciphertext", "Noise transport message", MaxMessageSize, length);
        }
    }
}
