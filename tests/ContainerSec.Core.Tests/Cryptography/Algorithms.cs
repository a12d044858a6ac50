using System.Reflection;
using ContainerSec.Cryptography;

namespace ContainerSec.Tests.Cryptography;

/// <summary>
/// The one registry of algorithms every contract test runs over. It is read from the public
/// static singletons of each algorithm type, so an algorithm added to the library is tested
/// everywhere without touching a test (and <see cref="Reference"/> must learn it, or the
/// cross-checks fail loudly).
/// </summary>
public static class Algorithms
{
    public static IReadOnlyList<AeadAlgorithm> Aead { get; } = Singletons<AeadAlgorithm>();

    public static IReadOnlyList<MacAlgorithm> Mac { get; } = Singletons<MacAlgorithm>();

    public static IReadOnlyList<HashFunction> Hash { get; } = Singletons<HashFunction>();

    public static IReadOnlyList<KeyAgreementAlgorithm> KeyAgreement { get; } = Singletons<KeyAgreementAlgorithm>();
    public static IReadOnlyList<SignatureAlgorithm> Signature { get; } = Singletons<SignatureAlgorithm>();

    public static TheoryData<AeadAlgorithm> AeadData => Data(Aead);

    public static TheoryData<KeyAgreementAlgorithm> KeyAgreementData => Data(KeyAgreement);

    /// <summary>The NIST-curve ECDH algorithms only.</summary>
    public static TheoryData<KeyAgreementAlgorithm> EcdhData => Data(KeyAgreement.Where(a => a.Name.StartsWith("ECDH", StringComparison.Ordinal)));

    public static TheoryData<MacAlgorithm> MacData => Data(Mac);

    public static TheoryData<HashFunction> HashData => Data(Hash);

    public static TheoryData<SignatureAlgorithm> SignatureData => Data(Signature);

    /// <summary>Every algorithm paired with every value of <paramref name="values"/>.</summary>
    public static TheoryData<T, TValue> Cross<T, TValue>(IEnumerable<T> algorithms, params TValue[] values)
    {
        var data = new TheoryData<T, TValue>();
        foreach (T algorithm in algorithms)
        {
            foreach (TValue value in values)
            {
                data.Add(algorithm, value);
            }
        }

        return data;
    }

    /// <summary>Every algorithm paired with the values <paramref name="values"/> chooses for it.</summary>
    public static TheoryData<T, TValue> Cross<T, TValue>(IEnumerable<T> algorithms, Func<T, IEnumerable<TValue>> values)
    {
        var data = new TheoryData<T, TValue>();
        foreach (T algorithm in algorithms)
        {
            foreach (TValue value in values(algorithm))
            {
                data.Add(algorithm, value);
            }
        }

        return data;
    }

    private static TheoryData<T> Data<T>(IEnumerable<T> items)
    {
        var data = new TheoryData<T>();
        foreach (T item in items)
        {
            data.Add(item);
        }

        return data;
    }

    private static T[] Singletons<T>()
        where T : class
    {
        var found = new List<T>();
        foreach (PropertyInfo property in typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Static))
        {
            if (property.PropertyType == typeof(T) && property.GetValue(null) is T value)
            {
                found.Add(value);
            }
        }

        return [.. found];
    }
}

public sealed class AlgorithmsRegistryTests
{
    [Fact]
    public void Registry_AeadAlgorithms_ContainsEveryKnownSingletonOnce()
    {
        Assert.Equal(2, Algorithms.Aead.Count);
        Assert.Contains(AeadAlgorithm.Aes128Gcm, Algorithms.Aead);
        Assert.Contains(AeadAlgorithm.Aes256Gcm, Algorithms.Aead);
        Assert.Equal(Algorithms.Aead.Count, Algorithms.Aead.Select(a => a.Name).Distinct().Count());
    }

    [Fact]
    public void Registry_MacAlgorithms_ContainsEveryKnownSingletonOnce()
    {
        Assert.Equal(3, Algorithms.Mac.Count);
        Assert.Contains(MacAlgorithm.HmacSha256, Algorithms.Mac);
        Assert.Contains(MacAlgorithm.HmacSha384, Algorithms.Mac);
        Assert.Contains(MacAlgorithm.HmacSha512, Algorithms.Mac);
        Assert.Equal(Algorithms.Mac.Count, Algorithms.Mac.Select(a => a.Name).Distinct().Count());
    }

