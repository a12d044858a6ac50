using ContainerSec.Cryptography;
using FsCheck;
using FsCheck.Fluent;

namespace ContainerSec.Tests.Cryptography;

/// <summary>Round trips of every AEAD shape, and cross-checks against BouncyCastle's AES-GCM.</summary>
public sealed class AeadKeyPropertyTests
{
    private const int MaxInput = 65536;
    private const int Cases = 100;

    [Theory]
    [MemberData(nameof(Algorithms.AeadData), MemberType = typeof(Algorithms))]
    public void EncryptDecrypt_CombinedSpanForm_RoundTrips(AeadAlgorithm algorithm)
    {
        TestBytes.Check(Prop.ForAll(Inputs(algorithm), c =>
        {
            using AeadKey key = AeadKey.Import(algorithm, c.Key);
            byte[] sealedBytes = new byte[c.Plaintext.Length + AeadAlgorithm.TagSize];
            int written = key.Encrypt(c.Nonce, c.Plaintext, sealedBytes, c.AssociatedData);
            Assert.Equal(sealedBytes.Length, written);

            byte[] opened = TestBytes.Filled(c.Plaintext.Length, 0xAA);
            int read = key.Decrypt(c.Nonce, sealedBytes, opened, c.AssociatedData);
            Assert.Equal(c.Plaintext.Length, read);
            Assert.Equal(c.Plaintext, opened);
        }), Cases);
    }

    [Theory]
    [MemberData(nameof(Algorithms.AeadData), MemberType = typeof(Algorithms))]
    public void EncryptDecrypt_AllocatingForm_RoundTripsAndMatchesSpanForm(AeadAlgorithm algorithm)
    {
        TestBytes.Check(Prop.ForAll(Inputs(algorithm), c =>
        {
            using AeadKey key = AeadKey.Import(algorithm, c.Key);
            byte[] sealedBytes = key.Encrypt(c.Nonce, c.Plaintext, associatedData: c.AssociatedData);
            Assert.Equal(algorithm.GetCiphertextSize(c.Plaintext.Length), sealedBytes.Length);

            byte[] viaSpan = new byte[sealedBytes.Length];
            key.Encrypt(c.Nonce, c.Plaintext, viaSpan, c.AssociatedData);
            Assert.Equal(viaSpan, sealedBytes);

            Assert.Equal(c.Plaintext, key.Decrypt(c.Nonce, sealedBytes, associatedData: c.AssociatedData));
        }), Cases);
    }

    [Theory]
    [MemberData(nameof(Algorithms.AeadData), MemberType = typeof(Algorithms))]
    public void TryEncryptTryDecrypt_LargeEnoughDestination_RoundTrips(AeadAlgorithm algorithm)
    {
        TestBytes.Check(Prop.ForAll(Inputs(algorithm), c =>
        {
            using AeadKey key = AeadKey.Import(algorithm, c.Key);

            // A destination larger than needed: only the reported bytes count.
            byte[] sealedBytes = new byte[c.Plaintext.Length + AeadAlgorithm.TagSize + 7];
            Assert.True(key.TryEncrypt(c.Nonce, c.Plaintext, sealedBytes, out int written, c.AssociatedData));
            Assert.Equal(c.Plaintext.Length + AeadAlgorithm.TagSize, written);
            Assert.Equal(key.Encrypt(c.Nonce, c.Plaintext, associatedData: c.AssociatedData), sealedBytes[..written]);

            byte[] opened = new byte[c.Plaintext.Length + 3];
            Assert.True(key.TryDecrypt(c.Nonce, sealedBytes.AsSpan(0, written), opened, out int read, c.AssociatedData));
            Assert.Equal(c.Plaintext.Length, read);
            Assert.Equal(c.Plaintext, opened[..read]);
        }), Cases);
    }

    [Theory]
    [MemberData(nameof(Algorithms.AeadData), MemberType = typeof(Algorithms))]
    public void EncryptDecryptDetached_AnyInput_RoundTripsAndMatchesCombinedForm(AeadAlgorithm algorithm)
    {
        TestBytes.Check(Prop.ForAll(Inputs(algorithm), c =>
        {
            using AeadKey key = AeadKey.Import(algorithm, c.Key);
            byte[] ciphertext = new byte[c.Plaintext.Length];
            byte[] tag = new byte[AeadAlgorithm.TagSize];
            key.EncryptDetached(c.Nonce, c.Plaintext, ciphertext, tag, c.AssociatedData);
            Assert.Equal(key.Encrypt(c.Nonce, c.Plaintext, associatedData: c.AssociatedData), TestBytes.Concat(ciphertext, tag));

            byte[] opened = TestBytes.Filled(c.Plaintext.Length, 0xAA);
            key.DecryptDetached(c.Nonce, ciphertext, tag, opened, c.AssociatedData);
            Assert.Equal(c.Plaintext, opened);
        }), Cases);
    }

