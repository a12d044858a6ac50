using System.Globalization;
using System.Text;

namespace ContainerSec.Audit;

/// <summary>
/// A transparency-log checkpoint in the c2sp.org/tlog-checkpoint format: the note text
/// <c>origin\nsize\nbase64(root)\n</c> followed by optional extension lines, signed as a C2SP
/// signed note (<see cref="NoteSigner"/>, <see cref="SignedNote"/>).
/// </summary>
/// <remarks>
/// Parsing is strict: the origin is a non-empty line; the size is decimal ASCII without sign or
/// leading zeros; the root is standard base64 of exactly 32 bytes; every extension line is
/// non-empty; the body ends with a newline. When an expected origin is given, a different origin
/// is rejected (a checkpoint of another log is not this log's checkpoint).
/// </remarks>
public sealed class Checkpoint
{
    private readonly byte[] _rootHash;

    /// <summary>Creates a checkpoint.</summary>
    /// <exception cref="ArgumentException"><paramref name="origin"/> is empty or contains a newline or control character;
    /// <paramref name="rootHash"/> is not 32 bytes; an extension line is empty or contains a newline or control character.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="origin"/> is <see langword="null"/>.</exception>
    public Checkpoint(string origin, ulong treeSize, ReadOnlySpan<byte> rootHash, IEnumerable<string>? extensions = null)
    {
        ArgumentNullException.ThrowIfNull(origin);
        if (!IsValidLine(origin))
        {
            throw new ArgumentException("The origin is a non-empty line without control characters.", nameof(origin));
        }

        if (rootHash.Length != MerkleHasher.HashSizeInBytes)
        {
            Internal.Error.ThrowWrongSize(nameof(rootHash), "root hash", MerkleHasher.HashSizeInBytes, rootHash.Length);
        }

        string[] lines = extensions is null ? [] : [.. extensions];
        foreach (string line in lines)
        {
            if (line is null || !IsValidLine(line))
            {
                throw new ArgumentException("Each extension line is non-empty and has no control characters.", nameof(extensions));
            }
        }

        Origin = origin;
        TreeSize = treeSize;
        _rootHash = rootHash.ToArray();
        Extensions = lines;
    }

    /// <summary>The log's origin line (conventionally a schema-less URL naming the log).</summary>
    public string Origin { get; }

    /// <summary>The number of leaves.</summary>
    public ulong TreeSize { get; }

    /// <summary>The RFC 9162 root hash of the first <see cref="TreeSize"/> leaves (a copy).</summary>
    public byte[] RootHash => (byte[])_rootHash.Clone();

    /// <summary>The extension lines after the root, in order.</summary>
    public IReadOnlyList<string> Extensions { get; }

    /// <summary>Returns the checkpoint body (the note text): <c>origin\nsize\nbase64(root)\n</c> and the extension lines.</summary>
    public string ToBody()
    {
        var body = new StringBuilder();
        body.Append(Origin).Append('\n')
            .Append(TreeSize.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append(Convert.ToBase64String(_rootHash)).Append('\n');
        foreach (string line in Extensions)
        {
            body.Append(line).Append('\n');
        }

        return body.ToString();
    }

    /// <summary>Signs the body with <paramref name="signer"/> and returns the signed note.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="signer"/> is <see langword="null"/>.</exception>
    /// <exception cref="ObjectDisposedException">The signer was disposed.</exception>
    public string Sign(NoteSigner signer)
    {
        ArgumentNullException.ThrowIfNull(signer);
        return signer.Sign(ToBody());
    }

    /// <summary>Parses a checkpoint body.</summary>
    /// <param name="body">The note text.</param>
    /// <param name="expectedOrigin">When not <see langword="null"/>, the origin the body must carry.</param>
    /// <param name="checkpoint">The checkpoint, or <see langword="null"/> when the result is <see langword="false"/>.</param>
    /// <returns><see langword="false"/> for any malformed body or an origin other than <paramref name="expectedOrigin"/>.</returns>
    public static bool TryParse(string? body, string? expectedOrigin, out Checkpoint? checkpoint)
    {
        checkpoint = null;
        if (body is null || body.Length > NoteSigner.MaxNoteBytes || body.Length == 0 || body[^1] != '\n')
        {
            return false;
        }

        string[] lines = body[..^1].Split('\n');
        if (lines.Length < 3 || !lines.All(IsValidLine))
        {
            return false;
        }

        string origin = lines[0], size = lines[1];
        if ((expectedOrigin is not null && !string.Equals(origin, expectedOrigin, StringComparison.Ordinal))
            || size.Length == 0 || size.Length > 20 || !size.All(char.IsAsciiDigit) || (size.Length > 1 && size[0] == '0')
            || !ulong.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out ulong treeSize))
        {
            return false;
        }

        Span<byte> root = stackalloc byte[MerkleHasher.HashSizeInBytes + 3];
        if (lines[2].Length != 44 || !Convert.TryFromBase64String(lines[2], root, out int rootLength)
            || rootLength != MerkleHasher.HashSizeInBytes || Convert.ToBase64String(root[..rootLength]) != lines[2])
        {
            return false;
        }

        checkpoint = new Checkpoint(origin, treeSize, root[..rootLength], lines[3..]);
        return true;
    }

    /// <summary>Parses a checkpoint body.</summary>
    /// <exception cref="FormatException">The body is malformed or its origin is not <paramref name="expectedOrigin"/>.</exception>
    public static Checkpoint Parse(string body, string? expectedOrigin = null) =>
        TryParse(body, expectedOrigin, out Checkpoint? checkpoint)
            ? checkpoint!
            : throw new FormatException("Not a c2sp.org/tlog-checkpoint body (origin, decimal size, base64 32-byte root, newline-terminated lines), or not of the expected origin.");

    /// <summary>
    /// Opens a signed checkpoint: the note must verify with a trusted key
    /// (<see cref="SignedNote.Open(string, IEnumerable{NoteVerifier}, out SignedNote?)"/>) and its text must
    /// be a checkpoint body of <paramref name="expectedOrigin"/>.
    /// </summary>
    /// <returns><see cref="NoteOpenStatus.Verified"/> with the checkpoint; a note whose verified text is not a checkpoint of the origin is <see cref="NoteOpenStatus.Malformed"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="note"/>, <paramref name="verifiers"/> or <paramref name="expectedOrigin"/> is <see langword="null"/>.</exception>
    public static NoteOpenStatus Open(string note, IEnumerable<NoteVerifier> verifiers, string expectedOrigin, out Checkpoint? checkpoint)
    {
        ArgumentNullException.ThrowIfNull(expectedOrigin);
        checkpoint = null;
        NoteOpenStatus status = SignedNote.Open(note, verifiers, out SignedNote? signed);
        if (status != NoteOpenStatus.Verified)
        {
            return status;
        }

        return TryParse(signed!.Text, expectedOrigin, out checkpoint) ? NoteOpenStatus.Verified : NoteOpenStatus.Malformed;
    }

    /// <inheritdoc/>
    public override string ToString() => $"Checkpoint({Origin}, {TreeSize})";

    private static bool IsValidLine(string line) => line.Length > 0 && !line.Any(char.IsControl);
}
