using ContainerSec.Cryptography;
using FsCheck;
using FsCheck.Fluent;

namespace ContainerSec.Tests.Cryptography;

/// <summary><see cref="MacAlgorithm"/> and <see cref="MacKey"/>: cross-checks against BouncyCastle's HMac and caller mistakes.</summary>
public sealed class MacTests
{
    private const int Cases = 100;

    public static TheoryData<MacAlgorithm, int> ShortKeySizes => Algorithms.Cross(Algorithms.Mac, 0, 1, 15);

    public static TheoryData<MacAlgorithm, int> WrongMacSizes => Algorithms.Cross(
        Algorithms.Mac,
        a => new[] { 0, 16, a.MacSizeInBytes - 1, a.MacSizeInBytes + 1 }.Distinct());

    [Theory]
    [MemberData(nameof(Algorithms.MacData), MemberType = typeof(Algorithms))]
    public void HashDataAndCompute_AnyKeyAndMessage_EqualBouncyCastleHmac(MacAlgorithm algorithm)
    {
        TestBytes.Check(Prop.ForAll(Inputs(), c =>
        {
            byte[] expected = Reference.Hmac(algorithm.HashFunction, c.Key, c.Message);
            Assert.Equal(algorithm.MacSizeInBytes, expected.Length);

            Assert.Equal(expected, algorithm.HashData(c.Key, c.Message));
            byte[] destination = TestBytes.Filled(algorithm.MacSizeInBytes + 3, 0xAA);
            Assert.Equal(algorithm.MacSizeInBytes, algorithm.HashData(c.Key, c.Message, destination));
            Assert.Equal(expected, destination[..algorithm.MacSizeInBytes]);
            Assert.True(algorithm.TryHashData(c.Key, c.Message, destination, out int written));
            Assert.Equal(algorithm.MacSizeInBytes, written);
            Assert.Equal(expected, destination[..written]);

            using MacKey key = MacKey.Import(algorithm, c.Key);
            Assert.Equal(expected, key.Compute(c.Message));
            Assert.Equal(algorithm.MacSizeInBytes, key.Compute(c.Message, destination));
            Assert.Equal(expected, destination[..algorithm.MacSizeInBytes]);
            Assert.True(key.TryCompute(c.Message, destination, out written));
            Assert.Equal(algorithm.MacSizeInBytes, written);
            Assert.Equal(expected, destination[..written]);

            // The keyed state is reused across calls: a second message right after the first is
            // still computed from the key alone.
            Assert.Equal(Reference.Hmac(algorithm.HashFunction, c.Key, [.. c.Message, 1]), key.Compute([.. c.Message, 1]));
            Assert.Equal(expected, key.Compute(c.Message));
        }), Cases);
    }

    [Theory]
    [MemberData(nameof(Algorithms.MacData), MemberType = typeof(Algorithms))]
    public void Verify_RightOrOneBitModifiedTag_AcceptsOnlyTheRightOne(MacAlgorithm algorithm)
    {
        Gen<(MacCase Case, int Bit)> gen =
            from c in Inputs().Generator
            from bit in Gen.Choose(0, (algorithm.MacSizeInBytes * 8) - 1)
            select (c, bit);
        TestBytes.Check(Prop.ForAll(gen.ToArbitrary(), input =>
        {
            (MacCase c, int bit) = input;
            byte[] tag = Reference.Hmac(algorithm.HashFunction, c.Key, c.Message);
            byte[] modified = TestBytes.FlipBit(tag, bit);
            using MacKey key = MacKey.Import(algorithm, c.Key);

            Assert.True(algorithm.Verify(c.Key, c.Message, tag));
            Assert.True(key.Verify(c.Message, tag));
            Assert.False(algorithm.Verify(c.Key, c.Message, modified));
            Assert.False(key.Verify(c.Message, modified));

            // The right tag for another message or another key is not accepted either.
            Assert.False(key.Verify([.. c.Message, 0], tag));
            byte[] otherKey = TestBytes.FlipBit(c.Key, bit % (c.Key.Length * 8));
            Assert.False(algorithm.Verify(otherKey, c.Message, tag));
        }), Cases);
    }

    [Theory]
    [MemberData(nameof(Algorithms.MacData), MemberType = typeof(Algorithms))]
    public void Verify_EveryBitOfTheTagFlipped_ReturnsFalse(MacAlgorithm algorithm)
    {
        byte[] keyBytes = TestBytes.Random(32);
        byte[] message = TestBytes.Random(100);
        byte[] tag = Reference.Hmac(algorithm.HashFunction, keyBytes, message);
        using MacKey key = MacKey.Import(algorithm, keyBytes);
        for (int bit = 0; bit < tag.Length * 8; bit++)
        {
            byte[] modified = TestBytes.FlipBit(tag, bit);
            Assert.False(key.Verify(message, modified));
            Assert.False(algorithm.Verify(keyBytes, message, modified));
        }

        Assert.True(key.Verify(message, tag));
    }

