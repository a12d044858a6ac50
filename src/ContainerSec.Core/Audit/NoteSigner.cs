using System.Text;
using ContainerSec.Cryptography;

namespace ContainerSec.Audit;

/// <summary>
/// Signs C2SP signed notes (and so tlog checkpoints) with a named key: Ed25519 (signature type
/// 0x01) or ECDSA P-256 with SHA-256 and ASN.1 DER signatures (type 0x02).
/// </summary>
/// <remarks>
/// The signer owns its <see cref="SigningKey"/> and disposes it. It never shows key bytes.
/// Ed25519 notes are deterministic; ECDSA signatures are randomised.
/// </remarks>
public sealed class NoteSigner : IDisposable
{
    /// <summary>The longest note text accepted for signing or opening, 1 MiB.</summary>
    public const int MaxNoteBytes = 1 << 20;

    private const string GoSignerPrefix = "PRIVATE+KEY+";

    private readonly SigningKey _key;
    private readonly byte _type;
    private readonly byte[] _publicKey;

    /// <summary>Creates a signer named <paramref name="name"/> that takes ownership of <paramref name="key"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty, contains white space or '+', or <paramref name="key"/> is neither Ed25519 nor <see cref="SignatureAlgorithm.EcdsaP256Sha256Der"/>.</exception>
    public NoteSigner(string name, SigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!NoteFormat.IsValidName(name))
        {
            throw new ArgumentException("A note key name is non-empty and has no white space or '+'.", nameof(name));
        }

        using (VerificationKey verification = key.GetVerificationKey())
        {
            (_type, _publicKey) = NoteFormat.Encode(verification);
        }

        _key = key;
        Name = name;
        KeyId = NoteFormat.KeyId(name, _type, _publicKey);
    }

    /// <summary>The key name written on signature lines.</summary>
    public string Name { get; }

    /// <summary>The 32-bit key ID.</summary>
    public uint KeyId { get; }

    /// <summary>The C2SP verifier key text for this signer's public key.</summary>
    public string VerifierKey => NoteFormat.FormatKey(Name, KeyId, _type, _publicKey);

    /// <summary>
    /// Imports a Go <c>golang.org/x/mod/sumdb/note</c> signer key
    /// <c>PRIVATE+KEY+name+hex(keyID)+base64(0x01 ‖ Ed25519 seed)</c>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="signerKey"/> is <see langword="null"/>.</exception>
    /// <exception cref="FormatException">Not such a key, not Ed25519, or the key ID does not match.</exception>
    public static NoteSigner ParseSignerKey(string signerKey)
    {
        ArgumentNullException.ThrowIfNull(signerKey);
        if (!signerKey.StartsWith(GoSignerPrefix, StringComparison.Ordinal) || signerKey.Length > 4096
            || !NoteFormat.TrySplitKey(signerKey[GoSignerPrefix.Length..], out string name, out uint keyId, out byte[] payload))
        {
            throw new FormatException("Not a signer key of the form PRIVATE+KEY+name+hex(keyID)+base64(type || key).");
        }

        try
        {
            if (payload[0] != NoteFormat.Ed25519Type || payload.Length != 33)
            {
                throw new FormatException("Only Ed25519 signer keys (type 0x01, 32-byte seed) can be imported.");
            }

            var signer = new NoteSigner(name, SigningKey.ImportRawPrivateKey(SignatureAlgorithm.Ed25519, payload.AsSpan(1)));
            if (signer.KeyId != keyId)
            {
                signer.Dispose();
                throw new FormatException("The signer key's key ID does not match its name and public key.");
            }

            return signer;
        }
        finally
        {
            Array.Clear(payload);
        }
    }

    /// <summary>Returns a verifier for this signer's public key (the caller disposes it).</summary>
    /// <exception cref="ObjectDisposedException">The signer was disposed.</exception>
    public NoteVerifier CreateVerifier() => new(Name, _key.GetVerificationKey());

    /// <summary>Signs <paramref name="text"/> and returns the signed note: text, blank line, one signature line.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="text"/> does not end with a newline, contains an ASCII control
    /// character other than newline or a lone surrogate, or is longer than <see cref="MaxNoteBytes"/>.</exception>
    /// <exception cref="ObjectDisposedException">The signer was disposed.</exception>
    public string Sign(string text) => text + "\n" + SignatureLine(text);

    /// <summary>Returns this signer's signature line (<c>— name base64(keyID ‖ signature)\n</c>) over <paramref name="text"/>, to add to a note signed by others.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">As <see cref="Sign(string)"/>.</exception>
    /// <exception cref="ObjectDisposedException">The signer was disposed.</exception>
    public string SignatureLine(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        byte[] message = CheckText(text);
        byte[] signature = _key.Sign(message);
        byte[] payload = new byte[4 + signature.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(payload, KeyId);
        signature.CopyTo(payload, 4);
        return $"\u2014 {Name} {Convert.ToBase64String(payload)}\n";
    }

    /// <summary>Releases the private key.</summary>
    public void Dispose() => _key.Dispose();

    /// <inheritdoc/>
    public override string ToString() => $"NoteSigner({Name}+{KeyId:x8})";

    private static byte[] CheckText(string text)
    {
        if (text.Length > MaxNoteBytes)
        {
            throw Internal.Error.TooLong(nameof(text), "note text", MaxNoteBytes, text.Length);
        }

        byte[] bytes;
        try
        {
            bytes = new UTF8Encoding(false, throwOnInvalidBytes: true).GetBytes(text);
        }
        catch (EncoderFallbackException ex)
        {
            throw new ArgumentException("The note text is not valid Unicode.", nameof(text), ex);
        }

        if (bytes.Length > MaxNoteBytes || bytes.Length == 0 || bytes[^1] != (byte)'\n' || !NoteFormat.IsValidNoteBytes(bytes))
        {
            throw new ArgumentException("Note text must end with a newline, contain no ASCII control character other than newline, and be at most 1 MiB.", nameof(text));
        }

        return bytes;
    }
}
