using ContainerSec.Cryptography;
using FsCheck;
using FsCheck.Fluent;

namespace ContainerSec.Tests.Cryptography;

/// <summary><see cref="Hkdf"/>: cross-checks against BouncyCastle's HkdfBytesGenerator and caller mistakes.</summary>
public sealed class HkdfTests
{
    private const int Cases = 100;

    [Theory]
    [MemberData(nameof(Algorithms.HashData), MemberType = typeof(Algorithms))]
    public void DeriveKey_AnyInput_EqualsBouncyCastleHkdf(HashFunction hash)
    {
        TestBytes.Check(Prop.ForAll(Inputs(hash), c =>
        {
            byte[] expected = Reference.Hkdf(hash, c.Ikm, c.Salt, c.Info, c.OutputLength);

            Assert.Equal(expected, Hkdf.DeriveKey(hash, c.Ikm, c.OutputLength, c.Salt, c.Info));
            byte[] output = new byte[c.OutputLength];
            Hkdf.DeriveKey(hash, c.Ikm, output, c.Salt, c.Info);
            Assert.Equal(expected, output);
        }), Cases);
    }

    [Theory]
    [MemberData(nameof(Algorithms.HashData), MemberType = typeof(Algorithms))]
    public void ExtractThenExpand_AnyInput_EqualsDeriveKey(HashFunction hash)
    {
        TestBytes.Check(Prop.ForAll(Inputs(hash), c =>
        {
            byte[] prk = TestBytes.Filled(hash.HashSizeInBytes + 5, 0xAA);
            Assert.Equal(hash.HashSizeInBytes, Hkdf.Extract(hash, c.Ikm, c.Salt, prk));
            Assert.DoesNotContain(prk[hash.HashSizeInBytes..], b => b != 0xAA);
            Assert.Equal(Reference.Hmac(hash, c.Salt.Length == 0 ? new byte[hash.HashSizeInBytes] : c.Salt, c.Ikm), prk[..hash.HashSizeInBytes]);

            byte[] output = new byte[c.OutputLength];
            Hkdf.Expand(hash, prk.AsSpan(0, hash.HashSizeInBytes), output, c.Info);
            Assert.Equal(Hkdf.DeriveKey(hash, c.Ikm, c.OutputLength, c.Salt, c.Info), output);
        }), Cases);
    }

    [Theory]
    [MemberData(nameof(Algorithms.HashData), MemberType = typeof(Algorithms))]
    public void DeriveAeadKey_AnyInput_EncryptsLikeTheImportedDerivedBytes(HashFunction hash)
    {
        TestBytes.Check(Prop.ForAll(Inputs(hash), c =>
        {
            foreach (AeadAlgorithm algorithm in Algorithms.Aead)
            {
                byte[] derived = Reference.Hkdf(hash, c.Ikm, c.Salt, c.Info, algorithm.KeySizeInBytes);
                using AeadKey key = Hkdf.DeriveAeadKey(hash, c.Ikm, c.Salt, c.Info, algorithm, KeyExportPolicy.AllowPlaintextExport);
                using AeadKey imported = AeadKey.Import(algorithm, derived, KeyExportPolicy.AllowPlaintextExport);
                Assert.Same(algorithm, key.Algorithm);
                Assert.Equal(derived, key.Export());

                var random = new Random(c.Seed);
                byte[] nonce = TestBytes.Seeded(random, AeadAlgorithm.NonceSize);
                byte[] plaintext = TestBytes.Seeded(random, c.OutputLength % 100);
                byte[] sealedBytes = key.Encrypt(nonce, plaintext, associatedData: c.Info);
                Assert.Equal(imported.Encrypt(nonce, plaintext, associatedData: c.Info), sealedBytes);
                Assert.Equal(plaintext, imported.Decrypt(nonce, sealedBytes, associatedData: c.Info));
            }

            foreach (MacAlgorithm algorithm in Algorithms.Mac)
            {
                byte[] derived = Reference.Hkdf(hash, c.Ikm, c.Salt, c.Info, algorithm.KeySizeInBytes);
                using MacKey key = Hkdf.DeriveMacKey(hash, c.Ikm, c.Salt, c.Info, algorithm, KeyExportPolicy.AllowPlaintextExport);
                Assert.Same(algorithm, key.Algorithm);
                Assert.Equal(derived, key.Export());
                Assert.Equal(Reference.Hmac(algorithm.HashFunction, derived, c.Info), key.Compute(c.Info));
            }
        }), 25);
    }

