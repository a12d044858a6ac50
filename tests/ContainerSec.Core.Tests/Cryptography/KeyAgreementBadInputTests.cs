using System.Security.Cryptography;
using ContainerSec.Cryptography;
using FsCheck;
using FsCheck.Fluent;

namespace ContainerSec.Tests.Cryptography;

/// <summary>Key agreement: invalid peer keys, malformed encodings, caller mistakes and the key lifecycle.</summary>
public sealed class KeyAgreementBadInputTests
{
    /// <summary>Small-order points of Curve25519 (u = 0, 1, and the order-8 points), from the RFC 7748 errata lists.</summary>
    public static TheoryData<string> LowOrderX25519Points => new(
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
        "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");

    public static TheoryData<KeyAgreementAlgorithm, KeyAgreementAlgorithm> MismatchedPairs
    {
        get
        {
            var data = new TheoryData<KeyAgreementAlgorithm, KeyAgreementAlgorithm>();
            foreach (KeyAgreementAlgorithm a in Algorithms.KeyAgreement)
            {
                foreach (KeyAgreementAlgorithm b in Algorithms.KeyAgreement.Where(b => b != a))
                {
                    data.Add(a, b);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(LowOrderX25519Points))]
    public void X25519Agree_SmallOrderPeerKey_ImportsButAgreeThrowsCryptographicException(string hex)
    {
        KeyAgreementPublicKey peer = KeyAgreementPublicKey.Import(KeyAgreementAlgorithm.X25519, Convert.FromHexString(hex));
        using KeyAgreementPrivateKey key = KeyAgreementPrivateKey.Generate(KeyAgreementAlgorithm.X25519);

        CryptographicException ex = Assert.Throws<CryptographicException>(() => key.Agree(peer));
        Assert.Contains("all zeros", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void X25519Import_NonCanonicalAndHighBitPublicKeys_AcceptedAsRfc7748Requires()
    {
        using KeyAgreementPrivateKey key = KeyAgreementPrivateKey.Generate(KeyAgreementAlgorithm.X25519);
        byte[] canonical = key.PublicKey.Export();
        byte[] highBit = (byte[])canonical.Clone();
        highBit[31] |= 0x80;
        using KeyAgreementPrivateKey other = KeyAgreementPrivateKey.Generate(KeyAgreementAlgorithm.X25519);

        using SharedSecret expected = other.Agree(key.PublicKey);
        using SharedSecret masked = other.Agree(KeyAgreementPublicKey.Import(KeyAgreementAlgorithm.X25519, highBit));

        Assert.Equal(expected.RawBytes.ToArray(), masked.RawBytes.ToArray());
    }

    [Theory]
    [MemberData(nameof(Algorithms.KeyAgreementData), MemberType = typeof(Algorithms))]
    public void ImportPublicKey_WrongLength_ThrowsCryptographicException(KeyAgreementAlgorithm algorithm)
    {
        using KeyAgreementPrivateKey key = KeyAgreementPrivateKey.Generate(algorithm);
        byte[] good = key.PublicKey.Export();

        Assert.Throws<CryptographicException>(() => KeyAgreementPublicKey.Import(algorithm, []));
        Assert.Throws<CryptographicException>(() => KeyAgreementPublicKey.Import(algorithm, good.AsSpan(0, good.Length - 1)));
        Assert.Throws<CryptographicException>(() => KeyAgreementPublicKey.Import(algorithm, [.. good, 0]));
    }

    [Theory]
    [MemberData(nameof(Algorithms.EcdhData), MemberType = typeof(Algorithms))]
    public void ImportPublicKey_InvalidEcPoints_ThrowCryptographicException(KeyAgreementAlgorithm algorithm)
    {
        using KeyAgreementPrivateKey key = KeyAgreementPrivateKey.Generate(algorithm);
        byte[] good = key.PublicKey.Export();
        int size = algorithm.PrivateKeySizeInBytes;
        byte[] prime = Reference.Curve(algorithm).Curve.Field.Characteristic.ToByteArrayUnsigned();

        byte[] offCurve = TestBytes.FlipBit(good, (good.Length * 8) - 1);
        byte[] compressed = [(byte)(2 + (good[^1] & 1)), .. good.AsSpan(1, size)];
        byte[] wrongPrefix = (byte[])good.Clone();
        wrongPrefix[0] = 6;
        byte[] zeroPoint = new byte[good.Length];
        zeroPoint[0] = 4;
        byte[] xIsPrime = (byte[])good.Clone();
        prime.CopyTo(xIsPrime, 1 + size - prime.Length);

        Assert.Contains("not on the curve", Assert.Throws<CryptographicException>(() => KeyAgreementPublicKey.Import(algorithm, offCurve)).Message, StringComparison.Ordinal);
        Assert.Contains("compressed", Assert.Throws<CryptographicException>(() => KeyAgreementPublicKey.Import(algorithm, compressed)).Message, StringComparison.Ordinal);
        Assert.Contains("infinity", Assert.Throws<CryptographicException>(() => KeyAgreementPublicKey.Import(algorithm, [0])).Message, StringComparison.Ordinal);
        Assert.Throws<CryptographicException>(() => KeyAgreementPublicKey.Import(algorithm, wrongPrefix));
        Assert.Throws<CryptographicException>(() => KeyAgreementPublicKey.Import(algorithm, zeroPoint));
        Assert.Contains("reduced", Assert.Throws<CryptographicException>(() => KeyAgreementPublicKey.Import(algorithm, xIsPrime)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Algorithms.EcdhData), MemberType = typeof(Algorithms))]
    public void ImportPublicKey_RandomBytes_NeverAcceptsAPointOffTheCurve(KeyAgreementAlgorithm algorithm)
    {
        var curve = Reference.Curve(algorithm).Curve;
        TestBytes.Check(Prop.ForAll(TestBytes.Seed.ToArbitrary(), seed =>
        {
            byte[] candidate = [4, .. TestBytes.Seeded(new Random(seed), algorithm.PublicKeySizeInBytes - 1)];
            bool onCurve;
            try
            {
                onCurve = curve.DecodePoint(candidate).IsValid();
            }
            catch (ArgumentException)
            {
                onCurve = false;
            }

            Exception? ex = Record.Exception(() => KeyAgreementPublicKey.Import(algorithm, candidate));
            Assert.Equal(onCurve, ex is null);
            Assert.True(ex is null or CryptographicException);
        }), 50);
    }

    [Theory]
    [MemberData(nameof(MismatchedPairs))]
    public void ImportSubjectPublicKeyInfo_KeyOfAnotherAlgorithm_ThrowsCryptographicException(KeyAgreementAlgorithm algorithm, KeyAgreementAlgorithm other)
    {
        using KeyAgreementPrivateKey key = KeyAgreementPrivateKey.Generate(other, KeyExportPolicy.AllowPlaintextExport);

        Assert.Throws<CryptographicException>(() => KeyAgreementPublicKey.ImportSubjectPublicKeyInfo(algorithm, key.PublicKey.ExportSubjectPublicKeyInfo()));
        Assert.Throws<CryptographicException>(() => KeyAgreementPrivateKey.ImportPkcs8PrivateKey(algorithm, key.ExportPkcs8PrivateKey()));
    }

    [Theory]
    [MemberData(nameof(MismatchedPairs))]
    public void Agree_PeerKeyOfAnotherAlgorithm_ThrowsArgumentException(KeyAgreementAlgorithm algorithm, KeyAgreementAlgorithm other)
    {
        using KeyAgreementPrivateKey key = KeyAgreementPrivateKey.Generate(algorithm);
        using KeyAgreementPrivateKey peer = KeyAgreementPrivateKey.Generate(other);

        Assert.Equal("peerPublicKey", Assert.Throws<ArgumentException>(() => key.Agree(peer.PublicKey)).ParamName);
    }

    [Theory]
    [MemberData(nameof(Algorithms.EcdhData), MemberType = typeof(Algorithms))]
    public void ImportSubjectPublicKeyInfo_ExplicitCurveParameters_ThrowsCryptographicException(KeyAgreementAlgorithm algorithm)
    {
        using KeyAgreementPrivateKey ours = KeyAgreementPrivateKey.Generate(algorithm);
        using var named = ECDiffieHellman.Create();
        named.ImportSubjectPublicKeyInfo(ours.PublicKey.ExportSubjectPublicKeyInfo(), out _);
        using var explicitKey = ECDiffieHellman.Create(named.ExportExplicitParameters(includePrivateParameters: false));

        byte[] spki = explicitKey.ExportSubjectPublicKeyInfo();

        Assert.Contains("named curves", Assert.Throws<CryptographicException>(() => KeyAgreementPublicKey.ImportSubjectPublicKeyInfo(algorithm, spki)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Algorithms.KeyAgreementData), MemberType = typeof(Algorithms))]
    public void ImportDer_GarbageTruncatedOrTrailing_ThrowsCryptographicException(KeyAgreementAlgorithm algorithm)
    {
        using KeyAgreementPrivateKey key = KeyAgreementPrivateKey.Generate(algorithm, KeyExportPolicy.AllowPlaintextExport);
        byte[] spki = key.PublicKey.ExportSubjectPublicKeyInfo(), pkcs8 = key.ExportPkcs8PrivateKey();

        foreach (byte[] bad in new[] { [], [0x30], TestBytes.Random(40), spki[..^1], [.. spki, 0], TestBytes.FlipBit(spki, 9) })
        {
            Assert.Throws<CryptographicException>(() => KeyAgreementPublicKey.ImportSubjectPublicKeyInfo(algorithm, bad));
        }

        foreach (byte[] bad in new[] { [], [0x30], TestBytes.Random(40), pkcs8[..^1], [.. pkcs8, 0], spki })
        {
            Assert.Throws<CryptographicException>(() => KeyAgreementPrivateKey.ImportPkcs8PrivateKey(algorithm, bad));
        }
    }

    [Theory]
    [MemberData(nameof(Algorithms.KeyAgreementData), MemberType = typeof(Algorithms))]
    public void ImportPrivateKey_WrongLength_ThrowsCryptographicException(KeyAgreementAlgorithm algorithm)
    {
        Assert.Throws<CryptographicException>(() => KeyAgreementPrivateKey.Import(algorithm, new byte[algorithm.PrivateKeySizeInBytes - 1]));
        Assert.Throws<CryptographicException>(() => KeyAgreementPrivateKey.Import(algorithm, new byte[algorithm.PrivateKeySizeInBytes + 1]));
    }

    [Theory]
    [MemberData(nameof(Algorithms.EcdhData), MemberType = typeof(Algorithms))]
    public void ImportPrivateKey_ScalarZeroOrNotBelowOrder_ThrowsCryptographicException(KeyAgreementAlgorithm algorithm)
    {
        var order = Reference.Curve(algorithm).N;
        byte[] n = Org.BouncyCastle.Utilities.BigIntegers.AsUnsignedByteArray(algorithm.PrivateKeySizeInBytes, order);
        byte[] nMinus1 = Org.BouncyCastle.Utilities.BigIntegers.AsUnsignedByteArray(algorithm.PrivateKeySizeInBytes, order.Subtract(Org.BouncyCastle.Math.BigInteger.One));

        Assert.Throws<CryptographicException>(() => KeyAgreementPrivateKey.Import(algorithm, new byte[algorithm.PrivateKeySizeInBytes]));
        Assert.Throws<CryptographicException>(() => KeyAgreementPrivateKey.Import(algorithm, n));
        Assert.Throws<CryptographicException>(() => KeyAgreementPrivateKey.Import(algorithm, TestBytes.Filled(algorithm.PrivateKeySizeInBytes, 0xFF)));
        using KeyAgreementPrivateKey edge = KeyAgreementPrivateKey.Import(algorithm, nMinus1);
        Assert.Equal(Reference.PublicKey(algorithm, nMinus1), edge.PublicKey.Export());
    }

    [Theory]
    [MemberData(nameof(Algorithms.KeyAgreementData), MemberType = typeof(Algorithms))]
    public void Operations_NullArguments_ThrowArgumentNullException(KeyAgreementAlgorithm algorithm)
    {
        using KeyAgreementPrivateKey key = KeyAgreementPrivateKey.Generate(algorithm);
        using SharedSecret secret = key.Agree(key.PublicKey);

        Assert.Equal("algorithm", Assert.Throws<ArgumentNullException>(() => KeyAgreementPrivateKey.Generate(null!)).ParamName);
        Assert.Equal("algorithm", Assert.Throws<ArgumentNullException>(() => KeyAgreementPrivateKey.Import(null!, new byte[32])).ParamName);
        Assert.Equal("algorithm", Assert.Throws<ArgumentNullException>(() => KeyAgreementPrivateKey.ImportPkcs8PrivateKey(null!, new byte[32])).ParamName);
        Assert.Equal("algorithm", Assert.Throws<ArgumentNullException>(() => KeyAgreementPublicKey.Import(null!, new byte[32])).ParamName);
        Assert.Equal("algorithm", Assert.Throws<ArgumentNullException>(() => KeyAgreementPublicKey.ImportSubjectPublicKeyInfo(null!, new byte[32])).ParamName);
        Assert.Equal("peerPublicKey", Assert.Throws<ArgumentNullException>(() => key.Agree(null!)).ParamName);
        Assert.Equal("hash", Assert.Throws<ArgumentNullException>(() => secret.DeriveAeadKey(null!, [], [], AeadAlgorithm.Aes128Gcm)).ParamName);
        Assert.Equal("algorithm", Assert.Throws<ArgumentNullException>(() => secret.DeriveMacKey(HashFunction.Sha256, [], [], null!)).ParamName);
    }

    [Theory]
    [MemberData(nameof(Algorithms.KeyAgreementData), MemberType = typeof(Algorithms))]
    public void Export_DestinationTooSmall_ThrowsOrReturnsFalse(KeyAgreementAlgorithm algorithm)
    {
        using KeyAgreementPrivateKey key = KeyAgreementPrivateKey.Generate(algorithm, KeyExportPolicy.AllowPlaintextExport);
        byte[] small = new byte[algorithm.PrivateKeySizeInBytes - 1];
        byte[] smallPublic = new byte[algorithm.PublicKeySizeInBytes - 1];

        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => key.Export(small)).ParamName);
        Assert.False(key.TryExport(small, out int written));
        Assert.Equal(0, written);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => key.PublicKey.Export(smallPublic)).ParamName);
        Assert.False(key.PublicKey.TryExport(smallPublic, out written));
        Assert.Equal(0, written);
        Assert.True(key.PublicKey.TryExport(new byte[algorithm.PublicKeySizeInBytes], out written));
        Assert.Equal(algorithm.PublicKeySizeInBytes, written);
        Assert.Equal(algorithm.PublicKeySizeInBytes, key.PublicKey.Export(new byte[algorithm.PublicKeySizeInBytes]));
    }

