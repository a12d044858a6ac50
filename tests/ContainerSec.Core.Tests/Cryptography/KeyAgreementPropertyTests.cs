using System.Security.Cryptography;
using ContainerSec.Cryptography;
using FsCheck;
using FsCheck.Fluent;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace ContainerSec.Tests.Cryptography;

/// <summary>Key agreement: round trips, cross-checks against BouncyCastle, and the key formats.</summary>
public sealed class KeyAgreementPropertyTests
{
    private const int Cases = 12;

    [Theory]
    [MemberData(nameof(Algorithms.KeyAgreementData), MemberType = typeof(Algorithms))]
    public void Agree_TwoGeneratedKeys_BothSidesDeriveTheSameKeys(KeyAgreementAlgorithm algorithm)
    {
        TestBytes.Check(Prop.ForAll(TestBytes.Seed.ToArbitrary(), seed =>
        {
            byte[] info = TestBytes.Seeded(new Random(seed), 1 + (seed % 40));
            using KeyAgreementPrivateKey alice = KeyAgreementPrivateKey.Generate(algorithm);
            using KeyAgreementPrivateKey bob = KeyAgreementPrivateKey.Generate(algorithm);
            KeyAgreementPublicKey bobOnTheWire = KeyAgreementPublicKey.Import(algorithm, bob.PublicKey.Export());
            KeyAgreementPublicKey aliceOnTheWire = KeyAgreementPublicKey.ImportSubjectPublicKeyInfo(algorithm, alice.PublicKey.ExportSubjectPublicKeyInfo());

            using SharedSecret aliceSecret = alice.Agree(bobOnTheWire);
            using SharedSecret bobSecret = bob.Agree(aliceOnTheWire);
            Assert.Equal(algorithm.SharedSecretSizeInBytes, aliceSecret.SizeInBytes);
            Assert.Equal(aliceSecret.RawBytes.ToArray(), bobSecret.RawBytes.ToArray());

            using AeadKey aliceKey = aliceSecret.DeriveAeadKey(HashFunction.Sha256, [], info, AeadAlgorithm.Aes256Gcm);
            using AeadKey bobKey = bobSecret.DeriveAeadKey(HashFunction.Sha256, [], info, AeadAlgorithm.Aes256Gcm);
            byte[] nonce = new byte[12];
            Assert.Equal(info, bobKey.Decrypt(nonce, aliceKey.Encrypt(nonce, info)));

            using MacKey aliceMac = aliceSecret.DeriveMacKey(HashFunction.Sha384, info, [], MacAlgorithm.HmacSha384);
            using MacKey bobMac = bobSecret.DeriveMacKey(HashFunction.Sha384, info, [], MacAlgorithm.HmacSha384);
            Assert.True(bobMac.Verify(info, aliceMac.Compute(info)));
        }), Cases);
    }

    [Theory]
    [MemberData(nameof(Algorithms.KeyAgreementData), MemberType = typeof(Algorithms))]
    public void Agree_AnyKeys_EqualsBouncyCastle(KeyAgreementAlgorithm algorithm)
    {
        TestBytes.Check(Prop.ForAll(TestBytes.Seed.ToArbitrary(), _ =>
        {
            using KeyAgreementPrivateKey ours = KeyAgreementPrivateKey.Generate(algorithm, KeyExportPolicy.AllowPlaintextExport);
            using KeyAgreementPrivateKey peer = KeyAgreementPrivateKey.Generate(algorithm, KeyExportPolicy.AllowPlaintextExport);
            byte[] ourPrivate = ours.Export(), peerPrivate = peer.Export();

            Assert.Equal(Reference.PublicKey(algorithm, ourPrivate), ours.PublicKey.Export());
            using SharedSecret secret = ours.Agree(peer.PublicKey);
            Assert.Equal(Reference.Agree(algorithm, ourPrivate, Reference.PublicKey(algorithm, peerPrivate)), secret.RawBytes.ToArray());
        }), Cases);
    }