    [Theory]
    [MemberData(nameof(Algorithms.HashData), MemberType = typeof(Algorithms))]
    public void DeriveAeadKey_DefaultPolicy_IsNotExportable(HashFunction hash)
    {
        using AeadKey key = Hkdf.DeriveAeadKey(hash, TestBytes.Random(32), [], [], AeadAlgorithm.Aes256Gcm);
        Assert.Equal(KeyExportPolicy.None, key.ExportPolicy);
        Assert.Throws<InvalidOperationException>(() => key.Export());
        using MacKey macKey = Hkdf.DeriveMacKey(hash, TestBytes.Random(32), [], [], MacAlgorithm.HmacSha256);
        Assert.Throws<InvalidOperationException>(() => macKey.Export());
    }

    [Theory]
    [MemberData(nameof(Algorithms.HashData), MemberType = typeof(Algorithms))]
    public void DeriveKey_MaximumOutputLength_WorksAndEqualsBouncyCastle(HashFunction hash)
    {
        int maximum = 255 * hash.HashSizeInBytes;
        byte[] ikm = TestBytes.Random(40);
        byte[] salt = TestBytes.Random(20);
        byte[] info = TestBytes.Random(10);
        byte[] expected = Reference.Hkdf(hash, ikm, salt, info, maximum);

        Assert.Equal(expected, Hkdf.DeriveKey(hash, ikm, maximum, salt, info));
        byte[] output = new byte[maximum];
        Hkdf.DeriveKey(hash, ikm, output, salt, info);
        Assert.Equal(expected, output);

        byte[] prk = new byte[hash.HashSizeInBytes];
        Hkdf.Extract(hash, ikm, salt, prk);
        byte[] expanded = new byte[maximum];
        Hkdf.Expand(hash, prk, expanded, info);
        Assert.Equal(expected, expanded);
    }

