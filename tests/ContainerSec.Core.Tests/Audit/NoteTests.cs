using System.Security.Cryptography;
using System.Text;
using ContainerSec.Audit;
using ContainerSec.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace ContainerSec.Tests.Audit;

/// <summary>C2SP signed notes and tlog checkpoints: round trips, key IDs, BouncyCastle cross-check, tampering and caller mistakes.</summary>
public sealed class NoteTests
{
    private const string Text = "example.com/log\n42\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";

    public static TheoryData<SignatureAlgorithm> NoteAlgorithms => new() { SignatureAlgorithm.Ed25519, SignatureAlgorithm.EcdsaP256Sha256Der };

    [Theory]
    [MemberData(nameof(NoteAlgorithms))]
    public void SignThenOpen_TrustedKey_Verified(SignatureAlgorithm algorithm)
    {
        using var signer = new NoteSigner("example.com/log", SigningKey.Generate(algorithm));
        using NoteVerifier verifier = NoteVerifier.Parse(signer.VerifierKey);

        string note = signer.Sign(Text);

        Assert.Equal(NoteOpenStatus.Verified, SignedNote.Open(note, [verifier], out SignedNote? opened));
        Assert.Equal(Text, opened!.Text);
        Assert.Equal(signer.KeyId, Assert.Single(opened.Signatures).KeyId);
        Assert.Equal(signer.VerifierKey, verifier.VerifierKey);
    }

    [Theory]
    [MemberData(nameof(NoteAlgorithms))]
    public void Open_TextTampered_InvalidSignature(SignatureAlgorithm algorithm)
    {
        using var signer = new NoteSigner("example.com/log", SigningKey.Generate(algorithm));
        using NoteVerifier verifier = signer.CreateVerifier();
        string note = signer.Sign(Text).Replace("\n42\n", "\n43\n", StringComparison.Ordinal);

        Assert.Equal(NoteOpenStatus.InvalidSignature, SignedNote.Open(note, [verifier], out SignedNote? opened));
        Assert.Null(opened);
    }

    [Theory]
    [InlineData("padding-bits")]
    [InlineData("tab")]
    [InlineData("carriage-return")]
    public void Open_SignatureBase64NotCanonical_Malformed(string spelling)
    {
        // An Ed25519 note signature is 68 bytes: base64 of 91 characters and one '=', whose last
        // character carries 2 unused bits that a lenient decoder ignores.
        using var signer = new NoteSigner("example.com/log", SigningKey.Generate(SignatureAlgorithm.Ed25519));
        using NoteVerifier verifier = signer.CreateVerifier();
        string note = signer.Sign(Text);
        int pad = note.LastIndexOf("=\n", StringComparison.Ordinal);
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        string changed = spelling switch
        {
            "padding-bits" => note[..(pad - 1)] + Alphabet[Alphabet.IndexOf(note[pad - 1], StringComparison.Ordinal) ^ 1] + note[pad..],
            "tab" => note[..(pad - 10)] + "\t" + note[(pad - 10)..],
            _ => note[..(pad - 10)] + "\r" + note[(pad - 10)..],
        };
        Assert.Equal(Convert.FromBase64String(note[(note.LastIndexOf(' ') + 1)..^1]), Convert.FromBase64String(changed[(changed.LastIndexOf(' ') + 1)..^1]));

        Assert.Equal(NoteOpenStatus.Verified, SignedNote.Open(note, [verifier], out _));
        Assert.Equal(NoteOpenStatus.Malformed, SignedNote.Open(changed, [verifier], out SignedNote? opened));
        Assert.Null(opened);
    }

    [Fact]
    public void DefaultStatus_IsNotVerified()
    {
        // An uninitialised status (a field never assigned, a default struct) must not read as success.
        Assert.NotEqual(NoteOpenStatus.Verified, default);
        Assert.NotEqual(ContainerSec.Policy.ImageSignatureStatus.Verified, default);
        Assert.False(Enum.IsDefined(default(NoteOpenStatus)));
        Assert.False(Enum.IsDefined(default(ContainerSec.Policy.ImageSignatureStatus)));
    }

    [Fact]
    public void Open_SameNameOtherKey_UnverifiedNotInvalid()
    {
        using var signer = new NoteSigner("example.com/log", SigningKey.Generate(SignatureAlgorithm.Ed25519));
        using var other = new NoteSigner("example.com/log", SigningKey.Generate(SignatureAlgorithm.Ed25519));
        using NoteVerifier verifier = other.CreateVerifier();

        Assert.Equal(NoteOpenStatus.Unverified, SignedNote.Open(signer.Sign(Text), [verifier], out _));
    }

    [Fact]
    public void Ed25519KeyId_IsSha256OfNameNewlineTypeAndKey_AndSignatureVerifiesInBouncyCastle()
    {
        using SigningKey key = SigningKey.Generate(SignatureAlgorithm.Ed25519);
        byte[] publicKey;
        using (VerificationKey v = key.GetVerificationKey())
        {
            publicKey = v.ExportRawPublicKey();
        }

        using var signer = new NoteSigner("PeterNeumann", key);
        byte[] hash = SHA256.HashData([.. Encoding.UTF8.GetBytes("PeterNeumann\n"), 0x01, .. publicKey]);
        Assert.Equal(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(hash), signer.KeyId);

        string line = signer.SignatureLine(Text);
        Assert.StartsWith("\u2014 PeterNeumann ", line, StringComparison.Ordinal);
        byte[] payload = Convert.FromBase64String(line["\u2014 PeterNeumann ".Length..^1]);
        var bc = new Ed25519Signer();
        bc.Init(false, new Ed25519PublicKeyParameters(publicKey));
        byte[] message = Encoding.UTF8.GetBytes(Text);
        bc.BlockUpdate(message, 0, message.Length);
        Assert.True(bc.VerifySignature(payload[4..]));
    }

