using System.ComponentModel;
using System.Security.Cryptography;
using ContainerSec.Internal;

namespace ContainerSec.Cryptography;

/// <summary>
/// Hybrid Public Key Encryption (RFC 9180) with one KEM, KDF and AEAD: single-shot
/// <see cref="Seal"/> / <see cref="Open"/>, and sender / recipient contexts for several messages
/// and secret export. Built from the library's own key agreement, HKDF and AES-GCM.
/// </summary>
/// <remarks>
/// <para>The mode follows from the arguments: a <c>psk</c> (with its <c>pskId</c>) selects
/// <see cref="HpkeMode.Psk"/>, a sender key <see cref="HpkeMode.Auth"/>, both
/// <see cref="HpkeMode.AuthPsk"/>, neither <see cref="HpkeMode.Base"/>. Both sides must pass the same
/// <c>info</c>, PSK and PSK id, or opening fails.</para>
/// <para>Refused: a PSK without a PSK id or the reverse, a PSK shorter than 32 bytes (RFC 9180 §9.5
/// requires 32 bytes of entropy), info, PSK, PSK id or exporter context longer than 65,535 bytes
/// (<see cref="ArgumentException"/>); keys of another group than the KEM's (<see cref="ArgumentException"/>);
/// an encapsulated key that is not a valid public key, or a Diffie-Hellman result of zero
/// (<see cref="CryptographicException"/>).</para>
/// </remarks>
public sealed class HpkeSuite
{
    /// <summary>The shortest pre-shared key accepted: 32 bytes.</summary>
    public const int MinPskSizeInBytes = 32;

    /// <summary>Creates the suite of <paramref name="kem"/>, <paramref name="kdf"/> and <paramref name="aead"/>.</summary>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public HpkeSuite(HpkeKem kem, HpkeKdf kdf, HpkeAead aead)
    {
        ArgumentNullException.ThrowIfNull(kem);
        ArgumentNullException.ThrowIfNull(kdf);
        ArgumentNullException.ThrowIfNull(aead);
        Kem = kem;
        Kdf = kdf;
        Aead = aead;
        SuiteId =
        [
            (byte)'H', (byte)'P', (byte)'K', (byte)'E',
            (byte)(kem.Id >> 8), (byte)kem.Id, (byte)(kdf.Id >> 8), (byte)kdf.Id, (byte)(aead.Id >> 8), (byte)aead.Id,
        ];
    }

    /// <summary>The key encapsulation mechanism.</summary>
    public HpkeKem Kem { get; }

    /// <summary>The key derivation function.</summary>
    public HpkeKdf Kdf { get; }

    /// <summary>The AEAD.</summary>
    public HpkeAead Aead { get; }

    /// <summary><c>"HPKE" ‖ I2OSP(kem_id, 2) ‖ I2OSP(kdf_id, 2) ‖ I2OSP(aead_id, 2)</c>.</summary>
    internal byte[] SuiteId { get; }

    /// <summary>
    /// Sets up a sender context: encapsulates a fresh ephemeral key to <paramref name="recipientPublicKey"/>
    /// and runs the key schedule. Send <see cref="HpkeSenderContext.EncapsulatedKey"/> to the recipient.
    /// </summary>
    /// <param name="recipientPublicKey">The recipient's public key (pkR).</param>
    /// <param name="info">Application-supplied context, bound into every key.</param>
    /// <param name="senderPrivateKey">The sender's static key for the auth modes, or <see langword="null"/>.</param>
    /// <param name="psk">The pre-shared key for the PSK modes (at least 32 bytes), or empty.</param>
    /// <param name="pskId">The PSK's identifier; required with <paramref name="psk"/>, empty otherwise.</param>
    /// <exception cref="ArgumentNullException"><paramref name="recipientPublicKey"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A key is for another group, or the PSK inputs are inconsistent, short or too long.</exception>
    /// <exception cref="CryptographicException">A Diffie-Hellman result is refused (all-zero X25519 output).</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="senderPrivateKey"/> was disposed.</exception>
    public HpkeSenderContext SetupSender(KeyAgreementPublicKey recipientPublicKey, ReadOnlySpan<byte> info = default, KeyAgreementPrivateKey? senderPrivateKey = null, ReadOnlySpan<byte> psk = default, ReadOnlySpan<byte> pskId = default)
    {
        using KeyAgreementPrivateKey ephemeral = KeyAgreementPrivateKey.Generate(Kem.KeyAgreementAlgorithm);
        return SetupSenderCore(ephemeral, recipientPublicKey, info, senderPrivateKey, psk, pskId);
    }

