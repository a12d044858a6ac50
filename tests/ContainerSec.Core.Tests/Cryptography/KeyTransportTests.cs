using System.Security.Cryptography;
using ContainerSec.Cryptography;
using FsCheck;
using FsCheck.Fluent;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Encodings;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Security;

namespace ContainerSec.Tests.Cryptography;

/// <summary>RSA-OAEP-SHA256 key transport: round trips, BouncyCastle both ways, tamper and caller mistakes.</summary>
public sealed class KeyTransportTests : IDisposable
{
    private static readonly Lazy<byte[]> SharedKey = new(() =>
    {
        using KeyTransportPrivateKey key = KeyTransportPrivateKey.Generate(2048, KeyExportPolicy.AllowPlaintextExport);
        return key.ExportPkcs8PrivateKey();
    });

    private readonly KeyTransportPrivateKey _private = KeyTransportPrivateKey.ImportPkcs8PrivateKey(SharedKey.Value);
    private readonly KeyTransportPublicKey _public;

    public KeyTransportTests()
    {
        _public = _private.GetPublicKey();
    }

    [Theory]
    [MemberData(nameof(Algorithms.AeadData), MemberType = typeof(Algorithms))]
    public void WrapUnwrapAeadKey_RoundTrip_SameKeyBytes(AeadAlgorithm algorithm)
    {
        using AeadKey key = AeadKey.Generate(algorithm, KeyExportPolicy.AllowPlaintextExport);
        byte[] wrapped = _public.WrapKey(key);
        Assert.Equal(256, wrapped.Length);
        Assert.Equal(_public.WrappedKeySizeInBytes, _private.WrappedKeySizeInBytes);

        using AeadKey unwrapped = _private.UnwrapAeadKey(wrapped, algorithm, KeyExportPolicy.AllowPlaintextExport);
        Assert.Equal(key.Export(), unwrapped.Export());
        Assert.NotEqual(wrapped, _public.WrapKey(key));

        byte[] destination = new byte[300];
        Assert.Equal(256, _public.WrapKey(key, destination));
        using AeadKey fromSpan = _private.UnwrapAeadKey(destination.AsSpan(0, 256), algorithm, KeyExportPolicy.AllowPlaintextExport);
        Assert.Equal(key.Export(), fromSpan.Export());

        Assert.False(_public.TryWrapKey(key, new byte[255], out int none));
        Assert.Equal(0, none);
        Assert.True(_public.TryWrapKey(key, destination, out int written));
        Assert.Equal(256, written);
        using AeadKey fromTry = _private.UnwrapAeadKey(destination.AsSpan(0, written), algorithm, KeyExportPolicy.AllowPlaintextExport);
        Assert.Equal(key.Export(), fromTry.Export());
    }

    [Fact]
    public void WrapUnwrapMacKey_AnyLengthUpToTheLimit_RoundTripsAndMatchesBouncyCastle()
    {
        byte[] pkcs8 = SharedKey.Value;
        Gen<byte[]> keys = from length in Gen.Choose(16, 190) from seed in TestBytes.Seed select TestBytes.Seeded(new Random(seed), length);
        TestBytes.Check(Prop.ForAll(keys.ToArbitrary(), bytes =>
        {
            using MacKey key = MacKey.Import(MacAlgorithm.HmacSha256, bytes, KeyExportPolicy.AllowPlaintextExport);
            byte[] wrapped = _public.WrapKey(key);
            Assert.Equal(bytes, BouncyCastleOaep(forEncryption: false, PrivateKeyFactory.CreateKey(pkcs8), wrapped));

            byte[] fromBouncyCastle = BouncyCastleOaep(forEncryption: true, PublicKeyFactory.CreateKey(_public.ExportSubjectPublicKeyInfo()), bytes);
            using MacKey unwrapped = _private.UnwrapMacKey(fromBouncyCastle, MacAlgorithm.HmacSha512, KeyExportPolicy.AllowPlaintextExport);
            Assert.Equal(bytes, unwrapped.Export());
        }), 20);
    }

    [Fact]
    public void Unwrap_TamperedWrongLengthOrWrongAlgorithm_ThrowsCryptographicException()
    {
        using AeadKey key = AeadKey.Generate(AeadAlgorithm.Aes256Gcm, KeyExportPolicy.AllowPlaintextExport);
        byte[] wrapped = _public.WrapKey(key);
        using AeadKey ok = _private.UnwrapAeadKey(wrapped, AeadAlgorithm.Aes256Gcm);

        for (int bit = 0; bit < wrapped.Length * 8; bit += 97)
        {
            Assert.Throws<CryptographicException>(() => _private.UnwrapAeadKey(TestBytes.FlipBit(wrapped, bit), AeadAlgorithm.Aes256Gcm));
        }

        Assert.Throws<CryptographicException>(() => _private.UnwrapAeadKey(wrapped.AsSpan(1), AeadAlgorithm.Aes256Gcm));
        Assert.Throws<CryptographicException>(() => _private.UnwrapAeadKey([.. wrapped, 0], AeadAlgorithm.Aes256Gcm));
        Assert.Throws<CryptographicException>(() => _private.UnwrapAeadKey([], AeadAlgorithm.Aes256Gcm));
        Assert.Throws<CryptographicException>(() => _private.UnwrapAeadKey(wrapped, AeadAlgorithm.Aes128Gcm));

        using KeyTransportPrivateKey other = KeyTransportPrivateKey.Generate(2048);
        Assert.Throws<CryptographicException>(() => other.UnwrapAeadKey(wrapped, AeadAlgorithm.Aes256Gcm));
    }