    [Theory]
    [MemberData(nameof(Algorithms.KeyAgreementData), MemberType = typeof(Algorithms))]
    public void DeriveAeadKeyAndMacKey_AnySecret_EqualHkdfOverTheRawSecret(KeyAgreementAlgorithm algorithm)
    {
        using KeyAgreementPrivateKey ours = KeyAgreementPrivateKey.Generate(algorithm);
        using KeyAgreementPrivateKey peer = KeyAgreementPrivateKey.Generate(algorithm);
        using SharedSecret secret = ours.Agree(peer.PublicKey);
        byte[] salt = TestBytes.Random(16), info = TestBytes.Random(9);
        byte[] raw = secret.RawBytes.ToArray();

        using AeadKey aead = secret.DeriveAeadKey(HashFunction.Sha512, salt, info, AeadAlgorithm.Aes128Gcm, KeyExportPolicy.AllowPlaintextExport);
        using MacKey mac = secret.DeriveMacKey(HashFunction.Sha256, salt, info, MacAlgorithm.HmacSha512, KeyExportPolicy.AllowPlaintextExport);

        Assert.Equal(Reference.Hkdf(HashFunction.Sha512, raw, salt, info, 16), aead.Export());
        Assert.Equal(Reference.Hkdf(HashFunction.Sha256, raw, salt, info, 64), mac.Export());
        Assert.Equal(KeyExportPolicy.None, secret.DeriveAeadKey(HashFunction.Sha256, [], [], AeadAlgorithm.Aes128Gcm).ExportPolicy);
    }

    [Theory]
    [MemberData(nameof(Algorithms.KeyAgreementData), MemberType = typeof(Algorithms))]
    public void ImportExport_RawAndPkcs8_RoundTripAndAgreeAlike(KeyAgreementAlgorithm algorithm)
    {
        using KeyAgreementPrivateKey original = KeyAgreementPrivateKey.Generate(algorithm, KeyExportPolicy.AllowPlaintextExport);
        using KeyAgreementPrivateKey peer = KeyAgreementPrivateKey.Generate(algorithm);
        byte[] raw = original.Export();
        Assert.Equal(algorithm.PrivateKeySizeInBytes, raw.Length);

        using KeyAgreementPrivateKey fromRaw = KeyAgreementPrivateKey.Import(algorithm, raw, KeyExportPolicy.AllowPlaintextExport);
        using KeyAgreementPrivateKey fromPkcs8 = KeyAgreementPrivateKey.ImportPkcs8PrivateKey(algorithm, original.ExportPkcs8PrivateKey(), KeyExportPolicy.AllowPlaintextExport);

        Assert.Equal(raw, fromRaw.Export());
        Assert.Equal(raw, fromPkcs8.Export());
        Assert.Equal(original.PublicKey.Export(), fromRaw.PublicKey.Export());
        Assert.Equal(original.PublicKey.Export(), fromPkcs8.PublicKey.Export());
        using SharedSecret a = original.Agree(peer.PublicKey), b = fromRaw.Agree(peer.PublicKey), c = fromPkcs8.Agree(peer.PublicKey);
        Assert.Equal(a.RawBytes.ToArray(), b.RawBytes.ToArray());
        Assert.Equal(a.RawBytes.ToArray(), c.RawBytes.ToArray());

        byte[] span = TestBytes.Filled(algorithm.PrivateKeySizeInBytes + 3, 0xEE);
        Assert.Equal(algorithm.PrivateKeySizeInBytes, original.Export(span));
        Assert.True(original.TryExport(span, out int written));
        Assert.Equal(raw, span[..written]);
        Assert.Equal(0xEE, span[^1]);
    }