    [Fact]
    public void EcdsaKeyId_IsSha256OfSubjectPublicKeyInfo()
    {
        using SigningKey key = SigningKey.Generate(SignatureAlgorithm.EcdsaP256Sha256Der);
        byte[] spki = key.ExportSubjectPublicKeyInfo();
        using var signer = new NoteSigner("witness.example", key);

        Assert.Equal(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(spki)), signer.KeyId);
        Assert.EndsWith("+" + Convert.ToBase64String([0x02, .. spki]), signer.VerifierKey, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("plus+sign")]
    [InlineData("tab\tname")]
    public void NoteSigner_BadName_ThrowsArgumentException(string name)
    {
        using SigningKey key = SigningKey.Generate(SignatureAlgorithm.Ed25519);

        Assert.Equal("name", Assert.Throws<ArgumentException>(() => new NoteSigner(name, key)).ParamName);
    }

    [Fact]
    public void NoteSigner_UnsupportedAlgorithm_ThrowsArgumentException()
    {
        using SigningKey key = SigningKey.Generate(SignatureAlgorithm.EcdsaP384Sha384Der);

        Assert.Throws<ArgumentException>(() => new NoteSigner("log", key));
    }

    [Theory]
    [InlineData("no final newline")]
    [InlineData("control \u0001 char\n")]
    [InlineData("")]
    public void Sign_BadText_ThrowsArgumentExceptionForText(string text)
    {
        using var signer = new NoteSigner("log", SigningKey.Generate(SignatureAlgorithm.Ed25519));

        Assert.Equal("text", Assert.Throws<ArgumentException>(() => signer.Sign(text)).ParamName);
    }

    [Fact]
    public void Sign_LoneSurrogate_ThrowsArgumentExceptionForText()
    {
        using var signer = new NoteSigner("log", SigningKey.Generate(SignatureAlgorithm.Ed25519));
        string text = "lone " + (char)0xD800 + " surrogate\n";

        Assert.Equal("text", Assert.Throws<ArgumentException>(() => signer.Sign(text)).ParamName);
    }

    [Theory]
    [InlineData("")]
    [InlineData("name+c74f20a3")]
    [InlineData("name+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")]
    [InlineData("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")]
    [InlineData("PeterNeumann+c74f20a3+AhpjZGVm")]
    [InlineData("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T")]
    public void NoteVerifierParse_Malformed_ThrowsFormatException(string vkey)
    {
        Assert.Throws<FormatException>(() => NoteVerifier.Parse(vkey));
    }

    [Fact]
    public void ParseSignerKey_NotPrivateKeyPrefix_ThrowsFormatException()
    {
        Assert.Throws<FormatException>(() => NoteSigner.ParseSignerKey("PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"));
        Assert.Throws<FormatException>(() => NoteSigner.ParseSignerKey("PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"));
    }

    [Fact]
    public void Checkpoint_SignOpen_RoundTripWithExtensions()
    {
        byte[] root = SHA256.HashData("root"u8);
        var checkpoint = new Checkpoint("example.com/log", 123, root, ["ext one", "ext two"]);
        using var signer = new NoteSigner("example.com/log", SigningKey.Generate(SignatureAlgorithm.Ed25519));
        using NoteVerifier verifier = signer.CreateVerifier();

        NoteOpenStatus status = Checkpoint.Open(checkpoint.Sign(signer), [verifier], "example.com/log", out Checkpoint? opened);

        Assert.Equal(NoteOpenStatus.Verified, status);
        Assert.Equal(123UL, opened!.TreeSize);
        Assert.Equal(root, opened.RootHash);
        Assert.Equal(["ext one", "ext two"], opened.Extensions);
        Assert.Equal(NoteOpenStatus.Malformed, Checkpoint.Open(checkpoint.Sign(signer), [verifier], "other.example/log", out _));
    }

    [Theory]
    [InlineData("log\n0123\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")]
    [InlineData("log\n+1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")]
    [InlineData("log\n18446744073709551616\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")]
    [InlineData("log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n")]
    [InlineData("log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n")]
    [InlineData("log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=\n")]
    [InlineData("\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")]
    [InlineData("log\n1\n")]
    public void CheckpointTryParse_Malformed_False(string body)
    {
        Assert.False(Checkpoint.TryParse(body, null, out Checkpoint? checkpoint));
        Assert.Null(checkpoint);
        Assert.Throws<FormatException>(() => Checkpoint.Parse(body));
    }

    [Fact]
    public void Checkpoint_BadArguments_ThrowArgumentException()
    {
        Assert.Equal("rootHash", Assert.Throws<ArgumentException>(() => new Checkpoint("log", 1, new byte[31])).ParamName);
        Assert.Equal("origin", Assert.Throws<ArgumentException>(() => new Checkpoint("a\nb", 1, new byte[32])).ParamName);
        Assert.Equal("extensions", Assert.Throws<ArgumentException>(() => new Checkpoint("log", 1, new byte[32], [""])).ParamName);
    }
}