    [Fact]
    public void Registry_KeyAgreementAlgorithms_ContainsEveryKnownSingletonOnce()
    {
        Assert.Equal(4, Algorithms.KeyAgreement.Count);
        Assert.Contains(KeyAgreementAlgorithm.EcdhP256, Algorithms.KeyAgreement);
        Assert.Contains(KeyAgreementAlgorithm.EcdhP384, Algorithms.KeyAgreement);
        Assert.Contains(KeyAgreementAlgorithm.EcdhP521, Algorithms.KeyAgreement);
        Assert.Contains(KeyAgreementAlgorithm.X25519, Algorithms.KeyAgreement);
        Assert.Equal(Algorithms.KeyAgreement.Count, Algorithms.KeyAgreement.Select(a => a.Name).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Algorithms.KeyAgreementData), MemberType = typeof(Algorithms))]
    public void KeyAgreementAlgorithm_Sizes_MatchTheCurve(KeyAgreementAlgorithm algorithm)
    {
        int expected = algorithm.Name switch { "ECDH-P256" => 32, "ECDH-P384" => 48, "ECDH-P521" => 66, "X25519" => 32, _ => -1 };
        Assert.Equal(expected, algorithm.PrivateKeySizeInBytes);
        Assert.Equal(expected, algorithm.SharedSecretSizeInBytes);
        Assert.Equal(algorithm == KeyAgreementAlgorithm.X25519 ? 32 : 1 + (2 * expected), algorithm.PublicKeySizeInBytes);
        Assert.Equal(algorithm.Name, algorithm.ToString());
    }

    [Fact]
    public void Registry_HashFunctions_ContainsEveryKnownSingletonOnce()
    {
        Assert.Equal(3, Algorithms.Hash.Count);
        Assert.Contains(HashFunction.Sha256, Algorithms.Hash);
        Assert.Contains(HashFunction.Sha384, Algorithms.Hash);
        Assert.Contains(HashFunction.Sha512, Algorithms.Hash);
        Assert.Equal(Algorithms.Hash.Count, Algorithms.Hash.Select(a => a.Name).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Algorithms.AeadData), MemberType = typeof(Algorithms))]
    public void AeadAlgorithm_Sizes_MatchTheFixedGcmParameters(AeadAlgorithm algorithm)
    {
        Assert.Contains(algorithm.KeySizeInBytes, new[] { 16, 24, 32 });
        Assert.Equal(AeadAlgorithm.NonceSize, algorithm.NonceSizeInBytes);
        Assert.Equal(12, algorithm.NonceSizeInBytes);
        Assert.Equal(AeadAlgorithm.TagSize, algorithm.TagSizeInBytes);
        Assert.Equal(16, algorithm.TagSizeInBytes);
        Assert.Equal(algorithm.Name, algorithm.ToString());
        Assert.Equal(algorithm.KeySizeInBytes * 8, int.Parse(algorithm.Name.Split('-')[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [MemberData(nameof(Algorithms.AeadData), MemberType = typeof(Algorithms))]
    public void AeadAlgorithm_GetCiphertextAndPlaintextSize_AddAndRemoveTheTag(AeadAlgorithm algorithm)
    {
        Assert.Equal(16, algorithm.GetCiphertextSize(0));
        Assert.Equal(1016, algorithm.GetCiphertextSize(1000));
        Assert.Equal(0, algorithm.GetPlaintextSize(16));
        Assert.Equal(1000, algorithm.GetPlaintextSize(1016));
        Assert.Equal(int.MaxValue, algorithm.GetCiphertextSize(int.MaxValue - 16));
    }

    [Theory]
    [MemberData(nameof(Algorithms.AeadData), MemberType = typeof(Algorithms))]
    public void AeadAlgorithm_GetSizeOutOfRange_ThrowsArgumentOutOfRange(AeadAlgorithm algorithm)
    {
        Assert.Equal("plaintextLength", Assert.Throws<ArgumentOutOfRangeException>(() => algorithm.GetCiphertextSize(-1)).ParamName);
        Assert.Equal("plaintextLength", Assert.Throws<ArgumentOutOfRangeException>(() => algorithm.GetCiphertextSize(int.MaxValue - 15)).ParamName);
        Assert.Equal("ciphertextLength", Assert.Throws<ArgumentOutOfRangeException>(() => algorithm.GetPlaintextSize(15)).ParamName);
    }

    [Theory]
    [MemberData(nameof(Algorithms.MacData), MemberType = typeof(Algorithms))]
    public void MacAlgorithm_Sizes_FollowTheHashFunction(MacAlgorithm algorithm)
    {
        Assert.Contains(algorithm.HashFunction, Algorithms.Hash);
        Assert.Equal(algorithm.HashFunction.HashSizeInBytes, algorithm.MacSizeInBytes);
        Assert.Equal(algorithm.HashFunction.HashSizeInBytes, algorithm.KeySizeInBytes);
        Assert.True(algorithm.KeySizeInBytes >= MacAlgorithm.MinKeySizeInBytes);
        Assert.Equal(16, MacAlgorithm.MinKeySizeInBytes);
        Assert.Equal("HMAC-" + algorithm.HashFunction.Name, algorithm.Name);
        Assert.Equal(algorithm.Name, algorithm.ToString());
    }

    [Theory]
    [MemberData(nameof(Algorithms.HashData), MemberType = typeof(Algorithms))]
    public void HashFunction_Properties_MatchTheBclName(HashFunction function)
    {
        Assert.Equal(function.Name.Replace("-", string.Empty, StringComparison.Ordinal), function.HashAlgorithmName.Name);
        Assert.Equal(int.Parse(function.Name[4..], System.Globalization.CultureInfo.InvariantCulture) / 8, function.HashSizeInBytes);
        Assert.Equal(function.Name, function.ToString());
    }
}