    [Theory]
    [MemberData(nameof(Algorithms.KeyAgreementData), MemberType = typeof(Algorithms))]
    public void Export_NotExportable_ThrowsInvalidOperationException(KeyAgreementAlgorithm algorithm)
    {
        using KeyAgreementPrivateKey key = KeyAgreementPrivateKey.Generate(algorithm);
        using KeyAgreementPrivateKey imported = KeyAgreementPrivateKey.Import(algorithm, Exportable(algorithm));

        foreach (KeyAgreementPrivateKey k in new[] { key, imported })
        {
            Assert.Equal(KeyExportPolicy.None, k.ExportPolicy);
            Assert.Throws<InvalidOperationException>(() => k.Export());
            Assert.Throws<InvalidOperationException>(() => k.Export(new byte[200]));
            Assert.Throws<InvalidOperationException>(() => k.TryExport(new byte[200], out _));
            Assert.Throws<InvalidOperationException>(() => k.ExportPkcs8PrivateKey());
        }
    }

    [Theory]
    [MemberData(nameof(Algorithms.KeyAgreementData), MemberType = typeof(Algorithms))]
    public void Operations_Disposed_ThrowObjectDisposedException(KeyAgreementAlgorithm algorithm)
    {
        var key = KeyAgreementPrivateKey.Generate(algorithm, KeyExportPolicy.AllowPlaintextExport);
        using KeyAgreementPrivateKey peer = KeyAgreementPrivateKey.Generate(algorithm);
        SharedSecret secret = key.Agree(peer.PublicKey);
        secret.Dispose();
        key.Dispose();
        key.Dispose();

        Assert.Throws<ObjectDisposedException>(() => key.Agree(peer.PublicKey));
        Assert.Throws<ObjectDisposedException>(() => key.Export());
        Assert.Throws<ObjectDisposedException>(() => key.Export(new byte[200]));
        Assert.Throws<ObjectDisposedException>(() => key.TryExport(new byte[200], out _));
        Assert.Throws<ObjectDisposedException>(() => key.ExportPkcs8PrivateKey());
        Assert.Throws<ObjectDisposedException>(() => secret.DeriveAeadKey(HashFunction.Sha256, [], [], AeadAlgorithm.Aes128Gcm));
        Assert.Throws<ObjectDisposedException>(() => secret.DeriveMacKey(HashFunction.Sha256, [], [], MacAlgorithm.HmacSha256));
    }