    [Fact]
    public void Unwrap_ShortPlaintextFromOutside_RefusedAsNoKeyObjectCanHoldIt()
    {
        byte[] fifteen = BouncyCastleOaep(forEncryption: true, PublicKeyFactory.CreateKey(_public.ExportSubjectPublicKeyInfo()), new byte[15]);
        Assert.Throws<CryptographicException>(() => _private.UnwrapMacKey(fifteen, MacAlgorithm.HmacSha256));
    }

    [Fact]
    public void Wrap_NonExportableTooLongOrDisposed_Refused()
    {
        using AeadKey fixedKey = AeadKey.Generate(AeadAlgorithm.Aes128Gcm);
        Assert.Throws<InvalidOperationException>(() => _public.WrapKey(fixedKey));

        using MacKey tooLong = MacKey.Import(MacAlgorithm.HmacSha256, new byte[191], KeyExportPolicy.AllowPlaintextExport);
        Assert.Equal("key", Assert.Throws<ArgumentException>(() => _public.WrapKey(tooLong)).ParamName);

        using AeadKey key = AeadKey.Generate(AeadAlgorithm.Aes128Gcm, KeyExportPolicy.AllowPlaintextExport);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => _public.WrapKey(key, new byte[255])).ParamName);
        Assert.Equal("key", Assert.Throws<ArgumentNullException>(() => _public.WrapKey((AeadKey)null!)).ParamName);

        byte[] wrapped = _public.WrapKey(key);
        KeyTransportPrivateKey disposed = KeyTransportPrivateKey.ImportPkcs8PrivateKey(SharedKey.Value);
        KeyTransportPublicKey disposedPublic = disposed.GetPublicKey();
        disposed.Dispose();
        disposedPublic.Dispose();
        Assert.Throws<ObjectDisposedException>(() => disposed.UnwrapAeadKey(wrapped, AeadAlgorithm.Aes128Gcm));
        Assert.Throws<ObjectDisposedException>(() => disposed.GetPublicKey());
        Assert.Throws<ObjectDisposedException>(() => disposedPublic.WrapKey(key));
    }

    [Fact]
    public void Formats_RoundTrip_NotExportableRefused_SmallKeyRefused()
    {
        using KeyTransportPrivateKey exportable = KeyTransportPrivateKey.ImportPkcs8PrivateKey(SharedKey.Value, KeyExportPolicy.AllowPlaintextExport);
        using KeyTransportPrivateKey fromPem = KeyTransportPrivateKey.ImportFromPem(exportable.ExportPkcs8PrivateKeyPem());
        using KeyTransportPrivateKey fromEncrypted = KeyTransportPrivateKey.ImportFromEncryptedPem(exportable.ExportEncryptedPkcs8PrivateKeyPem("pw"), "pw");
        using KeyTransportPublicKey publicFromPem = KeyTransportPublicKey.ImportFromPem(_public.ExportSubjectPublicKeyInfoPem());
        using AeadKey key = AeadKey.Generate(AeadAlgorithm.Aes256Gcm, KeyExportPolicy.AllowPlaintextExport);

        using AeadKey a = fromPem.UnwrapAeadKey(publicFromPem.WrapKey(key), AeadAlgorithm.Aes256Gcm, KeyExportPolicy.AllowPlaintextExport);
        using AeadKey b = fromEncrypted.UnwrapAeadKey(publicFromPem.WrapKey(key), AeadAlgorithm.Aes256Gcm, KeyExportPolicy.AllowPlaintextExport);
        Assert.Equal(key.Export(), a.Export());
        Assert.Equal(key.Export(), b.Export());
        Assert.Throws<InvalidOperationException>(() => _private.ExportPkcs8PrivateKey());
        Assert.Throws<InvalidOperationException>(() => _private.ExportEncryptedPkcs8PrivateKeyPem("pw"));

        using var small = RSA.Create(1024);
        Assert.Throws<CryptographicException>(() => KeyTransportPrivateKey.ImportPkcs8PrivateKey(small.ExportPkcs8PrivateKey()));
        Assert.Throws<CryptographicException>(() => KeyTransportPublicKey.ImportSubjectPublicKeyInfo(small.ExportSubjectPublicKeyInfo()));
        using var ec = ECDsa.Create();
        Assert.Throws<CryptographicException>(() => KeyTransportPublicKey.ImportSubjectPublicKeyInfo(ec.ExportSubjectPublicKeyInfo()));
    }

    public void Dispose()
    {
        _public.Dispose();
        _private.Dispose();
    }

    private static byte[] BouncyCastleOaep(bool forEncryption, AsymmetricKeyParameter key, byte[] input)
    {
        var oaep = new OaepEncoding(new RsaBlindedEngine(), new Sha256Digest(), new Sha256Digest(), null);
        oaep.Init(forEncryption, forEncryption ? new Org.BouncyCastle.Crypto.Parameters.ParametersWithRandom(key, new SecureRandom()) : key);
        return oaep.ProcessBlock(input, 0, input.Length);
    }
}