    [Theory]
    [MemberData(nameof(Algorithms.HashData), MemberType = typeof(Algorithms))]
    public void DeriveKeyAndExpand_OutputEmptyOrTooLong_ThrowArgumentException(HashFunction hash)
    {
        int tooLong = (255 * hash.HashSizeInBytes) + 1;
        byte[] ikm = TestBytes.Random(32);
        byte[] prk = TestBytes.Random(hash.HashSizeInBytes);

        Assert.Equal("outputLength", Assert.Throws<ArgumentException>(() => Hkdf.DeriveKey(hash, ikm, 0)).ParamName);
        Assert.Equal("outputLength", Assert.Throws<ArgumentException>(() => Hkdf.DeriveKey(hash, ikm, -1)).ParamName);
        Assert.Equal("outputLength", Assert.Throws<ArgumentException>(() => Hkdf.DeriveKey(hash, ikm, tooLong)).ParamName);
        Assert.Equal("outputLength", Assert.Throws<ArgumentException>(() => Hkdf.DeriveKey(hash, ikm, int.MaxValue)).ParamName);

        Assert.Equal("output", Assert.Throws<ArgumentException>(() => Hkdf.DeriveKey(hash, ikm, Span<byte>.Empty)).ParamName);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => Hkdf.DeriveKey(hash, ikm, new byte[tooLong])).ParamName);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => Hkdf.Expand(hash, prk, Span<byte>.Empty)).ParamName);
        ArgumentException ex = Assert.Throws<ArgumentException>(() => Hkdf.Expand(hash, prk, new byte[tooLong]));
        Assert.Equal("output", ex.ParamName);
        TestBytes.AssertDoesNotReveal(ex.Message, prk);
        TestBytes.AssertDoesNotReveal(ex.Message, ikm);
    }

    [Theory]
    [MemberData(nameof(Algorithms.HashData), MemberType = typeof(Algorithms))]
    public void Expand_PrkShorterThanHash_ThrowsArgumentExceptionForPrk(HashFunction hash)
    {
        foreach (int size in new[] { 0, 1, 16, hash.HashSizeInBytes - 1 })
        {
            byte[] prk = TestBytes.Random(size);
            ArgumentException ex = Assert.Throws<ArgumentException>(() => Hkdf.Expand(hash, prk, new byte[32]));
            Assert.Equal("prk", ex.ParamName);
            if (size >= 4)
            {
                TestBytes.AssertDoesNotReveal(ex.Message, prk);
            }
        }

        // A longer prk is fine (RFC 5869 only asks for at least HashLen).
        byte[] longPrk = TestBytes.Random(hash.HashSizeInBytes + 10);
        byte[] output = new byte[32];
        Hkdf.Expand(hash, longPrk, output);
        Assert.False(TestBytes.IsAllZero(output));
    }

    [Theory]
    [MemberData(nameof(Algorithms.HashData), MemberType = typeof(Algorithms))]
    public void Extract_PrkDestinationTooSmall_ThrowsArgumentExceptionForPrk(HashFunction hash)
    {
        byte[] ikm = TestBytes.Random(32);
        foreach (int size in new[] { 0, 1, hash.HashSizeInBytes - 1 })
        {
            byte[] prk = TestBytes.Filled(size, 0xAA);
            ArgumentException ex = Assert.Throws<ArgumentException>(() => Hkdf.Extract(hash, ikm, [], prk));
            Assert.Equal("prk", ex.ParamName);
            Assert.DoesNotContain(prk, b => b != 0xAA);
            TestBytes.AssertDoesNotReveal(ex.Message, ikm);
        }
    }

    [Fact]
    public void AnyOperation_NullHashOrAlgorithm_ThrowsArgumentNullExceptionWithItsName()
    {
        byte[] ikm = TestBytes.Random(32);
        Assert.Equal("hash", Assert.Throws<ArgumentNullException>(() => Hkdf.Extract(null!, ikm, [], new byte[64])).ParamName);
        Assert.Equal("hash", Assert.Throws<ArgumentNullException>(() => Hkdf.Expand(null!, new byte[64], new byte[16])).ParamName);
        Assert.Equal("hash", Assert.Throws<ArgumentNullException>(() => Hkdf.DeriveKey(null!, ikm, new byte[16])).ParamName);
        Assert.Equal("hash", Assert.Throws<ArgumentNullException>(() => Hkdf.DeriveKey(null!, ikm, 16)).ParamName);
        Assert.Equal("hash", Assert.Throws<ArgumentNullException>(() => Hkdf.DeriveAeadKey(null!, ikm, [], [], AeadAlgorithm.Aes256Gcm)).ParamName);
        Assert.Equal("algorithm", Assert.Throws<ArgumentNullException>(() => Hkdf.DeriveAeadKey(HashFunction.Sha256, ikm, [], [], null!)).ParamName);
        Assert.Equal("hash", Assert.Throws<ArgumentNullException>(() => Hkdf.DeriveMacKey(null!, ikm, [], [], MacAlgorithm.HmacSha256)).ParamName);
        Assert.Equal("algorithm", Assert.Throws<ArgumentNullException>(() => Hkdf.DeriveMacKey(HashFunction.Sha256, ikm, [], [], null!)).ParamName);
        Assert.Equal("function", Assert.Throws<ArgumentNullException>(() => new Hasher(null!)).ParamName);
    }

    private static Arbitrary<HkdfCase> Inputs(HashFunction hash)
    {
        int maximum = 255 * hash.HashSizeInBytes;
        Gen<int> outputLength = Gen.Frequency(
            (6, Gen.Choose(1, 2 * hash.HashSizeInBytes)),
            (2, Gen.Choose(1, maximum)),
            (2, Gen.Elements(1, hash.HashSizeInBytes - 1, hash.HashSizeInBytes, hash.HashSizeInBytes + 1, maximum - 1, maximum)));
        Gen<HkdfCase> gen =
            from seed in TestBytes.Seed
            from ikmLength in TestBytes.Length(256)
            from saltLength in TestBytes.Length(256)
            from infoLength in TestBytes.Length(256)
            from length in outputLength
            select HkdfCase.Create(seed, ikmLength, saltLength, infoLength, length);
        return gen.ToArbitrary();
    }
}

/// <summary>One HKDF input, reproducible from its seed and lengths.</summary>
internal sealed class HkdfCase
{
    private HkdfCase(int seed, byte[] ikm, byte[] salt, byte[] info, int outputLength)
    {
        Seed = seed;
        Ikm = ikm;
        Salt = salt;
        Info = info;
        OutputLength = outputLength;
    }

    public int Seed { get; }

    public byte[] Ikm { get; }

    public byte[] Salt { get; }

    public byte[] Info { get; }

    public int OutputLength { get; }

    public static HkdfCase Create(int seed, int ikmLength, int saltLength, int infoLength, int outputLength)
    {
        var random = new Random(seed);
        return new HkdfCase(
            seed,
            TestBytes.Seeded(random, ikmLength),
            TestBytes.Seeded(random, saltLength),
            TestBytes.Seeded(random, infoLength),
            outputLength);
    }

    public override string ToString() =>
        $"HkdfCase(seed: {Seed}, ikm: {Ikm.Length} B, salt: {Salt.Length} B, info: {Info.Length} B, output: {OutputLength} B)";
}
