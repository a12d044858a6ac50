using ContainerSec.Cryptography;
using FsCheck;
using FsCheck.Fluent;

namespace ContainerSec.Tests.Cryptography;

/// <summary>
/// Every <see cref="SignatureAlgorithm"/>: round trips in the three shapes, both directions
/// against BouncyCastle, and tamper rejection, as FsCheck properties over random messages.
/// </summary>
public sealed class SignatureTests
{
    private const int Cases = 25;

    // BouncyCastle's RSA private-key operation is slow; fewer cases keep the suite fast.
    private static int CasesFor(SignatureAlgorithm algorithm) => algorithm.IsRsa ? 8 : Cases;

    private static Arbitrary<byte[]> Messages() =>
        (from length in TestBytes.Length(4096) from seed in TestBytes.Seed select TestBytes.Seeded(new Random(seed), length)).ToArbitrary();

    [Theory]
    [MemberData(nameof(Algorithms.SignatureData), MemberType = typeof(Algorithms))]
    public void SignShapes_AnyMessage_VerifyWithOursAndBouncyCastle(SignatureAlgorithm algorithm)
    {
        using SigningKey key = SignatureReference.Key(algorithm);
        using VerificationKey verifier = key.GetVerificationKey();
        byte[] spki = verifier.ExportSubjectPublicKeyInfo();
        int max = key.GetMaxSignatureSize();
        Assert.Equal(max, verifier.GetMaxSignatureSize());

        TestBytes.Check(Prop.ForAll(Messages(), message =>
        {
            byte[] signature = key.Sign(message);
            Assert.True(algorithm.HasVariableSignatureSize ? signature.Length <= max : signature.Length == max);
            Assert.True(verifier.Verify(message, signature));
            Assert.True(SignatureReference.Verify(algorithm, spki, message, signature), "BouncyCastle rejected our signature");

            byte[] destination = TestBytes.Filled(max + 5, 0xAA);
            int written = key.Sign(message, destination);
            Assert.True(verifier.Verify(message, destination.AsSpan(0, written)));
            Assert.True(key.TrySign(message, destination, out int tryWritten));
            Assert.True(verifier.Verify(message, destination.AsSpan(0, tryWritten)));
        }), CasesFor(algorithm));
    }

    [Theory]
    [MemberData(nameof(Algorithms.SignatureData), MemberType = typeof(Algorithms))]
    public void Verify_BouncyCastleSignature_Accepted(SignatureAlgorithm algorithm)
    {
        byte[] pkcs8 = SignatureReference.Pkcs8(algorithm);
        using SigningKey key = SignatureReference.Key(algorithm);
        using VerificationKey verifier = key.GetVerificationKey();

        TestBytes.Check(Prop.ForAll(Messages(), message =>
        {
            byte[] signature = SignatureReference.Sign(algorithm, pkcs8, message);
            Assert.True(verifier.Verify(message, signature), "our verifier rejected BouncyCastle's signature");
        }), CasesFor(algorithm));
    }

    [Theory]
    [MemberData(nameof(Algorithms.SignatureData), MemberType = typeof(Algorithms))]
    public void Verify_OneBitFlippedInMessageOrSignature_ReturnsFalse(SignatureAlgorithm algorithm)
    {
        using SigningKey key = SignatureReference.Key(algorithm);
        using VerificationKey verifier = key.GetVerificationKey();
        Gen<(byte[] Message, int Seed)> gen = from m in Messages().Generator from seed in TestBytes.Seed select (m, seed);

        TestBytes.Check(Prop.ForAll(gen.ToArbitrary(), input =>
        {
            (byte[] message, int seed) = input;
            var random = new Random(seed);
            byte[] signature = key.Sign(message);
            Assert.False(verifier.Verify(message, TestBytes.FlipBit(signature, random.Next(signature.Length * 8))));
            if (message.Length > 0)
            {
                Assert.False(verifier.Verify(TestBytes.FlipBit(message, random.Next(message.Length * 8)), signature));
            }

            Assert.False(verifier.Verify([.. message, 0], signature));
        }), CasesFor(algorithm));
    }

