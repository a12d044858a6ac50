using System.Security.Cryptography;
using ContainerSec.Cryptography;
using FsCheck;
using FsCheck.Fluent;

namespace ContainerSec.Tests.Cryptography;

/// <summary>HPKE: round trips in every mode, cross-checks with the BouncyCastle-based reference, tampering, limits and caller mistakes.</summary>
public sealed class HpkeTests
{
    private static readonly byte[] Psk = TestBytes.Random(32);
    private static readonly byte[] PskId = "psk id"u8.ToArray();

    public static IReadOnlyList<HpkeSuite> EncryptingSuites { get; } =
    [
        .. from kem in new[] { HpkeKem.DhKemP256HkdfSha256, HpkeKem.DhKemX25519HkdfSha256 }
           from aead in new[] { HpkeAead.Aes128Gcm, HpkeAead.Aes256Gcm }
           select new HpkeSuite(kem, HpkeKdf.HkdfSha256, aead),
    ];

    public static TheoryData<HpkeSuite, HpkeMode> SuitesAndModes =>
        Algorithms.Cross(EncryptingSuites, HpkeMode.Base, HpkeMode.Psk, HpkeMode.Auth, HpkeMode.AuthPsk);

    public static TheoryData<HpkeSuite> Kems => new(EncryptingSuites.Where(s => s.Aead == HpkeAead.Aes128Gcm));

    [Theory]
    [MemberData(nameof(SuitesAndModes))]
    public void SealOpen_AnyMessages_RoundTripInOrderAndExportAlike(HpkeSuite suite, HpkeMode mode)
    {
        using KeyAgreementPrivateKey recipient = KeyAgreementPrivateKey.Generate(suite.Kem.KeyAgreementAlgorithm);
        using KeyAgreementPrivateKey sender = KeyAgreementPrivateKey.Generate(suite.Kem.KeyAgreementAlgorithm);
        (KeyAgreementPrivateKey? senderKey, byte[] psk, byte[] pskId) = Inputs(mode, sender);
        TestBytes.Check(Prop.ForAll(TestBytes.Seed.ToArbitrary(), seed =>
        {
            var random = new Random(seed);
            byte[] info = TestBytes.Seeded(random, random.Next(0, 70));
            using HpkeSenderContext s = suite.SetupSender(recipient.PublicKey, info, senderKey, psk, pskId);
            using HpkeRecipientContext r = suite.SetupRecipient(s.EncapsulatedKey, recipient, info, senderKey?.PublicKey, psk, pskId);
            Assert.Equal(mode, s.Mode);
            Assert.Equal(mode, r.Mode);
            for (int i = 0; i < 3; i++)
            {
                byte[] plaintext = TestBytes.Seeded(random, random.Next(0, 300)), aad = TestBytes.Seeded(random, random.Next(0, 20));
                Assert.Equal(plaintext, r.Open(s.Seal(plaintext, associatedData: aad), associatedData: aad));
            }

            Assert.Equal(3UL, s.SequenceNumber);
            Assert.Equal(3UL, r.SequenceNumber);
            Assert.Equal(s.Export(info, 42), r.Export(info, 42));
        }), 6);
    }

