using ContainerSec.Cryptography;
using FsCheck;
using FsCheck.Fluent;

namespace ContainerSec.Tests.Cryptography;

/// <summary><see cref="HashFunction"/> and <see cref="Hasher"/>: cross-checks against BouncyCastle's SHA-2 digests and caller mistakes.</summary>
public sealed class HashTests
{
    private const int Cases = 100;

    [Theory]
    [MemberData(nameof(Algorithms.HashData), MemberType = typeof(Algorithms))]
    public void HashData_AnyInput_EqualsBouncyCastleDigest(HashFunction function)
    {
        TestBytes.Check(Prop.ForAll(Inputs(), c =>
        {
            byte[] expected = Reference.Hash(function, c.Data);
            Assert.Equal(function.HashSizeInBytes, expected.Length);

            Assert.Equal(expected, function.HashData(c.Data));
            byte[] destination = TestBytes.Filled(function.HashSizeInBytes + 3, 0xAA);
            Assert.Equal(function.HashSizeInBytes, function.HashData(c.Data, destination));
            Assert.Equal(expected, destination[..function.HashSizeInBytes]);
            Assert.DoesNotContain(destination[function.HashSizeInBytes..], b => b != 0xAA);
            Assert.True(function.TryHashData(c.Data, destination, out int written));
            Assert.Equal(function.HashSizeInBytes, written);
            Assert.Equal(expected, destination[..written]);
        }), Cases);
    }

    [Theory]
    [MemberData(nameof(Algorithms.HashData), MemberType = typeof(Algorithms))]
    public void Hasher_AppendInRandomChunks_EqualsBouncyCastleDigest(HashFunction function)
    {
        TestBytes.Check(Prop.ForAll(Inputs(), c =>
        {
            byte[] expected = Reference.Hash(function, c.Data);
            using Hasher hasher = function.CreateHasher();

            byte[] destination = new byte[function.HashSizeInBytes];
            Assert.Equal(function.HashSizeInBytes, hasher.HashData(c.Data, destination));
            Assert.Equal(expected, destination);

            AppendInChunks(hasher, c);
            Assert.Equal(expected, hasher.GetHashAndReset());

            AppendInChunks(hasher, c);
            Array.Clear(destination);
            Assert.Equal(function.HashSizeInBytes, hasher.GetHashAndReset(destination));
            Assert.Equal(expected, destination);

            AppendInChunks(hasher, c);
            Assert.True(hasher.TryGetHashAndReset(destination, out int written));
            Assert.Equal(function.HashSizeInBytes, written);
            Assert.Equal(expected, destination);
        }), Cases);
    }

    [Theory]
    [MemberData(nameof(Algorithms.HashData), MemberType = typeof(Algorithms))]
    public void Hasher_ReusedAcrossManyInputs_EqualsOneShotEachTime(HashFunction function)
    {
        Gen<HashCase[]> gen = Gen.ArrayOf(Inputs().Generator, 20);
        TestBytes.Check(Prop.ForAll(gen.ToArbitrary(), inputs =>
        {
            using Hasher hasher = function.CreateHasher();
            byte[] destination = new byte[function.HashSizeInBytes];
            for (int i = 0; i < inputs.Length; i++)
            {
                HashCase c = inputs[i];
                byte[] expected = function.HashData(c.Data);
                switch (i % 4)
                {
                    case 0:
                        hasher.HashData(c.Data, destination);
                        Assert.Equal(expected, destination);
                        break;
                    case 1:
                        AppendInChunks(hasher, c);
                        Assert.Equal(expected, hasher.GetHashAndReset());
                        break;
                    case 2:
                        // A partial input appended and abandoned must not leak into HashData.
                        hasher.Append(c.Data.AsSpan(0, c.Data.Length / 2));
                        hasher.Append([0x5A]);
                        hasher.HashData(c.Data, destination);
                        Assert.Equal(expected, destination);
                        Assert.Equal(function.HashData([]), hasher.GetHashAndReset());
                        break;
                    default:
                        AppendInChunks(hasher, c);
                        Assert.True(hasher.TryGetHashAndReset(destination, out _));
                        Assert.Equal(expected, destination);
                        break;
                }
            }
        }), 30);
    }