    /// <summary>
    /// For known-answer tests only: <see cref="SetupSender"/> with the ephemeral key derived from
    /// <paramref name="ephemeralKeyMaterial"/> by <see cref="HpkeKem.DeriveKeyPair"/> (the <c>ikmE</c>
    /// of RFC 9180's test vectors), as BoringSSL's <c>…_for_testing</c> setup does. Reusing the
    /// material reuses the ephemeral key and voids HPKE's security: production code calls
    /// <see cref="SetupSender"/>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="ephemeralKeyMaterial"/> is shorter than 32 bytes, or as <see cref="SetupSender"/>.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="recipientPublicKey"/> is <see langword="null"/>.</exception>
    /// <exception cref="CryptographicException">A Diffie-Hellman result is refused.</exception>
    // Public so that the conformance runner checks the vectors' sender side through the public API,
    // as BoringSSL exposes its _for_testing setup; hidden from IntelliSense so nobody finds it by accident.
    [EditorBrowsable(EditorBrowsableState.Never)]
    public HpkeSenderContext SetupSenderForTesting(ReadOnlySpan<byte> ephemeralKeyMaterial, KeyAgreementPublicKey recipientPublicKey, ReadOnlySpan<byte> info = default, KeyAgreementPrivateKey? senderPrivateKey = null, ReadOnlySpan<byte> psk = default, ReadOnlySpan<byte> pskId = default)
    {
        using KeyAgreementPrivateKey ephemeral = Kem.DeriveKeyPair(ephemeralKeyMaterial);
        return SetupSenderCore(ephemeral, recipientPublicKey, info, senderPrivateKey, psk, pskId);
    }

    /// <summary>Sets up a recipient context from the sender's <paramref name="encapsulatedKey"/>.</summary>
    /// <param name="encapsulatedKey">The sender's <c>enc</c>.</param>
    /// <param name="recipientPrivateKey">The recipient's private key (skR).</param>
    /// <param name="info">The same context the sender used.</param>
    /// <param name="senderPublicKey">The sender's static public key for the auth modes, or <see langword="null"/>.</param>
    /// <param name="psk">The pre-shared key for the PSK modes, or empty.</param>
    /// <param name="pskId">The PSK's identifier; required with <paramref name="psk"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="recipientPrivateKey"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A key is for another group, or the PSK inputs are inconsistent, short or too long.</exception>
    /// <exception cref="CryptographicException"><paramref name="encapsulatedKey"/> is not a valid public key of the KEM's group, or a
    /// Diffie-Hellman result is refused.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="recipientPrivateKey"/> was disposed.</exception>
    public HpkeRecipientContext SetupRecipient(ReadOnlySpan<byte> encapsulatedKey, KeyAgreementPrivateKey recipientPrivateKey, ReadOnlySpan<byte> info = default, KeyAgreementPublicKey? senderPublicKey = null, ReadOnlySpan<byte> psk = default, ReadOnlySpan<byte> pskId = default)
    {
        ArgumentNullException.ThrowIfNull(recipientPrivateKey);
        CheckGroup(recipientPrivateKey.Algorithm, nameof(recipientPrivateKey));
        if (senderPublicKey is not null)
        {
            CheckGroup(senderPublicKey.Algorithm, nameof(senderPublicKey));
        }

        HpkeMode mode = CheckInputs(info, psk, pskId, senderPublicKey is not null);
        Span<byte> sharedSecret = stackalloc byte[Kem.SharedSecretSizeInBytes];
        try
        {
            HpkeDhKem.Decap(Kem, encapsulatedKey, recipientPrivateKey, senderPublicKey, sharedSecret);
            return new HpkeRecipientContext(this, mode, HpkeContextCore.Create(this, mode, sharedSecret, info, psk, pskId));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(sharedSecret);
        }
    }

    /// <summary>Single-shot encryption (RFC 9180 §6.1): a new context, one message. Returns <c>ciphertext ‖ tag</c>.</summary>
    /// <param name="recipientPublicKey">The recipient's public key.</param>
    /// <param name="plaintext">The message.</param>
    /// <param name="encapsulatedKey">Receives <c>enc</c>, to send with the ciphertext.</param>
    /// <param name="info">Application-supplied context.</param>
    /// <param name="associatedData">Authenticated, unencrypted data.</param>
    /// <param name="senderPrivateKey">The sender's static key for the auth modes, or <see langword="null"/>.</param>
    /// <param name="psk">The pre-shared key for the PSK modes, or empty.</param>
    /// <param name="pskId">The PSK's identifier.</param>
    /// <exception cref="ArgumentNullException"><paramref name="recipientPublicKey"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">As <see cref="SetupSender"/>.</exception>
    /// <exception cref="InvalidOperationException">The AEAD is Export-only.</exception>
    /// <exception cref="CryptographicException">A Diffie-Hellman result is refused.</exception>
    public byte[] Seal(KeyAgreementPublicKey recipientPublicKey, ReadOnlySpan<byte> plaintext, out byte[] encapsulatedKey, ReadOnlySpan<byte> info = default, ReadOnlySpan<byte> associatedData = default, KeyAgreementPrivateKey? senderPrivateKey = null, ReadOnlySpan<byte> psk = default, ReadOnlySpan<byte> pskId = default)
    {
        using HpkeSenderContext context = SetupSender(recipientPublicKey, info, senderPrivateKey, psk, pskId);
        encapsulatedKey = context.EncapsulatedKey.ToArray();
        return context.Seal(plaintext, associatedData);
    }