    [Theory]
    [MemberData(nameof(SuitesAndModes))]
    public void Seal_Ours_OpensWithTheReferenceAndTheReverse(HpkeSuite suite, HpkeMode mode)
    {
        ReferenceHpke reference = ReferenceHpke.For(suite);
        using KeyAgreementPrivateKey recipient = KeyAgreementPrivateKey.Generate(suite.Kem.KeyAgreementAlgorithm, KeyExportPolicy.AllowPlaintextExport);
        using KeyAgreementPrivateKey sender = KeyAgreementPrivateKey.Generate(suite.Kem.KeyAgreementAlgorithm, KeyExportPolicy.AllowPlaintextExport);
        (KeyAgreementPrivateKey? senderKey, byte[] psk, byte[] pskId) = Inputs(mode, sender);
        byte[]? refPsk = psk.Length == 0 ? null : psk, refPskId = pskId.Length == 0 ? null : pskId;
        TestBytes.Check(Prop.ForAll(TestBytes.Seed.ToArbitrary(), seed =>
        {
            var random = new Random(seed);
            byte[] info = TestBytes.Seeded(random, random.Next(0, 40)), aad = TestBytes.Seeded(random, random.Next(0, 20));
            byte[] plaintext = TestBytes.Seeded(random, random.Next(0, 200));

            // Ours → reference: single-shot and the second message of a context.
            byte[] ct = suite.Seal(recipient.PublicKey, plaintext, out byte[] enc, info, aad, senderKey, psk, pskId);
            Assert.Equal(plaintext, reference.Open(enc, recipient.Export(), info, aad, ct, 0, senderKey?.PublicKey.Export(), refPsk, refPskId));
            using (HpkeSenderContext context = suite.SetupSender(recipient.PublicKey, info, senderKey, psk, pskId))
            {
                context.Seal(plaintext, associatedData: aad);
                byte[] second = context.Seal(plaintext, associatedData: aad);
                byte[] contextEnc = context.EncapsulatedKey.ToArray();
                Assert.Equal(plaintext, reference.Open(contextEnc, recipient.Export(), info, aad, second, 1, senderKey?.PublicKey.Export(), refPsk, refPskId));
                Assert.Equal(reference.Export(contextEnc, recipient.Export(), info, aad, 33, senderKey?.PublicKey.Export(), refPsk, refPskId), context.Export(aad, 33));
            }

            // Reference → ours, with an ephemeral key the reference derives itself.
            byte[] skE = reference.DeriveKeyPair(TestBytes.Seeded(random, 32));
            (byte[] refEnc, byte[] refCt) = reference.Seal(recipient.PublicKey.Export(), skE, info, aad, plaintext, senderKey?.Export(), refPsk, refPskId);
            Assert.Equal(plaintext, suite.Open(refEnc, recipient, refCt, info, aad, senderKey?.PublicKey, psk, pskId));
        }), 5);
    }

    [Theory]
    [MemberData(nameof(Kems))]
    public void DeriveKeyPair_AnyIkm_EqualsTheReference(HpkeSuite suite)
    {
        ReferenceHpke reference = ReferenceHpke.For(suite);
        TestBytes.Check(Prop.ForAll(TestBytes.Seed.ToArbitrary(), seed =>
        {
            byte[] ikm = TestBytes.Seeded(new Random(seed), 32 + (seed % 50));
            using KeyAgreementPrivateKey key = suite.Kem.DeriveKeyPair(ikm, KeyExportPolicy.AllowPlaintextExport);
            Assert.Equal(reference.DeriveKeyPair(ikm), key.Export());
            Assert.Equal(KeyExportPolicy.None, suite.Kem.DeriveKeyPair(ikm).ExportPolicy);
        }), 20);
    }

