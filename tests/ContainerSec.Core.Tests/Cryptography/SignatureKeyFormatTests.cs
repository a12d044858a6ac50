using System.Security.Cryptography;
using ContainerSec.Cryptography;

namespace ContainerSec.Tests.Cryptography;

/// <summary>Key formats of <see cref="SigningKey"/> and <see cref="VerificationKey"/>: round trips, and every way bad input is refused.</summary>
public sealed class SignatureKeyFormatTests
{
    private const string Password = "correct horse battery staple";

    public static TheoryData<SignatureAlgorithm> OnePerFamily => new(
        SignatureAlgorithm.EcdsaP256Sha256, SignatureAlgorithm.EcdsaP521Sha512Der, SignatureAlgorithm.RsaPssSha256, SignatureAlgorithm.Ed25519);

    [Theory]
    [MemberData(nameof(Algorithms.SignatureData), MemberType = typeof(Algorithms))]
    public void Pkcs8PemAndSpki_RoundTrip_SignaturesStillVerify(SignatureAlgorithm algorithm)
    {
        using SigningKey original = SignatureReference.Key(algorithm);
        byte[] signature = original.Sign("data"u8);

        using SigningKey fromDer = SigningKey.ImportPkcs8PrivateKey(algorithm, original.ExportPkcs8PrivateKey(), KeyExportPolicy.AllowPlaintextExport);
        using SigningKey fromPem = SigningKey.ImportFromPem(algorithm, original.ExportPkcs8PrivateKeyPem());
        using VerificationKey fromSpki = VerificationKey.ImportSubjectPublicKeyInfo(algorithm, original.ExportSubjectPublicKeyInfo());
        using VerificationKey fromSpkiPem = VerificationKey.ImportFromPem(algorithm, fromSpki.ExportSubjectPublicKeyInfoPem());

        Assert.Equal(original.ExportPkcs8PrivateKey(), fromDer.ExportPkcs8PrivateKey());
        Assert.True(fromSpki.Verify("data"u8, signature));
        Assert.True(fromSpkiPem.Verify("data"u8, fromDer.Sign("data"u8)));
        Assert.True(fromSpki.Verify("data"u8, fromPem.Sign("data"u8)));
        Assert.Equal(original.KeySizeInBits, fromSpki.KeySizeInBits);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", fromSpki.ExportSubjectPublicKeyInfoPem(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(OnePerFamily))]
    public void EncryptedPkcs8AndPem_RoundTrip_WithThePasswordOnly(SignatureAlgorithm algorithm)
    {
        using SigningKey original = SignatureReference.Key(algorithm);
        byte[] encrypted = original.ExportEncryptedPkcs8PrivateKey(Password);
        string pem = original.ExportEncryptedPkcs8PrivateKeyPem(Password);

        using SigningKey fromDer = SigningKey.ImportEncryptedPkcs8PrivateKey(algorithm, Password, encrypted, KeyExportPolicy.AllowPlaintextExport);
        using SigningKey fromPem = SigningKey.ImportFromEncryptedPem(algorithm, pem, Password, KeyExportPolicy.AllowPlaintextExport);
        Assert.Equal(original.ExportPkcs8PrivateKey(), fromDer.ExportPkcs8PrivateKey());
        Assert.Equal(original.ExportPkcs8PrivateKey(), fromPem.ExportPkcs8PrivateKey());
        Assert.StartsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----", pem, StringComparison.Ordinal);

        Assert.Throws<CryptographicException>(() => SigningKey.ImportEncryptedPkcs8PrivateKey(algorithm, "wrong", encrypted));
        Assert.Throws<CryptographicException>(() => SigningKey.ImportFromPem(algorithm, pem));
    }

    [Fact]
    public void ExportEncrypted_UsesPbes2Pbkdf2Sha256Aes256AndAStrongIterationCount()
    {
        using SigningKey key = SignatureReference.Key(SignatureAlgorithm.EcdsaP256Sha256);
        byte[] encrypted = key.ExportEncryptedPkcs8PrivateKey(Password);
        var info = System.Security.Cryptography.Pkcs.Pkcs8PrivateKeyInfo.DecryptAndDecode(Password, encrypted, out _);
        Assert.Equal("1.2.840.10045.2.1", info.AlgorithmId.Value);

        // The DER carries the OIDs of PBES2 (…5.13), PBKDF2 (…5.12), hmacWithSHA256 (…2.9), AES-256-CBC (…1.42) and 600,000 (0x0927C0).
        string hex = Convert.ToHexString(encrypted);
        Assert.Contains("06092A864886F70D01050D", hex, StringComparison.Ordinal);
        Assert.Contains("06092A864886F70D01050C", hex, StringComparison.Ordinal);
        Assert.Contains("06082A864886F70D0209", hex, StringComparison.Ordinal);
        Assert.Contains("060960864801650304012A", hex, StringComparison.Ordinal);
        Assert.Contains("02030927C0", hex, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(PbeEncryptionAlgorithm.TripleDes3KeyPkcs12, "SHA1")]
    [InlineData(PbeEncryptionAlgorithm.Aes256Cbc, "SHA1")]
    public void ImportEncrypted_WeakPbeParameters_Refused(PbeEncryptionAlgorithm cipher, string hash)
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        byte[] encrypted = ecdsa.ExportEncryptedPkcs8PrivateKey(Password, new PbeParameters(cipher, new HashAlgorithmName(hash), 2048));

        Assert.Throws<CryptographicException>(() => SigningKey.ImportEncryptedPkcs8PrivateKey(SignatureAlgorithm.EcdsaP256Sha256, Password, encrypted));
    }

    [Fact]
    public void ImportEncrypted_AbusiveIterationCount_RefusedBeforeDerivingAnything()
    {
        // PBES2 / PBKDF2-HMAC-SHA256 with 2^31 - 1 iterations / AES-256-CBC, written by hand: the
        // refusal must come from reading the parameters, not after hours of PBKDF2.
        var writer = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier("1.2.840.113549.1.5.13");
                using (writer.PushSequence())
                {
                    using (writer.PushSequence())
                    {
                        writer.WriteObjectIdentifier("1.2.840.113549.1.5.12");
                        using (writer.PushSequence())
                        {
                            writer.WriteOctetString(new byte[16]);
                            writer.WriteInteger(int.MaxValue);
                            using (writer.PushSequence())
                            {
                                writer.WriteObjectIdentifier("1.2.840.113549.2.9");
                                writer.WriteNull();
                            }
                        }
                    }

                    using (writer.PushSequence())
                    {
                        writer.WriteObjectIdentifier("2.16.840.1.101.3.4.1.42");
                        writer.WriteOctetString(new byte[16]);
                    }
                }
            }

            writer.WriteOctetString(new byte[64]);
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var ex = Assert.Throws<CryptographicException>(() => SigningKey.ImportEncryptedPkcs8PrivateKey(SignatureAlgorithm.EcdsaP256Sha256, Password, writer.Encode()));
        Assert.Contains("iteration", ex.Message, StringComparison.Ordinal);
        Assert.True(watch.ElapsedMilliseconds < 2000, "the refusal must come before the key derivation runs");
    }