    [Theory]
    [MemberData(nameof(Algorithms.KeyAgreementData), MemberType = typeof(Algorithms))]
    public void ExportSubjectPublicKeyInfo_AnyKey_EqualsBouncyCastleEncodingAndRoundTrips(KeyAgreementAlgorithm algorithm)
    {
        using KeyAgreementPrivateKey key = KeyAgreementPrivateKey.Generate(algorithm, KeyExportPolicy.AllowPlaintextExport);
        byte[] spki = key.PublicKey.ExportSubjectPublicKeyInfo();

        var parsed = SubjectPublicKeyInfo.GetInstance(spki);
        Assert.Equal(key.PublicKey.Export(), parsed.PublicKey.GetBytes());
        Assert.Equal(spki, SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(PublicKeyFactory.CreateKey(spki)).GetDerEncoded());
        Assert.Equal(key.PublicKey.Export(), KeyAgreementPublicKey.ImportSubjectPublicKeyInfo(algorithm, spki).Export());

        Assert.True(key.PublicKey.TryExportSubjectPublicKeyInfo(new byte[spki.Length], out int written));
        Assert.Equal(spki.Length, written);
        Assert.False(key.PublicKey.TryExportSubjectPublicKeyInfo(new byte[spki.Length - 1], out written));
        Assert.Equal(0, written);

        // Our PKCS#8 is what BouncyCastle reads as the same key.
        byte[] pkcs8 = key.ExportPkcs8PrivateKey();
        Assert.Equal(key.PublicKey.Export(), Reference.PublicKey(algorithm, ExportedScalar(algorithm, PrivateKeyFactory.CreateKey(pkcs8))));
    }

    [Theory]
    [MemberData(nameof(Algorithms.EcdhData), MemberType = typeof(Algorithms))]
    public void ImportSubjectPublicKeyInfo_BclEncodedKey_Imports(KeyAgreementAlgorithm algorithm)
    {
        using var bcl = ECDiffieHellman.Create(algorithm.Name switch
        {
            "ECDH-P256" => ECCurve.NamedCurves.nistP256,
            "ECDH-P384" => ECCurve.NamedCurves.nistP384,
            _ => ECCurve.NamedCurves.nistP521,
        });
        using KeyAgreementPrivateKey ours = KeyAgreementPrivateKey.Generate(algorithm);

        KeyAgreementPublicKey peer = KeyAgreementPublicKey.ImportSubjectPublicKeyInfo(algorithm, bcl.ExportSubjectPublicKeyInfo());
        using SharedSecret secret = ours.Agree(peer);
        using var oursInBcl = ECDiffieHellman.Create();
        oursInBcl.ImportSubjectPublicKeyInfo(ours.PublicKey.ExportSubjectPublicKeyInfo(), out _);

        Assert.Equal(bcl.DeriveRawSecretAgreement(oursInBcl.PublicKey), secret.RawBytes.ToArray());
    }

    [Theory]
    [MemberData(nameof(Algorithms.KeyAgreementData), MemberType = typeof(Algorithms))]
    public void PublicKey_PrivateKeyDisposed_StillUsableAsPeer(KeyAgreementAlgorithm algorithm)
    {
        var gone = KeyAgreementPrivateKey.Generate(algorithm);
        KeyAgreementPublicKey publicKey = gone.PublicKey;
        gone.Dispose();
        using KeyAgreementPrivateKey other = KeyAgreementPrivateKey.Generate(algorithm);

        using SharedSecret secret = other.Agree(publicKey);

        Assert.Equal(algorithm.SharedSecretSizeInBytes, secret.SizeInBytes);
        Assert.Equal(algorithm.PublicKeySizeInBytes, publicKey.Export().Length);
    }

    private static byte[] ExportedScalar(KeyAgreementAlgorithm algorithm, Org.BouncyCastle.Crypto.AsymmetricKeyParameter key) => key switch
    {
        Org.BouncyCastle.Crypto.Parameters.X25519PrivateKeyParameters x => x.GetEncoded(),
        Org.BouncyCastle.Crypto.Parameters.ECPrivateKeyParameters ec => Org.BouncyCastle.Utilities.BigIntegers.AsUnsignedByteArray(algorithm.PrivateKeySizeInBytes, ec.D),
        _ => throw new InvalidOperationException(key.GetType().Name),
    };
}