    [Theory]
    [MemberData(nameof(Algorithms.KeyAgreementData), MemberType = typeof(Algorithms))]
    public void ToString_KeysAndSecret_NameTheAlgorithmAndRevealNothing(KeyAgreementAlgorithm algorithm)
    {
        using KeyAgreementPrivateKey key = KeyAgreementPrivateKey.Generate(algorithm, KeyExportPolicy.AllowPlaintextExport);
        using SharedSecret secret = key.Agree(key.PublicKey);

        Assert.Equal($"KeyAgreementPrivateKey({algorithm.Name})", key.ToString());
        Assert.Equal($"KeyAgreementPublicKey({algorithm.Name})", key.PublicKey.ToString());
        Assert.Equal($"SharedSecret({algorithm.Name})", secret.ToString());
        TestBytes.AssertDoesNotReveal(key.ToString(), key.Export());
        TestBytes.AssertDoesNotReveal(secret.ToString(), secret.RawBytes.ToArray());
        Assert.Null(typeof(SharedSecret).GetMethod("Export"));
        Assert.DoesNotContain(typeof(SharedSecret).GetMethods(), m => m.IsPublic && m.ReturnType == typeof(byte[]));
    }

    [Fact]
    public void ImportPrivateKey_InvalidBytes_MessageDoesNotRevealThem()
    {
        byte[] secret = TestBytes.Filled(33, 0xA7);

        CryptographicException ex = Assert.Throws<CryptographicException>(() => KeyAgreementPrivateKey.Import(KeyAgreementAlgorithm.X25519, secret));

        TestBytes.AssertDoesNotReveal(ex.Message, secret);
    }

    private static byte[] Exportable(KeyAgreementAlgorithm algorithm)
    {
        using KeyAgreementPrivateKey key = KeyAgreementPrivateKey.Generate(algorithm, KeyExportPolicy.AllowPlaintextExport);
        return key.Export();
    }
}