    [Fact]
    public void ImportEncrypted_OpenSslDefaultShape_Accepted()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        byte[] encrypted = ecdsa.ExportEncryptedPkcs8PrivateKey(Password, new PbeParameters(PbeEncryptionAlgorithm.Aes128Cbc, HashAlgorithmName.SHA512, 2048));

        using SigningKey key = SigningKey.ImportEncryptedPkcs8PrivateKey(SignatureAlgorithm.EcdsaP384Sha384, Password, encrypted);
        using VerificationKey verifier = VerificationKey.ImportSubjectPublicKeyInfo(SignatureAlgorithm.EcdsaP384Sha384, ecdsa.ExportSubjectPublicKeyInfo());
        Assert.True(verifier.Verify("x"u8, key.Sign("x"u8)));
    }

    [Fact]
    public void Ed25519Raw_RoundTrip_AndWrongLengthOrAlgorithmRefused()
    {
        byte[] seed = TestBytes.Random(32);
        using SigningKey key = SigningKey.ImportRawPrivateKey(SignatureAlgorithm.Ed25519, seed, KeyExportPolicy.AllowPlaintextExport);
        using VerificationKey verifier = key.GetVerificationKey();
        using VerificationKey fromRaw = VerificationKey.ImportRawPublicKey(SignatureAlgorithm.Ed25519, verifier.ExportRawPublicKey());

        Assert.Equal(seed, key.ExportRawPrivateKey());
        Assert.True(fromRaw.Verify("m"u8, key.Sign("m"u8)));
        Assert.Equal("source", Assert.Throws<ArgumentException>(() => SigningKey.ImportRawPrivateKey(SignatureAlgorithm.Ed25519, new byte[31])).ParamName);
        Assert.Equal("source", Assert.Throws<ArgumentException>(() => VerificationKey.ImportRawPublicKey(SignatureAlgorithm.Ed25519, new byte[33])).ParamName);
        Assert.Equal("algorithm", Assert.Throws<ArgumentException>(() => SigningKey.ImportRawPrivateKey(SignatureAlgorithm.EcdsaP256Sha256, seed)).ParamName);
        Assert.Equal("algorithm", Assert.Throws<ArgumentException>(() => VerificationKey.ImportRawPublicKey(SignatureAlgorithm.RsaPssSha256, seed)).ParamName);
    }

    [Fact]
    public void Ed25519RawPublicKey_SmallOrderOrNonCanonicalPoint_Refused()
    {
        // The identity point (small order) and a y ≥ p encoding (non-canonical).
        byte[] identity = new byte[32];
        identity[0] = 1;
        byte[] nonCanonical = TestBytes.Filled(32, 0xFF);
        nonCanonical[31] = 0x7F;

        Assert.Throws<CryptographicException>(() => VerificationKey.ImportRawPublicKey(SignatureAlgorithm.Ed25519, identity));
        Assert.Throws<CryptographicException>(() => VerificationKey.ImportRawPublicKey(SignatureAlgorithm.Ed25519, nonCanonical));
    }

    [Fact]
    public void EcdsaRawPoint_RoundTrip_AndOffCurvePointRefused()
    {
        using SigningKey key = SignatureReference.Key(SignatureAlgorithm.EcdsaP256Sha256);
        using VerificationKey verifier = key.GetVerificationKey();
        byte[] point = verifier.ExportRawPublicKey();
        Assert.Equal(65, point.Length);
        using VerificationKey fromPoint = VerificationKey.ImportRawPublicKey(SignatureAlgorithm.EcdsaP256Sha256, point);
        Assert.True(fromPoint.Verify("m"u8, key.Sign("m"u8)));

        point[^1] ^= 1;
        Assert.Throws<CryptographicException>(() => VerificationKey.ImportRawPublicKey(SignatureAlgorithm.EcdsaP256Sha256, point));
        Assert.Equal("source", Assert.Throws<ArgumentException>(() => VerificationKey.ImportRawPublicKey(SignatureAlgorithm.EcdsaP256Sha256, point.AsSpan(0, 64))).ParamName);
    }

    public static TheoryData<SignatureAlgorithm, SignatureAlgorithm> WrongKeyTypes => new()
    {
        { SignatureAlgorithm.EcdsaP384Sha384, SignatureAlgorithm.EcdsaP256Sha256 },
        { SignatureAlgorithm.EcdsaP256Sha256, SignatureAlgorithm.EcdsaP521Sha512Der },
        { SignatureAlgorithm.Ed25519, SignatureAlgorithm.EcdsaP256Sha256 },
        { SignatureAlgorithm.EcdsaP256Sha256, SignatureAlgorithm.RsaPssSha256 },
        { SignatureAlgorithm.RsaPkcs1Sha256, SignatureAlgorithm.Ed25519 },
        { SignatureAlgorithm.RsaPkcs1Sha256, SignatureAlgorithm.EcdsaP384Sha384Der },
    };

    [Theory]
    [MemberData(nameof(WrongKeyTypes))]
    public void Import_KeyOfAnotherTypeOrCurve_ThrowsCryptographicException(SignatureAlgorithm made, SignatureAlgorithm importedAs)
    {
        using SigningKey key = SignatureReference.Key(made);

        Assert.Throws<CryptographicException>(() => SigningKey.ImportPkcs8PrivateKey(importedAs, key.ExportPkcs8PrivateKey()));
        Assert.Throws<CryptographicException>(() => VerificationKey.ImportSubjectPublicKeyInfo(importedAs, key.ExportSubjectPublicKeyInfo()));
    }

    [Fact]
    public void Import_Secp256k1Key_RefusedAsCurveNotOffered()
    {
        using var ecdsa = ECDsa.Create(ECCurve.CreateFromFriendlyName("secP256k1"));
        Assert.Throws<CryptographicException>(() => SigningKey.ImportPkcs8PrivateKey(SignatureAlgorithm.EcdsaP256Sha256, ecdsa.ExportPkcs8PrivateKey()));
        Assert.Throws<CryptographicException>(() => VerificationKey.ImportSubjectPublicKeyInfo(SignatureAlgorithm.EcdsaP256Sha256, ecdsa.ExportSubjectPublicKeyInfo()));
    }

    [Theory]
    [InlineData(1024)]
    [InlineData(1536)]
    public void Import_SmallRsaKey_ThrowsCryptographicException(int bits)
    {
        using var rsa = RSA.Create(bits);
        var ex = Assert.Throws<CryptographicException>(() => SigningKey.ImportPkcs8PrivateKey(SignatureAlgorithm.RsaPssSha256, rsa.ExportPkcs8PrivateKey()));
        Assert.Contains("2048", ex.Message, StringComparison.Ordinal);
        Assert.Throws<CryptographicException>(() => VerificationKey.ImportSubjectPublicKeyInfo(SignatureAlgorithm.RsaPkcs1Sha256, rsa.ExportSubjectPublicKeyInfo()));
    }

    [Fact]
    public void Import_RsaPublicKeyOver4096Bits_ThrowsCryptographicException()
    {
        byte[] modulus = TestBytes.Random(4104 / 8);
        modulus[0] |= 0x80;
        modulus[^1] |= 1;
        using var rsa = RSA.Create(new RSAParameters { Modulus = modulus, Exponent = [1, 0, 1] });

        Assert.Throws<CryptographicException>(() => VerificationKey.ImportSubjectPublicKeyInfo(SignatureAlgorithm.RsaPssSha256, rsa.ExportSubjectPublicKeyInfo()));
    }

    [Theory]
    [InlineData(1024)]
    [InlineData(2047)]
    [InlineData(2050)]
    [InlineData(4104)]
    public void Generate_RsaSizeOutOfRange_ThrowsArgumentOutOfRange(int bits)
    {
        Assert.Equal("keySizeInBits", Assert.Throws<ArgumentOutOfRangeException>(() => SigningKey.Generate(SignatureAlgorithm.RsaPssSha256, bits)).ParamName);
        Assert.Equal("keySizeInBits", Assert.Throws<ArgumentOutOfRangeException>(() => KeyTransportPrivateKey.Generate(bits)).ParamName);
    }

    [Fact]
    public void Generate_EcdsaOrEd25519WithAnotherSize_ThrowsArgumentOutOfRange()
    {
        Assert.Equal("keySizeInBits", Assert.Throws<ArgumentOutOfRangeException>(() => SigningKey.Generate(SignatureAlgorithm.EcdsaP256Sha256, 384)).ParamName);
        Assert.Equal("keySizeInBits", Assert.Throws<ArgumentOutOfRangeException>(() => SigningKey.Generate(SignatureAlgorithm.Ed25519, 255)).ParamName);
        using SigningKey p521 = SigningKey.Generate(SignatureAlgorithm.EcdsaP521Sha512, 521);
        Assert.Equal(132, p521.GetMaxSignatureSize());
    }

    public static TheoryData<string> GarbagePem => new()
    {
        "",
        "not pem at all",
        "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----",
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
        "-----BEGIN PRIVATE KEY-----\nMIIBVAIBADANBgkqhkiG9w0BAQEFAASCAT4wggE6AgEAAkEA\n-----END PRIVATE KEY-----",
    };

    [Theory]
    [MemberData(nameof(GarbagePem))]
    public void ImportFromPem_Garbage_ThrowsCryptographicException(string pem)
    {
        foreach (SignatureAlgorithm algorithm in Algorithms.Signature)
        {
            Assert.Throws<CryptographicException>(() => SigningKey.ImportFromPem(algorithm, pem));
            Assert.Throws<CryptographicException>(() => VerificationKey.ImportFromPem(algorithm, pem.Replace("PRIVATE", "PUBLIC", StringComparison.Ordinal)));
        }
    }

    [Fact]
    public void ImportFromPem_TwoKeys_ThrowsCryptographicException_OtherBlocksIgnored()
    {
        using SigningKey key = SignatureReference.Key(SignatureAlgorithm.Ed25519);
        string pem = key.ExportPkcs8PrivateKeyPem();
        const string Certificate = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";

        Assert.Throws<CryptographicException>(() => SigningKey.ImportFromPem(SignatureAlgorithm.Ed25519, pem + "\n" + pem));
        using SigningKey withCertificate = SigningKey.ImportFromPem(SignatureAlgorithm.Ed25519, Certificate + pem);
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), withCertificate.ExportSubjectPublicKeyInfo());
    }

    [Theory]
    [MemberData(nameof(Algorithms.SignatureData), MemberType = typeof(Algorithms))]
    public void Import_GarbageOrTruncatedDer_ThrowsCryptographicException(SignatureAlgorithm algorithm)
    {
        using SigningKey key = SignatureReference.Key(algorithm);
        byte[] pkcs8 = key.ExportPkcs8PrivateKey(), spki = key.ExportSubjectPublicKeyInfo();
        var random = new Random(42);

        foreach (byte[] bad in new[] { [], [0x30], [0x30, 0x00], TestBytes.Seeded(random, 100), pkcs8[..^1], [.. pkcs8, 0], spki })
        {
            Assert.Throws<CryptographicException>(() => SigningKey.ImportPkcs8PrivateKey(algorithm, bad));
        }

        foreach (byte[] bad in new[] { [], [0x30, 0x00], TestBytes.Seeded(random, 100), spki[..^1], [.. spki, 0], pkcs8 })
        {
            Assert.Throws<CryptographicException>(() => VerificationKey.ImportSubjectPublicKeyInfo(algorithm, bad));
        }
    }

    [Fact]
    public void Import_OversizedInput_ThrowsArgumentExceptionBeforeParsing()
    {
        byte[] big = new byte[SigningKey.MaxEncodedKeyLength + 1];
        string bigPem = new('A', SigningKey.MaxEncodedKeyLength + 1);
        SignatureAlgorithm algorithm = SignatureAlgorithm.EcdsaP256Sha256;

        Assert.Equal(16 * 1024, SigningKey.MaxEncodedKeyLength);
        Assert.Equal("source", Assert.Throws<ArgumentException>(() => SigningKey.ImportPkcs8PrivateKey(algorithm, big)).ParamName);
        Assert.Equal("source", Assert.Throws<ArgumentException>(() => SigningKey.ImportEncryptedPkcs8PrivateKey(algorithm, "p", big)).ParamName);
        Assert.Equal("source", Assert.Throws<ArgumentException>(() => SigningKey.ImportFromPem(algorithm, bigPem)).ParamName);
        Assert.Equal("source", Assert.Throws<ArgumentException>(() => SigningKey.ImportFromEncryptedPem(algorithm, bigPem, "p")).ParamName);
        Assert.Equal("source", Assert.Throws<ArgumentException>(() => VerificationKey.ImportSubjectPublicKeyInfo(algorithm, big)).ParamName);
        Assert.Equal("source", Assert.Throws<ArgumentException>(() => VerificationKey.ImportFromPem(algorithm, bigPem)).ParamName);
        Assert.Equal("source", Assert.Throws<ArgumentException>(() => KeyTransportPrivateKey.ImportPkcs8PrivateKey(big)).ParamName);
        Assert.Equal("source", Assert.Throws<ArgumentException>(() => KeyTransportPublicKey.ImportSubjectPublicKeyInfo(big)).ParamName);
    }

    [Fact]
    public void Import_NullAlgorithm_ThrowsArgumentNull()
    {
        Assert.Equal("algorithm", Assert.Throws<ArgumentNullException>(() => SigningKey.Generate(null!)).ParamName);
        Assert.Equal("algorithm", Assert.Throws<ArgumentNullException>(() => SigningKey.ImportPkcs8PrivateKey(null!, [])).ParamName);
        Assert.Equal("algorithm", Assert.Throws<ArgumentNullException>(() => VerificationKey.ImportSubjectPublicKeyInfo(null!, [])).ParamName);
        Assert.Equal("algorithm", Assert.Throws<ArgumentNullException>(() => VerificationKey.ImportFromPem(null!, "")).ParamName);
    }

    [Theory]
    [MemberData(nameof(OnePerFamily))]
    public void Export_NotExportable_ThrowsInvalidOperation_PublicHalfStillAvailable(SignatureAlgorithm algorithm)
    {
        using SigningKey key = SignatureReference.Key(algorithm, KeyExportPolicy.None);

        Assert.Throws<InvalidOperationException>(() => key.ExportPkcs8PrivateKey());
        Assert.Throws<InvalidOperationException>(() => key.ExportPkcs8PrivateKeyPem());
        Assert.Throws<InvalidOperationException>(() => key.ExportEncryptedPkcs8PrivateKey(Password));
        Assert.Throws<InvalidOperationException>(() => key.ExportEncryptedPkcs8PrivateKeyPem(Password));
        Assert.Throws<InvalidOperationException>(() => key.ExportRawPrivateKey());
        Assert.NotEmpty(key.ExportSubjectPublicKeyInfo());
        using VerificationKey verifier = key.GetVerificationKey();
        Assert.True(verifier.Verify("m"u8, key.Sign("m"u8)));
    }

    [Fact]
    public void ExportEncrypted_EmptyPassword_ThrowsArgumentException()
    {
        using SigningKey key = SignatureReference.Key(SignatureAlgorithm.Ed25519);
        Assert.Equal("password", Assert.Throws<ArgumentException>(() => key.ExportEncryptedPkcs8PrivateKey("")).ParamName);
    }

    [Fact]
    public void ExportRaw_NotEd25519_ThrowsInvalidOperation()
    {
        using SigningKey key = SignatureReference.Key(SignatureAlgorithm.EcdsaP256Sha256);
        using VerificationKey rsa = SignatureReference.Key(SignatureAlgorithm.RsaPssSha256).GetVerificationKey();
        Assert.Throws<InvalidOperationException>(() => key.ExportRawPrivateKey());
        Assert.Throws<InvalidOperationException>(() => rsa.ExportRawPublicKey());
    }

    [Theory]
    [MemberData(nameof(OnePerFamily))]
    public void Operations_AfterDispose_ThrowObjectDisposed(SignatureAlgorithm algorithm)
    {
        SigningKey key = SignatureReference.Key(algorithm);
        VerificationKey verifier = key.GetVerificationKey();
        byte[] signature = key.Sign("m"u8);
        key.Dispose();
        key.Dispose();
        verifier.Dispose();

        Assert.Throws<ObjectDisposedException>(() => key.Sign("m"u8));
        Assert.Throws<ObjectDisposedException>(() => key.Sign("m"u8, new byte[600]));
        Assert.Throws<ObjectDisposedException>(() => key.TrySign("m"u8, new byte[600], out _));
        Assert.Throws<ObjectDisposedException>(() => key.ExportPkcs8PrivateKey());
        Assert.Throws<ObjectDisposedException>(() => key.ExportSubjectPublicKeyInfo());
        Assert.Throws<ObjectDisposedException>(() => key.GetVerificationKey());
        Assert.Throws<ObjectDisposedException>(() => verifier.Verify("m"u8, signature));
        Assert.Throws<ObjectDisposedException>(() => verifier.ExportSubjectPublicKeyInfo());
    }

    [Fact]
    public void ToString_ShowsAlgorithmOnly_NeverKeyBytes()
    {
        byte[] seed = TestBytes.Random(32);
        using SigningKey key = SigningKey.ImportRawPrivateKey(SignatureAlgorithm.Ed25519, seed);
        Assert.Equal("SigningKey(Ed25519, 256 bits)", key.ToString());
        TestBytes.AssertDoesNotReveal(key.ToString(), seed);
        using KeyTransportPrivateKey transport = KeyTransportPrivateKey.Generate(2048);
        Assert.Equal("KeyTransportPrivateKey(RSA-OAEP-SHA256, 2048 bits)", transport.ToString());
    }

    [Fact]
    public void RsaPssOidKey_ImportsForPss_RefusedForPkcs1AndOaep()
    {
        // id-RSASSA-PSS with no parameters, as `openssl genpkey -algorithm rsa-pss` writes it.
        using var rsa = RSA.Create(2048);
        byte[] pssPkcs8 = new System.Security.Cryptography.Pkcs.Pkcs8PrivateKeyInfo(
            new Oid("1.2.840.113549.1.1.10"), null, rsa.ExportRSAPrivateKey()).Encode();

        using SigningKey key = SigningKey.ImportPkcs8PrivateKey(SignatureAlgorithm.RsaPssSha384, pssPkcs8);
        Assert.True(rsa.VerifyData("m"u8, key.Sign("m"u8), HashAlgorithmName.SHA384, RSASignaturePadding.Pss));
        Assert.Throws<CryptographicException>(() => SigningKey.ImportPkcs8PrivateKey(SignatureAlgorithm.RsaPkcs1Sha256, pssPkcs8));
        Assert.Throws<CryptographicException>(() => KeyTransportPrivateKey.ImportPkcs8PrivateKey(pssPkcs8));
        Assert.Contains("RSA-PSS", Assert.Throws<CryptographicException>(() => SigningKey.ImportPkcs8PrivateKey(SignatureAlgorithm.RsaPkcs1Sha256, pssPkcs8)).Message, StringComparison.Ordinal);
    }
}