    [Theory]
    [MemberData(nameof(ShortKeySizes))]
    public void AnyOperation_KeyShorterThan16Bytes_ThrowsArgumentExceptionForKey(MacAlgorithm algorithm, int size)
    {
        byte[] key = TestBytes.Random(size);
        byte[] message = TestBytes.Random(10);
        byte[] mac = new byte[algorithm.MacSizeInBytes];
        var calls = new Func<object>[]
        {
            () => MacKey.Import(algorithm, key),
            () => MacKey.Import(algorithm, key, KeyExportPolicy.AllowPlaintextExport),
            () => algorithm.HashData(key, message),
            () => algorithm.HashData(key, message, mac),
            () => algorithm.TryHashData(key, message, mac, out _),
            () => algorithm.Verify(key, message, mac),
        };
        foreach (Func<object> call in calls)
        {
            ArgumentException ex = Assert.Throws<ArgumentException>(call);
            Assert.Equal("key", ex.ParamName);
            Assert.Contains("16", ex.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Algorithms.MacData), MemberType = typeof(Algorithms))]
    public void AnyOperation_Key16Bytes_IsAccepted(MacAlgorithm algorithm)
    {
        byte[] key = TestBytes.Random(MacAlgorithm.MinKeySizeInBytes);
        byte[] message = TestBytes.Random(10);
        byte[] expected = Reference.Hmac(algorithm.HashFunction, key, message);
        using MacKey macKey = MacKey.Import(algorithm, key);
        Assert.Equal(expected, macKey.Compute(message));
        Assert.Equal(expected, algorithm.HashData(key, message));
        Assert.True(algorithm.TryHashData(key, message, new byte[algorithm.MacSizeInBytes], out _));
        Assert.True(algorithm.Verify(key, message, expected));
    }

    [Theory]
    [MemberData(nameof(WrongMacSizes))]
    public void Verify_TagOfWrongLength_ThrowsArgumentExceptionForMac(MacAlgorithm algorithm, int size)
    {
        byte[] keyBytes = TestBytes.Random(32);
        byte[] message = TestBytes.Random(50);
        byte[] tag = Reference.Hmac(algorithm.HashFunction, keyBytes, message);

        // A prefix of the right tag (a truncated tag) must be refused, not compared as a prefix.
        byte[] wrong = size <= tag.Length ? tag[..size] : [.. tag, 0];
        using MacKey key = MacKey.Import(algorithm, keyBytes);

        ArgumentException ex = Assert.Throws<ArgumentException>(() => algorithm.Verify(keyBytes, message, wrong));
        Assert.Equal("mac", ex.ParamName);
        TestBytes.AssertDoesNotReveal(ex.Message, keyBytes);
        ex = Assert.Throws<ArgumentException>(() => key.Verify(message, wrong));
        Assert.Equal("mac", ex.ParamName);
        TestBytes.AssertDoesNotReveal(ex.Message, keyBytes);
    }

    [Theory]
    [MemberData(nameof(Algorithms.MacData), MemberType = typeof(Algorithms))]
    public void HashDataAndCompute_DestinationTooShort_ThrowArgumentExceptionForDestinationAndTryFormsReturnFalse(MacAlgorithm algorithm)
    {
        byte[] keyBytes = TestBytes.Random(32);
        using MacKey key = MacKey.Import(algorithm, keyBytes);
        byte[] destination = TestBytes.Filled(algorithm.MacSizeInBytes - 1, 0xAA);

        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => algorithm.HashData(keyBytes, [1], destination)).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => key.Compute([1], destination)).ParamName);

        int bytesWritten = -1;
        Assert.False(algorithm.TryHashData(keyBytes, [1], destination, out bytesWritten));
        Assert.Equal(0, bytesWritten);
        bytesWritten = -1;
        Assert.False(key.TryCompute([1], destination, out bytesWritten));
        Assert.Equal(0, bytesWritten);
        Assert.DoesNotContain(destination, b => b != 0xAA);
    }

    [Fact]
    public void GenerateAndImport_NullAlgorithm_ThrowsArgumentNullExceptionForAlgorithm()
    {
        Assert.Equal("algorithm", Assert.Throws<ArgumentNullException>(() => MacKey.Generate(null!)).ParamName);
        Assert.Equal("algorithm", Assert.Throws<ArgumentNullException>(() => MacKey.Import(null!, new byte[32])).ParamName);
    }

    [Theory]
    [MemberData(nameof(Algorithms.MacData), MemberType = typeof(Algorithms))]
    public void Generate_Always_MakesAHashSizedKeyThatComputesTheHmac(MacAlgorithm algorithm)
    {
        using MacKey key = MacKey.Generate(algorithm, KeyExportPolicy.AllowPlaintextExport);
        Assert.Same(algorithm, key.Algorithm);
        byte[] bytes = key.Export();
        Assert.Equal(algorithm.KeySizeInBytes, bytes.Length);
        Assert.Equal(Reference.Hmac(algorithm.HashFunction, bytes, [1, 2, 3]), key.Compute([1, 2, 3]));
    }

    private static Arbitrary<MacCase> Inputs()
    {
        Gen<MacCase> gen =
            from seed in TestBytes.Seed
            from keyLength in Gen.Choose(16, 200)
            from messageLength in TestBytes.Length(8192)
            select MacCase.Create(seed, keyLength, messageLength);
        return gen.ToArbitrary();
    }
}

/// <summary>One MAC input, reproducible from its seed and lengths.</summary>
internal sealed class MacCase
{
    private MacCase(int seed, byte[] key, byte[] message)
    {
        Seed = seed;
        Key = key;
        Message = message;
    }

    public int Seed { get; }

    public byte[] Key { get; }

    public byte[] Message { get; }

    public static MacCase Create(int seed, int keyLength, int messageLength)
    {
        var random = new Random(seed);
        return new MacCase(seed, TestBytes.Seeded(random, keyLength), TestBytes.Seeded(random, messageLength));
    }

    public override string ToString() => $"MacCase(seed: {Seed}, key: {Key.Length} B, message: {Message.Length} B)";
}
