using System.Buffers.Binary;
using System.Text;

namespace ContainerSec.Audit;

/// <summary>The outcome of opening a signed note: a value, never an exception.</summary>
public enum NoteOpenStatus
{
    /// <summary>Well formed, and at least one signature by a trusted key verified (and none by a trusted key failed).</summary>
    Verified = 1, // 0 is no status: a default(NoteOpenStatus) must never read as verified.

    /// <summary>Not a signed note: bad UTF-8, a control character, no blank line before the signatures, a bad signature line, more than 100 signatures, or too long.</summary>
    Malformed,

    /// <summary>Well formed, but no signature is by a trusted key.</summary>
    Unverified,

    /// <summary>A signature whose name and key ID match a trusted key does not verify: the whole note is rejected.</summary>
    InvalidSignature,
}

/// <summary>A signature line of a note: key name, key ID and the base64 of <c>keyID ‖ signature</c>.</summary>
/// <param name="Name">The key name.</param>
/// <param name="KeyId">The 32-bit key ID.</param>
/// <param name="Base64">The base64 payload as written on the line.</param>
public sealed record NoteSignature(string Name, uint KeyId, string Base64);

/// <summary>
/// A C2SP signed note (c2sp.org/signed-note) opened and verified against trusted keys:
/// text ending in a newline, a blank line, then lines <c>— name base64(keyID ‖ signature)</c>.
/// </summary>
/// <remarks>
/// Opening follows golang.org/x/mod/sumdb/note: signatures by unknown keys (name and key ID not
/// both matching a trusted key) are kept as <see cref="UnverifiedSignatures"/> and ignored; a
/// failing signature by a trusted key rejects the note; repeated signatures are dropped. The
/// text must be treated as untrusted unless the status is <see cref="NoteOpenStatus.Verified"/>.
/// </remarks>
public sealed class SignedNote
{
    /// <summary>The most signature lines a note may carry.</summary>
    public const int MaxSignatures = 100;

    private SignedNote(string text, IReadOnlyList<NoteSignature> signatures, IReadOnlyList<NoteSignature> unverified)
    {
        Text = text;
        Signatures = signatures;
        UnverifiedSignatures = unverified;
    }

    /// <summary>The signed text, including its final newline.</summary>
    public string Text { get; }

    /// <summary>The signatures that verified with a trusted key.</summary>
    public IReadOnlyList<NoteSignature> Signatures { get; }

    /// <summary>The signatures by keys that are not trusted (not checked).</summary>
    public IReadOnlyList<NoteSignature> UnverifiedSignatures { get; }

    /// <summary>Opens <paramref name="note"/> (UTF-8 bytes) with the trusted <paramref name="verifiers"/>.</summary>
    /// <param name="note">The whole signed note.</param>
    /// <param name="verifiers">The trusted keys; the first of several with the same name and key ID is used.</param>
    /// <param name="signedNote">The opened note when the status is <see cref="NoteOpenStatus.Verified"/>, else <see langword="null"/>.</param>
    /// <returns>The outcome; bad input never throws.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="verifiers"/> is <see langword="null"/> or holds <see langword="null"/>.</exception>
    /// <exception cref="ObjectDisposedException">A matching verifier was disposed.</exception>
    public static NoteOpenStatus Open(ReadOnlySpan<byte> note, IEnumerable<NoteVerifier> verifiers, out SignedNote? signedNote)
    {
        ArgumentNullException.ThrowIfNull(verifiers);
        var trusted = new Dictionary<(string, uint), NoteVerifier>();
        foreach (NoteVerifier verifier in verifiers)
        {
            ArgumentNullException.ThrowIfNull(verifier, nameof(verifiers));
            trusted.TryAdd((verifier.Name, verifier.KeyId), verifier);
        }

        signedNote = null;
        if (note.Length > NoteSigner.MaxNoteBytes + (MaxSignatures * 1024) || !NoteFormat.IsValidNoteBytes(note))
        {
            return NoteOpenStatus.Malformed;
        }

        int split = note.LastIndexOf("\n\n"u8);
        if (split < 0)
        {
            return NoteOpenStatus.Malformed;
        }

        ReadOnlySpan<byte> text = note[..(split + 1)];
        ReadOnlySpan<byte> lines = note[(split + 2)..];
        if (lines.IsEmpty || lines[^1] != (byte)'\n')
        {
            return NoteOpenStatus.Malformed;
        }

        var verified = new List<NoteSignature>();
        var unverified = new List<NoteSignature>();
        var seen = new HashSet<(string, uint)>();
        var seenUnverified = new HashSet<string>(StringComparer.Ordinal);
        int count = 0;
        while (!lines.IsEmpty)
        {
            int end = lines.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = lines[..end];
            lines = lines[(end + 1)..];
            if (!line.StartsWith(NoteFormat.SignaturePrefix) || ++count > MaxSignatures)
            {
                return NoteOpenStatus.Malformed;
            }

            string rest = Encoding.UTF8.GetString(line[NoteFormat.SignaturePrefix.Length..]);
            int space = rest.IndexOf(' ', StringComparison.Ordinal);
            string name = space < 0 ? rest : rest[..space];
            string b64 = space < 0 ? "" : rest[(space + 1)..];
            byte[] payload;
            try
            {
                payload = Convert.FromBase64String(b64);
            }
            catch (FormatException)
            {
                return NoteOpenStatus.Malformed;
            }

            // Only canonical base64: the decoder skips whitespace and ignores the unused low bits of the
            // last character, so without this one signature would have many spellings and a changed
            // byte of a signed note could go unnoticed.
            if (!NoteFormat.IsValidName(name) || b64.Length == 0 || payload.Length < 5 || Convert.ToBase64String(payload) != b64)
            {
                return NoteOpenStatus.Malformed;
            }

            uint keyId = BinaryPrimitives.ReadUInt32BigEndian(payload);
            var signature = new NoteSignature(name, keyId, b64);
            if (!trusted.TryGetValue((name, keyId), out NoteVerifier? verifier))
            {
                if (seenUnverified.Add(rest))
                {
                    unverified.Add(signature);
                }

                continue;
            }

            if (!seen.Add((name, keyId)))
            {
                continue;
            }

            // As golang.org/x/mod/sumdb/note: a bad signature by a trusted key rejects the note at once.
            if (!verifier.Verify(text, payload.AsSpan(4)))
            {
                return NoteOpenStatus.InvalidSignature;
            }

            verified.Add(signature);
        }

        if (verified.Count == 0)
        {
            return NoteOpenStatus.Unverified;
        }

        signedNote = new SignedNote(Encoding.UTF8.GetString(text), verified, unverified);
        return NoteOpenStatus.Verified;
    }

    /// <summary>Opens a signed note given as a string (encoded as UTF-8).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="note"/> or <paramref name="verifiers"/> is <see langword="null"/>.</exception>
    public static NoteOpenStatus Open(string note, IEnumerable<NoteVerifier> verifiers, out SignedNote? signedNote)
    {
        ArgumentNullException.ThrowIfNull(note);
        byte[] bytes;
        try
        {
            bytes = new UTF8Encoding(false, throwOnInvalidBytes: true).GetBytes(note);
        }
        catch (EncoderFallbackException)
        {
            ArgumentNullException.ThrowIfNull(verifiers);
            signedNote = null;
            return NoteOpenStatus.Malformed;
        }

        return Open(bytes, verifiers, out signedNote);
    }
}