    [Theory]
    [MemberData(nameof(Algorithms.HashData), MemberType = typeof(Algorithms))]
    public void Hasher_NothingAppended_ReturnsTheHashOfEmptyInput(HashFunction function)
    {
        using Hasher hasher = new(function);
        Assert.Equal(Reference.Hash(function, []), hasher.GetHashAndReset());
        Assert.Equal(Reference.Hash(function, []), hasher.GetHashAndReset());
    }

    [Theory]
    [MemberData(nameof(Algorithms.HashData), MemberType = typeof(Algorithms))]
    public void HashData_DestinationTooSmall_ThrowsArgumentExceptionForDestinationAndTryReturnsFalse(HashFunction function)
    {
        foreach (int size in new[] { 0, 1, function.HashSizeInBytes - 1 })
        {
            byte[] destination = TestBytes.Filled(size, 0xAA);
            Assert.Equal("destination", Assert.Throws<ArgumentException>(() => function.HashData([1, 2, 3], destination)).ParamName);
            int bytesWritten = -1;
            Assert.False(function.TryHashData([1, 2, 3], destination, out bytesWritten));
            Assert.Equal(0, bytesWritten);
            Assert.DoesNotContain(destination, b => b != 0xAA);
        }
    }

    [Theory]
    [MemberData(nameof(Algorithms.HashData), MemberType = typeof(Algorithms))]
    public void Hasher_DestinationTooSmall_ThrowsArgumentExceptionForDestinationAndTryReturnsFalseWithoutReset(HashFunction function)
    {
        using Hasher hasher = function.CreateHasher();
        byte[] data = [1, 2, 3];
        foreach (int size in new[] { 0, 1, function.HashSizeInBytes - 1 })
        {
            byte[] destination = TestBytes.Filled(size, 0xAA);
            hasher.Append(data);
            Assert.Equal("destination", Assert.Throws<ArgumentException>(() => hasher.GetHashAndReset(destination)).ParamName);
            Assert.Equal("destination", Assert.Throws<ArgumentException>(() => hasher.HashData(data, destination)).ParamName);

            int bytesWritten = -1;
            Assert.False(hasher.TryGetHashAndReset(destination, out bytesWritten));
            Assert.Equal(0, bytesWritten);
            Assert.DoesNotContain(destination, b => b != 0xAA);

            // Nothing was reset by the refused calls: the appended data is still there.
            Assert.Equal(function.HashData(data), hasher.GetHashAndReset());
        }
    }

    private static void AppendInChunks(Hasher hasher, HashCase c)
    {
        int offset = 0;
        foreach (int cut in c.Cuts)
        {
            hasher.Append(c.Data.AsSpan(offset, cut - offset));
            offset = cut;
        }

        hasher.Append(c.Data.AsSpan(offset));
    }

    private static Arbitrary<HashCase> Inputs()
    {
        Gen<HashCase> gen =
            from seed in TestBytes.Seed
            from length in TestBytes.Length(65536)
            from chunks in Gen.Choose(0, 8)
            select HashCase.Create(seed, length, chunks);
        return gen.ToArbitrary();
    }
}

/// <summary>One hash input and the random points at which to cut it into chunks, reproducible from its seed.</summary>
internal sealed class HashCase
{
    private HashCase(int seed, byte[] data, int[] cuts)
    {
        Seed = seed;
        Data = data;
        Cuts = cuts;
    }

    public int Seed { get; }

    public byte[] Data { get; }

    /// <summary>Ascending offsets in [0, Data.Length]; repeated offsets make empty chunks.</summary>
    public int[] Cuts { get; }

    public static HashCase Create(int seed, int length, int chunks)
    {
        var random = new Random(seed);
        byte[] data = TestBytes.Seeded(random, length);
        int[] cuts = new int[chunks];
        for (int i = 0; i < chunks; i++)
        {
            cuts[i] = random.Next(0, length + 1);
        }

        Array.Sort(cuts);
        return new HashCase(seed, data, cuts);
    }

    public override string ToString() => $"HashCase(seed: {Seed}, data: {Data.Length} B, cuts: [{string.Join(", ", Cuts)}])";
}