    [Theory]
    [MemberData(nameof(Kems))]
    public void Open_TamperedReorderedOrMismatched_ThrowsAndKeepsTheSequenceNumber(HpkeSuite suite)
    {
        using KeyAgreementPrivateKey recipient = KeyAgreementPrivateKey.Generate(suite.Kem.KeyAgreementAlgorithm);
        using KeyAgreementPrivateKey sender = KeyAgreementPrivateKey.Generate(suite.Kem.KeyAgreementAlgorithm);
        using KeyAgreementPrivateKey impostor = KeyAgreementPrivateKey.Generate(suite.Kem.KeyAgreementAlgorithm);
        using HpkeSenderContext s = suite.SetupSender(recipient.PublicKey, "info"u8, sender, Psk, PskId);
        byte[] first = s.Seal("one"u8, associatedData: "ad"u8), second = s.Seal("two"u8, associatedData: "ad"u8);
        byte[] enc = s.EncapsulatedKey.ToArray();
        using HpkeRecipientContext r = suite.SetupRecipient(enc, recipient, "info"u8, sender.PublicKey, Psk, PskId);

        Assert.Throws<AuthenticationTagMismatchException>(() => r.Open(second, associatedData: "ad"u8)); // reordered
        Assert.Throws<AuthenticationTagMismatchException>(() => r.Open(TestBytes.FlipBit(first, 3), associatedData: "ad"u8));
        Assert.Throws<AuthenticationTagMismatchException>(() => r.Open(first, associatedData: "AD"u8));
        Assert.Equal(0UL, r.SequenceNumber);
        Assert.Equal("one"u8.ToArray(), r.Open(first, associatedData: "ad"u8));
        Assert.Throws<AuthenticationTagMismatchException>(() => r.Open(first, associatedData: "ad"u8)); // replayed
        Assert.Equal("two"u8.ToArray(), r.Open(second, associatedData: "ad"u8));

        Assert.Throws<AuthenticationTagMismatchException>(() => suite.Open(enc, recipient, first, "other"u8, "ad"u8, sender.PublicKey, Psk, PskId));
        Assert.Throws<AuthenticationTagMismatchException>(() => suite.Open(enc, recipient, first, "info"u8, "ad"u8, impostor.PublicKey, Psk, PskId));
        Assert.Throws<AuthenticationTagMismatchException>(() => suite.Open(enc, recipient, first, "info"u8, "ad"u8, sender.PublicKey, TestBytes.Random(32), PskId));
        Assert.Throws<AuthenticationTagMismatchException>(() => suite.Open(enc, recipient, first, "info"u8, "ad"u8, sender.PublicKey, Psk, "other"u8));
        Assert.Throws<AuthenticationTagMismatchException>(() => suite.Open(enc, recipient, first, "info"u8, "ad"u8, null, Psk, PskId));
        Assert.Throws<AuthenticationTagMismatchException>(() => suite.Open(enc, impostor, first, "info"u8, "ad"u8, sender.PublicKey, Psk, PskId));
    }

    [Theory]
    [MemberData(nameof(Kems))]
    public void Seal_ConcurrentCallersOnOneContext_EachMessageGetsItsOwnSequenceNumber(HpkeSuite suite)
    {
        using KeyAgreementPrivateKey recipient = KeyAgreementPrivateKey.Generate(suite.Kem.KeyAgreementAlgorithm);
        using HpkeSenderContext s = suite.SetupSender(recipient.PublicKey);
        using HpkeRecipientContext r = suite.SetupRecipient(s.EncapsulatedKey, recipient);
        var sealedMessages = new System.Collections.Concurrent.ConcurrentBag<byte[]>();

        Parallel.For(0, 16, i => sealedMessages.Add(s.Seal(new byte[] { (byte)i })));

        // For each sequence number in turn, one remaining message opens: no sequence number (nonce) was used twice.
        var remaining = sealedMessages.ToList();
        var opened = new HashSet<byte>();
        for (ulong sequence = 0; sequence < 16; sequence++)
        {
            byte[] next = remaining.First(ct => Record.Exception(() => opened.Add(r.Open(ct)[0])) is null);
            remaining.Remove(next);
            Assert.Equal(sequence + 1, r.SequenceNumber);
        }

        Assert.Empty(remaining);
        Assert.Equal(16, opened.Count);
        Assert.Equal(16UL, s.SequenceNumber);
    }

    [Theory]
    [MemberData(nameof(Kems))]
    public void Seal_SequenceNumberAtTheLimit_ThrowsInvalidOperationException(HpkeSuite suite)
    {
        using KeyAgreementPrivateKey recipient = KeyAgreementPrivateKey.Generate(suite.Kem.KeyAgreementAlgorithm);
        using HpkeSenderContext s = suite.SetupSender(recipient.PublicKey);
        using HpkeRecipientContext r = suite.SetupRecipient(s.EncapsulatedKey, recipient);
        s.Core.SetSequenceNumber(ulong.MaxValue - 1);
        r.Core.SetSequenceNumber(ulong.MaxValue - 1);

        byte[] last = s.Seal("last"u8);
        Assert.Equal("last"u8.ToArray(), r.Open(last));
        Assert.Equal(ulong.MaxValue, s.SequenceNumber);
        Assert.Throws<InvalidOperationException>(() => s.Seal("over"u8));
        Assert.Throws<InvalidOperationException>(() => r.Open(last));
        Assert.Equal(ulong.MaxValue, s.SequenceNumber);
    }