    [Theory]
    [MemberData(nameof(Algorithms.SignatureData), MemberType = typeof(Algorithms))]
    public void Verify_TruncatedOversizedOrEmptySignature_ReturnsFalseWithoutThrowing(SignatureAlgorithm algorithm)
    {
        using SigningKey key = SignatureReference.Key(algorithm);
        using VerificationKey verifier = key.GetVerificationKey();
        byte[] message = "artefact"u8.ToArray();
        byte[] signature = key.Sign(message);
        Assert.True(verifier.Verify(message, signature));

        Assert.False(verifier.Verify(message, []));
        Assert.False(verifier.Verify(message, signature.AsSpan(0, signature.Length - 1)));
        Assert.False(verifier.Verify(message, signature.AsSpan(1)));
        Assert.False(verifier.Verify(message, [.. signature, 0]));
        Assert.False(verifier.Verify(message, new byte[1 << 20]));
        Assert.False(verifier.Verify(message, TestBytes.Filled(signature.Length, 0xFF)));
        Assert.False(verifier.Verify(message, new byte[signature.Length]));
    }

    [Theory]
    [MemberData(nameof(Algorithms.SignatureData), MemberType = typeof(Algorithms))]
    public void SignAndTrySign_DestinationTooSmall_ThrowOrReturnFalse(SignatureAlgorithm algorithm)
    {
        using SigningKey key = SignatureReference.Key(algorithm);
        byte[] small = new byte[algorithm.HasVariableSignatureSize ? 8 : key.GetMaxSignatureSize() - 1];

        Assert.False(key.TrySign("m"u8, small, out _));
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => key.Sign("m"u8, small)).ParamName);
    }

    [Theory]
    [InlineData("ECDSA-P256-SHA256")]
    [InlineData("RSA-PSS-SHA256")]
    [InlineData("Ed25519")]
    public void SignAndVerify_ConcurrentCallsOnOneKey_AllSignaturesVerify(string name)
    {
        SignatureAlgorithm algorithm = Algorithms.Signature.Single(a => a.Name == name);
        using SigningKey key = SignatureReference.Key(algorithm);
        using VerificationKey verifier = key.GetVerificationKey();
        int failures = 0;

        Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            byte[] message = [(byte)i, (byte)(i >> 8), 7];
            byte[] signature = key.Sign(message);
            if (!verifier.Verify(message, signature) || verifier.Verify([.. message, 0], signature))
            {
                Interlocked.Increment(ref failures);
            }
        });

        Assert.Equal(0, failures);
    }

    [Fact]
    public void EcdsaDer_TrySignIntoExactSize_SucceedsWhenTheSignatureFits()
    {
        using SigningKey key = SignatureReference.Key(SignatureAlgorithm.EcdsaP256Sha256Der);
        using VerificationKey verifier = key.GetVerificationKey();
        byte[] signature = key.Sign("x"u8);
        Assert.InRange(signature.Length, 8, 72);
        byte[] destination = new byte[71];

        // 71 bytes hold most DER P-256 signatures (a 72-byte one needs both r and s with the top bit set).
        for (int i = 0; i < 20; i++)
        {
            if (key.TrySign("x"u8, destination, out int written))
            {
                Assert.True(verifier.Verify("x"u8, destination.AsSpan(0, written)));
                return;
            }
        }

        Assert.Fail("20 DER signatures in a row did not fit 71 bytes");
    }

    [Fact]
    public void Ed25519_Rfc8032TestVector1_MatchesExactly()
    {
        // RFC 8032 §7.1, TEST 1 (empty message).
        byte[] secret = Convert.FromHexString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
        byte[] expectedPublic = Convert.FromHexString("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        byte[] expected = Convert.FromHexString(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
        using SigningKey key = SigningKey.ImportRawPrivateKey(SignatureAlgorithm.Ed25519, secret);
        using VerificationKey verifier = key.GetVerificationKey();

        Assert.Equal(expected, key.Sign([]));
        Assert.Equal(expectedPublic, verifier.ExportRawPublicKey());
        Assert.True(verifier.Verify([], expected));
    }

    [Fact]
    public void Ed25519_SignatureWithSPlusL_IsRejected()
    {
        // S + L encodes the same scalar mod L: a malleated signature that a lax verifier accepts.
        using SigningKey key = SignatureReference.Key(SignatureAlgorithm.Ed25519);
        using VerificationKey verifier = key.GetVerificationKey();
        byte[] signature = key.Sign("m"u8);
        var s = new System.Numerics.BigInteger(signature.AsSpan(32), isUnsigned: true);
        var l = System.Numerics.BigInteger.Parse("7237005577332262213973186563042994240857116359379907606001950938285454250989", System.Globalization.CultureInfo.InvariantCulture);
        byte[] malleated = (byte[])signature.Clone();
        (s + l).TryWriteBytes(malleated.AsSpan(32), out int written, isUnsigned: true);
        Assert.Equal(32, written);

        Assert.True(verifier.Verify("m"u8, signature));
        Assert.False(verifier.Verify("m"u8, malleated));
    }

    [Theory]
    [MemberData(nameof(Algorithms.SignatureData), MemberType = typeof(Algorithms))]
    public void Algorithm_Properties_AreConsistent(SignatureAlgorithm algorithm)
    {
        Assert.Equal(algorithm.Name, algorithm.ToString());
        Assert.Equal(algorithm.Name.StartsWith("ECDSA", StringComparison.Ordinal), algorithm.IsEcdsa);
        Assert.Equal(algorithm.Name.StartsWith("RSA", StringComparison.Ordinal), algorithm.IsRsa);
        Assert.Equal(algorithm.Name.EndsWith("-DER", StringComparison.Ordinal), algorithm.HasVariableSignatureSize);
        Assert.Equal(algorithm == SignatureAlgorithm.Ed25519, algorithm.HashFunction is null);
    }

    [Theory]
    [InlineData("ECDSA-P256-SHA256", 64)]
    [InlineData("ECDSA-P384-SHA384", 96)]
    [InlineData("ECDSA-P521-SHA512", 132)]
    [InlineData("ECDSA-P256-SHA256-DER", 72)]
    [InlineData("ECDSA-P384-SHA384-DER", 104)]
    [InlineData("ECDSA-P521-SHA512-DER", 139)]
    [InlineData("Ed25519", 64)]
    [InlineData("RSA-PSS-SHA256", 256)]
    public void GetMaxSignatureSize_MatchesTheEncoding(string name, int expected)
    {
        SignatureAlgorithm algorithm = Algorithms.Signature.Single(a => a.Name == name);
        using SigningKey key = SignatureReference.Key(algorithm);
        Assert.Equal(expected, key.GetMaxSignatureSize());
        if (algorithm.IsEcdsa)
        {
            using var ecdsa = System.Security.Cryptography.ECDsa.Create();
            ecdsa.ImportPkcs8PrivateKey(SignatureReference.Pkcs8(algorithm), out _);
            Assert.Equal(expected, ecdsa.GetMaxSignatureSize(algorithm.HasVariableSignatureSize
                ? System.Security.Cryptography.DSASignatureFormat.Rfc3279DerSequence
                : System.Security.Cryptography.DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        }
    }

    [Fact]
    public void Registry_SignatureAlgorithms_ContainsEveryKnownSingletonOnce()
    {
        Assert.Equal(13, Algorithms.Signature.Count);
        Assert.Equal(Algorithms.Signature.Count, Algorithms.Signature.Select(a => a.Name).Distinct().Count());
    }
}
