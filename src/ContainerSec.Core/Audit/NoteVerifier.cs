using System.Security.Cryptography;
using ContainerSec.Cryptography;

namespace ContainerSec.Audit;

/// <summary>
/// A trusted key for opening C2SP signed notes: a key name, a 32-bit key ID and a public key.
/// Ed25519 (signature type 0x01, the note standard) and ECDSA P-256 with SHA-256 and ASN.1 DER
/// signatures (type 0x02, as transparency-dev/witness) are supported.
/// </summary>
/// <remarks>
/// The text form is the C2SP verifier key <c>name+hex(keyID)+base64(type ‖ public key)</c>, where
/// the Ed25519 public key is 32 bytes and the ECDSA one is its SubjectPublicKeyInfo (DER). Key IDs:
/// Ed25519 <c>SHA-256(name ‖ 0x0A ‖ 0x01 ‖ pub32)[:4]</c>; ECDSA <c>SHA-256(SPKI)[:4]</c>.
/// </remarks>
public sealed class NoteVerifier : IDisposable
{
    private readonly VerificationKey _key;
    private readonly byte _type;
    private readonly byte[] _publicKey;

    /// <summary>Creates a verifier for <paramref name="name"/> from a public key the verifier takes ownership of (and disposes).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty, contains white space or '+', or <paramref name="key"/> is neither Ed25519 nor <see cref="SignatureAlgorithm.EcdsaP256Sha256Der"/>.</exception>
    public NoteVerifier(string name, VerificationKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!NoteFormat.IsValidName(name))
        {
            throw new ArgumentException("A note key name is non-empty and has no white space or '+'.", nameof(name));
        }

        (_type, _publicKey) = NoteFormat.Encode(key);
        _key = key;
        Name = name;
        KeyId = NoteFormat.KeyId(name, _type, _publicKey);
    }

    /// <summary>The key name, as it appears on signature lines.</summary>
    public string Name { get; }

    /// <summary>The 32-bit key ID (big-endian first four bytes of the signature).</summary>
    public uint KeyId { get; }

    /// <summary>The signature algorithm of the key.</summary>
    public SignatureAlgorithm Algorithm => _key.Algorithm;

    /// <summary>The C2SP verifier key text <c>name+hex(keyID)+base64(type ‖ public key)</c>.</summary>
    public string VerifierKey => NoteFormat.FormatKey(Name, KeyId, _type, _publicKey);

    /// <summary>Parses a C2SP verifier key <c>name+hex(keyID)+base64(type ‖ public key)</c>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="verifierKey"/> is <see langword="null"/>.</exception>
    /// <exception cref="FormatException">The text is not a verifier key, the type is not 0x01 or 0x02, the key is not a valid
    /// Ed25519 or P-256 public key, or the key ID does not match the name and key.</exception>
    public static NoteVerifier Parse(string verifierKey)
    {
        ArgumentNullException.ThrowIfNull(verifierKey);
        if (verifierKey.Length > 4096 || !NoteFormat.TrySplitKey(verifierKey, out string name, out uint keyId, out byte[] payload))
        {
            throw new FormatException("Not a verifier key of the form name+hex(keyID)+base64(type || public key).");
        }

        VerificationKey key;
        try
        {
            key = payload[0] switch
            {
                NoteFormat.Ed25519Type => VerificationKey.ImportRawPublicKey(SignatureAlgorithm.Ed25519, payload.AsSpan(1)),
                NoteFormat.EcdsaType => VerificationKey.ImportSubjectPublicKeyInfo(SignatureAlgorithm.EcdsaP256Sha256Der, payload.AsSpan(1)),
                _ => throw new FormatException($"Unsupported signature type 0x{payload[0]:x2}: only 0x01 (Ed25519) and 0x02 (ECDSA P-256)."),
            };
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            throw new FormatException("The verifier key does not hold a valid public key.", ex);
        }

        var verifier = new NoteVerifier(name, key);
        if (verifier.KeyId != keyId)
        {
            verifier.Dispose();
            throw new FormatException("The verifier key's key ID does not match its name and public key.");
        }

        return verifier;
    }

    /// <summary>Checks a signature (without the 4-byte key ID) over the note text.</summary>
    internal bool Verify(ReadOnlySpan<byte> text, ReadOnlySpan<byte> signature) => _key.Verify(text, signature);

    /// <summary>Releases the public key.</summary>
    public void Dispose() => _key.Dispose();

    /// <inheritdoc/>
    public override string ToString() => $"NoteVerifier({Name}+{KeyId:x8}, {Algorithm.Name})";
}