    [Theory]
    [MemberData(nameof(Algorithms.AeadData), MemberType = typeof(Algorithms))]
    public void Encrypt_AnyInput_EqualsBouncyCastleAndBouncyCastleDecryptsIt(AeadAlgorithm algorithm)
    {
        TestBytes.Check(Prop.ForAll(Inputs(algorithm), c =>
        {
            using AeadKey key = AeadKey.Import(algorithm, c.Key);
            byte[] ours = key.Encrypt(c.Nonce, c.Plaintext, associatedData: c.AssociatedData);
            byte[] theirs = Reference.GcmEncrypt(algorithm, c.Key, c.Nonce, c.Plaintext, c.AssociatedData);
            Assert.Equal(theirs, ours);
            Assert.Equal(c.Plaintext, Reference.GcmDecrypt(algorithm, c.Key, c.Nonce, ours, c.AssociatedData));
        }), Cases);
    }

    [Theory]
    [MemberData(nameof(Algorithms.AeadData), MemberType = typeof(Algorithms))]
    public void Decrypt_BouncyCastleCiphertext_ReturnsThePlaintextInEveryForm(AeadAlgorithm algorithm)
    {
        TestBytes.Check(Prop.ForAll(Inputs(algorithm), c =>
        {
            byte[] theirs = Reference.GcmEncrypt(algorithm, c.Key, c.Nonce, c.Plaintext, c.AssociatedData);
            using AeadKey key = AeadKey.Import(algorithm, c.Key);

            Assert.Equal(c.Plaintext, key.Decrypt(c.Nonce, theirs, associatedData: c.AssociatedData));

            byte[] opened = new byte[c.Plaintext.Length];
            Assert.True(key.TryDecrypt(c.Nonce, theirs, opened, out int read, c.AssociatedData));
            Assert.Equal(c.Plaintext.Length, read);
            Assert.Equal(c.Plaintext, opened);

            byte[] detached = new byte[c.Plaintext.Length];
            key.DecryptDetached(c.Nonce, theirs.AsSpan(0, c.Plaintext.Length), theirs.AsSpan(c.Plaintext.Length), detached, c.AssociatedData);
            Assert.Equal(c.Plaintext, detached);
        }), Cases);
    }

    private static Arbitrary<AeadCase> Inputs(AeadAlgorithm algorithm)
    {
        Gen<AeadCase> gen =
            from seed in TestBytes.Seed
            from plaintextLength in TestBytes.Length(MaxInput)
            from associatedDataLength in TestBytes.Length(MaxInput)
            select AeadCase.Create(algorithm, seed, plaintextLength, associatedDataLength);
        return gen.ToArbitrary();
    }
}

/// <summary>One AEAD input, reproducible from its seed and lengths (which is all it prints).</summary>
internal sealed class AeadCase
{
    private AeadCase(int seed, byte[] key, byte[] nonce, byte[] plaintext, byte[] associatedData)
    {
        Seed = seed;
        Key = key;
        Nonce = nonce;
        Plaintext = plaintext;
        AssociatedData = associatedData;
    }

    public int Seed { get; }

    public byte[] Key { get; }

    public byte[] Nonce { get; }

    public byte[] Plaintext { get; }

    public byte[] AssociatedData { get; }

    public static AeadCase Create(AeadAlgorithm algorithm, int seed, int plaintextLength, int associatedDataLength)
    {
        var random = new Random(seed);
        return new AeadCase(
            seed,
            TestBytes.Seeded(random, algorithm.KeySizeInBytes),
            TestBytes.Seeded(random, AeadAlgorithm.NonceSize),
            TestBytes.Seeded(random, plaintextLength),
            TestBytes.Seeded(random, associatedDataLength));
    }

    public override string ToString() =>
        $"AeadCase(seed: {Seed}, key: {Key.Length} B, plaintext: {Plaintext.Length} B, associatedData: {AssociatedData.Length} B)";
}
