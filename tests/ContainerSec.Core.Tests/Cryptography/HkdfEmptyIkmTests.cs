using ContainerSec.Cryptography;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;

namespace ContainerSec.Tests.Cryptography;

/// <summary>RFC 5869 allows an empty input keying material (Noise's Split uses one); the BCL's HKDF refuses it.</summary>
public sealed class HkdfEmptyIkmTests
{
    public static TheoryData<HashFunction> Hashes => new(HashFunction.Sha256, HashFunction.Sha384, HashFunction.Sha512);

    [Theory]
    [MemberData(nameof(Hashes))]
    public void DeriveKey_EmptyIkm_EqualsBouncyCastle(HashFunction hash)
    {
        byte[] salt = [1, 2, 3, 4], info = [5, 6];
        byte[] expected = BouncyHkdf(hash, [], salt, info, 80);

        byte[] derived = Hkdf.DeriveKey(hash, [], 80, salt, info);
        byte[] spanDerived = new byte[80];
        Hkdf.DeriveKey(hash, [], spanDerived, salt, info);
        byte[] prk = new byte[hash.HashSizeInBytes];
        Hkdf.Extract(hash, [], salt, prk);
        byte[] expanded = new byte[80];
        Hkdf.Expand(hash, prk, expanded, info);

        Assert.Equal(expected, derived);
        Assert.Equal(expected, spanDerived);
        Assert.Equal(expected, expanded);
    }

    [Theory]
    [MemberData(nameof(Hashes))]
    public void DeriveKey_EmptyIkmAndEmptySalt_EqualsBouncyCastle(HashFunction hash)
    {
        Assert.Equal(BouncyHkdf(hash, [], [], [], 32), Hkdf.DeriveKey(hash, [], 32));
    }

    private static byte[] BouncyHkdf(HashFunction hash, byte[] ikm, byte[] salt, byte[] info, int length)
    {
        var generator = new HkdfBytesGenerator(hash.HashSizeInBytes switch
        {
            32 => new Sha256Digest(),
            48 => new Sha384Digest(),
            _ => (Org.BouncyCastle.Crypto.IDigest)new Sha512Digest(),
        });
        generator.Init(new HkdfParameters(ikm, salt, info));
        byte[] output = new byte[length];
        generator.GenerateBytes(output, 0, length);
        return output;
    }
}