    [Theory]
    [MemberData(nameof(Kems))]
    public void ExportOnly_SealAndOpenRefused_ExportsAgree(HpkeSuite encrypting)
    {
        var suite = new HpkeSuite(encrypting.Kem, HpkeKdf.HkdfSha256, HpkeAead.ExportOnly);
        ReferenceHpke reference = ReferenceHpke.For(suite);
        using KeyAgreementPrivateKey recipient = KeyAgreementPrivateKey.Generate(suite.Kem.KeyAgreementAlgorithm, KeyExportPolicy.AllowPlaintextExport);
        using HpkeSenderContext s = suite.SetupSender(recipient.PublicKey, "info"u8);
        using HpkeRecipientContext r = suite.SetupRecipient(s.EncapsulatedKey, recipient, "info"u8);

        Assert.Throws<InvalidOperationException>(() => s.Seal("x"u8));
        Assert.Throws<InvalidOperationException>(() => r.Open(new byte[20]));
        Assert.Throws<InvalidOperationException>(() => suite.Seal(recipient.PublicKey, "x"u8, out _));
        byte[] exported = s.Export("ctx"u8, 64);
        Assert.Equal(exported, r.Export("ctx"u8, 64));
        Assert.Equal(reference.Export(s.EncapsulatedKey.ToArray(), recipient.Export(), "info"u8.ToArray(), "ctx"u8.ToArray(), 64), exported);
    }

    [Theory]
    [MemberData(nameof(Kems))]
    public void Setup_BadPskInputsOrKeysOfAnotherGroup_ThrowArgumentException(HpkeSuite suite)
    {
        using KeyAgreementPrivateKey recipient = KeyAgreementPrivateKey.Generate(suite.Kem.KeyAgreementAlgorithm);
        KeyAgreementAlgorithm otherGroup = suite.Kem.KeyAgreementAlgorithm == KeyAgreementAlgorithm.X25519 ? KeyAgreementAlgorithm.EcdhP256 : KeyAgreementAlgorithm.X25519;
        using KeyAgreementPrivateKey other = KeyAgreementPrivateKey.Generate(otherGroup);
        byte[] enc = suite.SetupSender(recipient.PublicKey).EncapsulatedKey.ToArray();

        Assert.Equal("pskId", Assert.Throws<ArgumentException>(() => suite.SetupSender(recipient.PublicKey, psk: Psk)).ParamName);
        Assert.Equal("psk", Assert.Throws<ArgumentException>(() => suite.SetupSender(recipient.PublicKey, pskId: PskId)).ParamName);
        Assert.Equal("psk", Assert.Throws<ArgumentException>(() => suite.SetupRecipient(enc, recipient, psk: new byte[31], pskId: PskId)).ParamName);
        Assert.Equal("info", Assert.Throws<ArgumentException>(() => suite.SetupSender(recipient.PublicKey, new byte[65536])).ParamName);
        Assert.Equal("recipientPublicKey", Assert.Throws<ArgumentException>(() => suite.SetupSender(other.PublicKey)).ParamName);
        Assert.Equal("senderPrivateKey", Assert.Throws<ArgumentException>(() => suite.SetupSender(recipient.PublicKey, senderPrivateKey: other)).ParamName);
        Assert.Equal("recipientPrivateKey", Assert.Throws<ArgumentException>(() => suite.SetupRecipient(enc, other)).ParamName);
        Assert.Equal("senderPublicKey", Assert.Throws<ArgumentException>(() => suite.SetupRecipient(enc, recipient, senderPublicKey: other.PublicKey)).ParamName);
        Assert.Equal("ikm", Assert.Throws<ArgumentException>(() => suite.Kem.DeriveKeyPair(new byte[31])).ParamName);
        Assert.Throws<ArgumentNullException>(() => suite.SetupSender(null!));
        Assert.Throws<ArgumentNullException>(() => new HpkeSuite(suite.Kem, suite.Kdf, null!));
        using HpkeSenderContext s = suite.SetupSender(recipient.PublicKey);
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Export([], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Export([], (255 * 32) + 1));
        Assert.Equal(255 * 32, s.Export([], 255 * 32).Length);
    }