    /// <summary>Single-shot decryption (RFC 9180 §6.1) of a message from <see cref="Seal"/>.</summary>
    /// <param name="encapsulatedKey">The sender's <c>enc</c>.</param>
    /// <param name="recipientPrivateKey">The recipient's private key.</param>
    /// <param name="ciphertext"><c>ciphertext ‖ tag</c>.</param>
    /// <param name="info">The same context the sender used.</param>
    /// <param name="associatedData">The same associated data the sender used.</param>
    /// <param name="senderPublicKey">The sender's static public key for the auth modes, or <see langword="null"/>.</param>
    /// <param name="psk">The pre-shared key for the PSK modes, or empty.</param>
    /// <param name="pskId">The PSK's identifier.</param>
    /// <exception cref="AuthenticationTagMismatchException">The message, associated data, info, PSK or sender key do not match.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="recipientPrivateKey"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">As <see cref="SetupRecipient"/>, or <paramref name="ciphertext"/> is shorter than a tag.</exception>
    /// <exception cref="InvalidOperationException">The AEAD is Export-only.</exception>
    /// <exception cref="CryptographicException"><paramref name="encapsulatedKey"/> is invalid, or a Diffie-Hellman result is refused.</exception>
    public byte[] Open(ReadOnlySpan<byte> encapsulatedKey, KeyAgreementPrivateKey recipientPrivateKey, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> info = default, ReadOnlySpan<byte> associatedData = default, KeyAgreementPublicKey? senderPublicKey = null, ReadOnlySpan<byte> psk = default, ReadOnlySpan<byte> pskId = default)
    {
        using HpkeRecipientContext context = SetupRecipient(encapsulatedKey, recipientPrivateKey, info, senderPublicKey, psk, pskId);
        return context.Open(ciphertext, associatedData);
    }

    /// <summary>The names of the KEM, KDF and AEAD.</summary>
    public override string ToString() => $"{Kem.Name}, {Kdf.Name}, {Aead.Name}";

    private HpkeSenderContext SetupSenderCore(KeyAgreementPrivateKey ephemeral, KeyAgreementPublicKey recipientPublicKey, ReadOnlySpan<byte> info, KeyAgreementPrivateKey? senderPrivateKey, ReadOnlySpan<byte> psk, ReadOnlySpan<byte> pskId)
    {
        ArgumentNullException.ThrowIfNull(recipientPublicKey);
        CheckGroup(recipientPublicKey.Algorithm, nameof(recipientPublicKey));
        if (senderPrivateKey is not null)
        {
            CheckGroup(senderPrivateKey.Algorithm, nameof(senderPrivateKey));
        }

        HpkeMode mode = CheckInputs(info, psk, pskId, senderPrivateKey is not null);
        Span<byte> sharedSecret = stackalloc byte[Kem.SharedSecretSizeInBytes];
        try
        {
            byte[] enc = HpkeDhKem.Encap(Kem, ephemeral, recipientPublicKey, senderPrivateKey, sharedSecret);
            return new HpkeSenderContext(this, mode, enc, HpkeContextCore.Create(this, mode, sharedSecret, info, psk, pskId));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(sharedSecret);
        }
    }

    private void CheckGroup(KeyAgreementAlgorithm algorithm, string paramName)
    {
        if (!ReferenceEquals(algorithm, Kem.KeyAgreementAlgorithm))
        {
            throw Error.AlgorithmMismatch(paramName, $"{Kem.KeyAgreementAlgorithm.Name} ({Kem.Name})", algorithm.Name);
        }
    }

    /// <summary>VerifyPSKInputs (RFC 9180 §5.1) and the length limits; returns the mode.</summary>
    private static HpkeMode CheckInputs(ReadOnlySpan<byte> info, ReadOnlySpan<byte> psk, ReadOnlySpan<byte> pskId, bool authenticated)
    {
        HpkeLabels.CheckLength(info, nameof(info), "info");
        HpkeLabels.CheckLength(psk, nameof(psk), "PSK");
        HpkeLabels.CheckLength(pskId, nameof(pskId), "PSK id");
        if (psk.IsEmpty != pskId.IsEmpty)
        {
            throw new ArgumentException("An HPKE PSK and its PSK id must be given together (or neither).", psk.IsEmpty ? nameof(psk) : nameof(pskId));
        }

        if (!psk.IsEmpty && psk.Length < MinPskSizeInBytes)
        {
            throw Error.TooShort(nameof(psk), "HPKE pre-shared key", MinPskSizeInBytes, psk.Length);
        }

        return (psk.IsEmpty, authenticated) switch
        {
            (true, false) => HpkeMode.Base,
            (false, false) => HpkeMode.Psk,
            (true, true) => HpkeMode.Auth,
            (false, true) => HpkeMode.AuthPsk,
        };
    }
}