    [Theory]
    [MemberData(nameof(Kems))]
    public void SetupRecipient_InvalidEncapsulatedKey_ThrowsCryptographicException(HpkeSuite suite)
    {
        using KeyAgreementPrivateKey recipient = KeyAgreementPrivateKey.Generate(suite.Kem.KeyAgreementAlgorithm);
        byte[] enc = suite.SetupSender(recipient.PublicKey).EncapsulatedKey.ToArray();

        Assert.Throws<CryptographicException>(() => suite.SetupRecipient(enc.AsSpan(1), recipient));
        Assert.Throws<CryptographicException>(() => suite.SetupRecipient(new byte[enc.Length], recipient)); // zero: infinity-like / low order
        if (suite.Kem.KeyAgreementAlgorithm != KeyAgreementAlgorithm.X25519)
        {
            Assert.Throws<CryptographicException>(() => suite.SetupRecipient(TestBytes.FlipBit(enc, (enc.Length * 8) - 1), recipient));
        }
    }

    [Theory]
    [MemberData(nameof(Kems))]
    public void Contexts_Disposed_ThrowObjectDisposedException(HpkeSuite suite)
    {
        using KeyAgreementPrivateKey recipient = KeyAgreementPrivateKey.Generate(suite.Kem.KeyAgreementAlgorithm);
        HpkeSenderContext s = suite.SetupSender(recipient.PublicKey);
        HpkeRecipientContext r = suite.SetupRecipient(s.EncapsulatedKey, recipient);
        byte[] ct = s.Seal("x"u8);
        Assert.Equal($"HpkeSenderContext({suite}, Base)", s.ToString());
        s.Dispose();
        r.Dispose();
        s.Dispose();

        Assert.Throws<ObjectDisposedException>(() => s.Seal("x"u8));
        Assert.Throws<ObjectDisposedException>(() => s.Export([], 16));
        Assert.Throws<ObjectDisposedException>(() => r.Open(ct));
        Assert.Throws<ObjectDisposedException>(() => r.Export([], 16));
    }

    [Theory]
    [MemberData(nameof(Kems))]
    public void SealOpen_SpanShapes_WriteExactlyAndTryReturnsFalseWhenSmall(HpkeSuite suite)
    {
        using KeyAgreementPrivateKey recipient = KeyAgreementPrivateKey.Generate(suite.Kem.KeyAgreementAlgorithm);
        using HpkeSenderContext s = suite.SetupSender(recipient.PublicKey);
        using HpkeRecipientContext r = suite.SetupRecipient(s.EncapsulatedKey, recipient);
        byte[] plaintext = TestBytes.Random(50), destination = new byte[66], opened = new byte[50];

        Assert.False(s.TrySeal(plaintext, new byte[65], out int written));
        Assert.Equal(0, written);
        Assert.Equal(0UL, s.SequenceNumber);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => s.Seal(plaintext, new byte[65])).ParamName);
        Assert.Equal(66, s.Seal(plaintext, destination));
        Assert.True(s.TrySeal(plaintext, new byte[66], out written));
        Assert.Equal(66, written);
        Assert.False(r.TryOpen(destination, new byte[49], out written));
        Assert.Equal(50, r.Open(destination, opened));
        Assert.Equal(plaintext, opened);
        Assert.Equal("ciphertext", Assert.Throws<ArgumentException>(() => r.Open(new byte[15])).ParamName);
    }

    private static (KeyAgreementPrivateKey? Sender, byte[] Psk, byte[] PskId) Inputs(HpkeMode mode, KeyAgreementPrivateKey sender) => mode switch
    {
        HpkeMode.Base => (null, [], []),
        HpkeMode.Psk => (null, Psk, PskId),
        HpkeMode.Auth => (sender, [], []),
        _ => (sender, Psk, PskId),
    };
}
