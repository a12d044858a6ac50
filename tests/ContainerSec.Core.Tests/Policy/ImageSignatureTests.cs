using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using ContainerSec.Cryptography;
using ContainerSec.Policy;
using ContainerSec.Tests.Cryptography;
using FsCheck;
using FsCheck.Fluent;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace ContainerSec.Tests.Policy;

public sealed class ImageSignatureTests
{
    private const string DigestA = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private const string DigestB = "sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
    private const string ImageA = "ghcr.io/org/app@" + DigestA;

    public static TheoryData<string> SigningAlgorithms => new() { "Ed25519", "ECDSA-P256-SHA256", "ECDSA-P256-SHA256-DER" };

    private static SignatureAlgorithm Algorithm(string name) => name switch
    {
        "Ed25519" => SignatureAlgorithm.Ed25519,
        "ECDSA-P256-SHA256" => SignatureAlgorithm.EcdsaP256Sha256,
        _ => SignatureAlgorithm.EcdsaP256Sha256Der,
    };

    [Fact]
    public void Payload_KnownImage_IsTheDocumentedBytes()
    {
        byte[] payload = ImageSignaturePayload.Create("nginx:1.27@" + DigestA);

        Assert.Equal("ContainerSec image signature v1\nrepository docker.io/library/nginx\ndigest " + DigestA + "\n", Encoding.ASCII.GetString(payload));
        Assert.Equal(payload, ImageSignaturePayload.Create("docker.io/library/nginx@" + DigestA));
    }

    [Theory]
    [InlineData("ghcr.io/org/app:1.0")]
    [InlineData("ghcr.io/org/app")]
    [InlineData("ghcr.io/org/app@sha512:" + "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff")]
    [InlineData("Not A Reference")]
    [InlineData(" ghcr.io/org/app@" + DigestA)]
    [InlineData("ghcr.io\nrepository evil.io/org/app@" + DigestA)]
    [InlineData("ghcr..io/org/app@" + DigestA)]
    [InlineData("-ghcr.io/org/app@" + DigestA)]
    public void Payload_UnsignableImage_Throws(string image) =>
        Assert.Equal("image", Assert.Throws<ArgumentException>(() => ImageSignaturePayload.Create(image)).ParamName);

    [Theory]
    [MemberData(nameof(SigningAlgorithms))]
    public void Evaluate_OurSigningKey_VerifiedNamingTheKey(string name)
    {
        using SigningKey key = SigningKey.Generate(Algorithm(name));
        using VerificationKey verifier = key.GetVerificationKey();
        var policy = new ImageSignaturePolicy([new ImageSignatureRule("ghcr.io/org/*", [verifier])]);

        ImageSignatureDecision decision = policy.Evaluate("ghcr.io/org/app:2.1@" + DigestA, [ImageSignature.Sign(ImageA, key)]);

        Assert.True(decision.Allowed, decision.ToString());
        Assert.Equal(ImageSignature.GetKeyId(verifier), decision.VerifiedBy!.KeyId);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(verifier.ExportSubjectPublicKeyInfo())), decision.VerifiedBy.KeyId);
        Assert.Same(verifier.Algorithm, decision.VerifiedBy.Algorithm);
        Assert.Empty(decision.Reasons);
        Assert.Contains(decision.VerifiedBy.KeyId!, decision.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(SigningAlgorithms))]
    public void Evaluate_BouncyCastleSignatureAndKey_Verified(string name)
    {
        SignatureAlgorithm algorithm = Algorithm(name);
        AsymmetricCipherKeyPair pair = algorithm == SignatureAlgorithm.Ed25519 ? GenerateEd25519() : GenerateP256();
        byte[] spki = SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(pair.Public).GetDerEncoded();
        byte[] payload = ImageSignaturePayload.Create(ImageA);
        ISigner signer = SignerUtilities.GetSigner(SignatureReference.SignerName(algorithm));
        signer.Init(true, pair.Private);
        signer.BlockUpdate(payload, 0, payload.Length);
        byte[] signature = signer.GenerateSignature();
        using VerificationKey verifier = VerificationKey.ImportSubjectPublicKeyInfo(algorithm, spki);
        var policy = new ImageSignaturePolicy([new ImageSignatureRule("ghcr.io/org/**", [verifier])]);
        string keyId = Convert.ToHexStringLower(SHA256.HashData(spki));

        ImageSignatureDecision good = policy.Evaluate(ImageA, [ImageSignature.FromKey(keyId, payload, signature)]);
        signature[^1] ^= 1;
        ImageSignatureDecision bad = policy.Evaluate(ImageA, [ImageSignature.FromKey(keyId, payload, signature)]);

        Assert.True(good.Allowed, good.ToString());
        Assert.Equal(keyId, ImageSignature.GetKeyId(verifier));
        Assert.Equal(ImageSignatureStatus.BadSignature, Assert.Single(bad.Checks).Status);
    }

    [Theory]
    [InlineData("ed25519")]
    [InlineData("p256")]
    public void Evaluate_OpenSslSignature_Verified(string kind)
    {
        using var openssl = new CmsOpenSsl();
        string key = openssl.PathOf("key.pem"), pub = openssl.PathOf("pub.pem"), sig = openssl.PathOf("sig");
        byte[] payload = ImageSignaturePayload.Create(ImageA);
        string msg = openssl.Write("payload", payload);
        SignatureAlgorithm algorithm = kind == "ed25519" ? SignatureAlgorithm.Ed25519 : SignatureAlgorithm.EcdsaP256Sha256Der;
        openssl.RunOk(kind == "ed25519" ? ["genpkey", "-algorithm", "ED25519", "-out", key] : ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key]);
        openssl.RunOk("pkey", "-in", key, "-pubout", "-out", pub);
        openssl.RunOk(kind == "ed25519"
            ? ["pkeyutl", "-sign", "-inkey", key, "-rawin", "-in", msg, "-out", sig]
            : ["dgst", "-sha256", "-sign", key, "-out", sig, msg]);
        using VerificationKey verifier = VerificationKey.ImportFromPem(algorithm, File.ReadAllText(pub));
        var policy = new ImageSignaturePolicy([new ImageSignatureRule("ghcr.io/org/app", [verifier])]);
        string keyId = ImageSignature.GetKeyId(verifier);

        ImageSignatureDecision decision = policy.Evaluate(ImageA, [ImageSignature.FromKey(keyId, payload, File.ReadAllBytes(sig))]);
        ImageSignatureDecision replayed = policy.Evaluate("ghcr.io/org/app@" + DigestB, [ImageSignature.FromKey(keyId, payload, File.ReadAllBytes(sig))]);

        Assert.True(decision.Allowed, decision.ToString());
        Assert.Equal(ImageSignatureStatus.WrongDigest, Assert.Single(replayed.Checks).Status);
    }

    [Theory]
    [MemberData(nameof(SigningAlgorithms))]
    public void Evaluate_EveryByteOfPayloadOrSignatureTampered_Refused(string name)
    {
        using SigningKey key = SigningKey.Generate(Algorithm(name));
        using VerificationKey verifier = key.GetVerificationKey();
        var policy = new ImageSignaturePolicy([new ImageSignatureRule("ghcr.io/org/app", [verifier])]);
        ImageSignature original = ImageSignature.Sign(ImageA, key);
        byte[] payload = original.Payload.ToArray(), signature = original.Signature.ToArray();
        Assert.True(policy.Evaluate(ImageA, [original]).Allowed);

        foreach (byte mask in (byte[])[0x01, 0x80])
        {
            for (int i = 0; i < payload.Length; i++)
            {
                byte[] tampered = (byte[])payload.Clone();
                tampered[i] ^= mask;
                ImageSignatureCheck check = Assert.Single(policy.Evaluate(ImageA, [ImageSignature.FromKey(original.KeyId!, tampered, signature)]).Checks);
                Assert.True(check.Status is ImageSignatureStatus.Malformed or ImageSignatureStatus.WrongRepository or ImageSignatureStatus.WrongDigest, $"payload byte {i}: {check}");
            }

            for (int i = 0; i < signature.Length; i++)
            {
                byte[] tampered = (byte[])signature.Clone();
                tampered[i] ^= mask;
                ImageSignatureCheck check = Assert.Single(policy.Evaluate(ImageA, [ImageSignature.FromKey(original.KeyId!, payload, tampered)]).Checks);
                Assert.True(check.Status == ImageSignatureStatus.BadSignature, $"signature byte {i}: {check}");
            }
        }

        // Truncated and extended signatures are bad signatures too, not exceptions.
        Assert.Equal(ImageSignatureStatus.BadSignature, Assert.Single(policy.Evaluate(ImageA, [ImageSignature.FromKey(original.KeyId!, payload, signature.AsSpan(..^1))]).Checks).Status);
        Assert.Equal(ImageSignatureStatus.BadSignature, Assert.Single(policy.Evaluate(ImageA, [ImageSignature.FromKey(original.KeyId!, payload, [.. signature, 0])]).Checks).Status);
    }

    [Fact]
    public void Evaluate_SignatureReplayedOnAnotherImage_Refused()
    {
        using SigningKey key = SigningKey.Generate(SignatureAlgorithm.Ed25519);
        using VerificationKey verifier = key.GetVerificationKey();
        var policy = new ImageSignaturePolicy([new ImageSignatureRule("ghcr.io/org/**", [verifier])]);
        ImageSignature forA = ImageSignature.Sign(ImageA, key);

        ImageSignatureDecision otherRepository = policy.Evaluate("ghcr.io/org/other@" + DigestA, [forA]);
        ImageSignatureDecision otherDigest = policy.Evaluate("ghcr.io/org/app@" + DigestB, [forA]);
        // The attacker also swaps in the payload of the target image: the signature no longer matches it.
        ImageSignatureDecision swapped = policy.Evaluate("ghcr.io/org/other@" + DigestA,
            [ImageSignature.FromKey(forA.KeyId!, ImageSignaturePayload.Create("ghcr.io/org/other@" + DigestA), forA.Signature.Span)]);

        Assert.Equal(ImageSignatureStatus.WrongRepository, Assert.Single(otherRepository.Checks).Status);
        Assert.Contains("'ghcr.io/org/app'", otherRepository.Reasons[0], StringComparison.Ordinal);
        Assert.Equal(ImageSignatureStatus.WrongDigest, Assert.Single(otherDigest.Checks).Status);
        Assert.Equal(ImageSignatureStatus.BadSignature, Assert.Single(swapped.Checks).Status);
        Assert.False(otherRepository.Allowed || otherDigest.Allowed || swapped.Allowed);
    }

    [Fact]
    public void Evaluate_KeyNotTrustedForRepository_UnknownKey()
    {
        using SigningKey trusted = SigningKey.Generate(SignatureAlgorithm.Ed25519), stranger = SigningKey.Generate(SignatureAlgorithm.Ed25519);
        using VerificationKey trustedPublic = trusted.GetVerificationKey();
        var policy = new ImageSignaturePolicy([
            new ImageSignatureRule("ghcr.io/org/app", [trustedPublic]),
            new ImageSignatureRule("ghcr.io/other/*", [trustedPublic]),
        ]);

        ImageSignatureDecision unknown = policy.Evaluate(ImageA, [ImageSignature.Sign(ImageA, stranger)]);
        ImageSignatureDecision elsewhere = policy.Evaluate("docker.io/library/nginx@" + DigestA, [ImageSignature.Sign("nginx@" + DigestA, trusted)]);

        Assert.Equal(ImageSignatureStatus.UnknownKey, Assert.Single(unknown.Checks).Status);
        Assert.Contains(ImageSignature.GetKeyId(stranger), unknown.Reasons[0], StringComparison.Ordinal);
        Assert.Equal(["no signature rule covers repository 'docker.io/library/nginx'"], elsewhere.Reasons);
    }

    [Fact]
    public void Evaluate_OneGoodAmongBadSignatures_AllowedAndEveryCheckReported()
    {
        using SigningKey key = SigningKey.Generate(SignatureAlgorithm.EcdsaP256Sha256), stranger = SigningKey.Generate(SignatureAlgorithm.EcdsaP256Sha256);
        using VerificationKey verifier = key.GetVerificationKey();
        var policy = new ImageSignaturePolicy([new ImageSignatureRule("ghcr.io/org/app", [verifier])]);
        ImageSignature good = ImageSignature.Sign(ImageA, key);

        ImageSignatureDecision decision = policy.Evaluate(ImageA, [
            ImageSignature.Sign(ImageA, stranger),
            ImageSignature.FromKey(good.KeyId!, good.Payload.Span, new byte[64]),
            good,
        ]);

        Assert.True(decision.Allowed);
        Assert.Equal(2, decision.VerifiedBy!.Index);
        Assert.Equal([ImageSignatureStatus.UnknownKey, ImageSignatureStatus.BadSignature, ImageSignatureStatus.Verified], decision.Checks.Select(c => c.Status));
    }

    [Fact]
    public void Evaluate_DerSignatureForP1363Key_BadSignature()
    {
        using SigningKey derKey = SigningKey.Generate(SignatureAlgorithm.EcdsaP256Sha256Der, KeyExportPolicy.AllowPlaintextExport);
        using VerificationKey p1363 = VerificationKey.ImportSubjectPublicKeyInfo(SignatureAlgorithm.EcdsaP256Sha256, derKey.ExportSubjectPublicKeyInfo());
        var policy = new ImageSignaturePolicy([new ImageSignatureRule("ghcr.io/org/app", [p1363])]);

        ImageSignatureCheck check = Assert.Single(policy.Evaluate(ImageA, [ImageSignature.Sign(ImageA, derKey)]).Checks);

        Assert.Equal(ImageSignatureStatus.BadSignature, check.Status);
    }

    [Theory]
    [InlineData("ghcr.io/org/app:1.0", "tag only")]
    [InlineData("ghcr.io/org/app", "tag only")]
    [InlineData("ghcr.io/org/app@sha512:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", "sha256:<64 hex> digests only")]
    [InlineData("ghcr.io/Org/app@" + DigestA, "invalid repository")]
    public void Evaluate_ImageNotSignable_RefusedBeforeAnySignature(string image, string reason)
    {
        using SigningKey key = SigningKey.Generate(SignatureAlgorithm.Ed25519);
        using VerificationKey verifier = key.GetVerificationKey();
        var policy = new ImageSignaturePolicy([new ImageSignatureRule("ghcr.io/org/app", [verifier])]);

        ImageSignatureDecision decision = policy.Evaluate(image, [ImageSignature.Sign(ImageA, key)]);

        Assert.False(decision.Allowed);
        Assert.Empty(decision.Checks);
        Assert.Contains(reason, Assert.Single(decision.Reasons), StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_NoOrTooManySignatures_Refused()
    {
        using SigningKey key = SigningKey.Generate(SignatureAlgorithm.Ed25519);
        using VerificationKey verifier = key.GetVerificationKey();
        var policy = new ImageSignaturePolicy([new ImageSignatureRule("ghcr.io/org/app", [verifier])]);
        ImageSignature good = ImageSignature.Sign(ImageA, key);

        ImageSignatureDecision none = policy.Evaluate(ImageA, []);
        ImageSignatureDecision many = policy.Evaluate(ImageA, Enumerable.Repeat(good, ImageSignaturePolicy.MaxSignatures + 1));
        ImageSignatureDecision limit = policy.Evaluate(ImageA, Enumerable.Repeat(good, ImageSignaturePolicy.MaxSignatures));

        Assert.Contains("no signature", Assert.Single(none.Reasons), StringComparison.Ordinal);
        Assert.Contains("more than 16 signatures", Assert.Single(many.Reasons), StringComparison.Ordinal);
        Assert.True(limit.Allowed);
        Assert.False(new ImageSignaturePolicy([]).Evaluate(ImageA, [good]).Allowed);
    }

    [Theory]
    [InlineData("ContainerSec image signature v1\r\nrepository ghcr.io/org/app\ndigest " + DigestA + "\n")]
    [InlineData("ContainerSec image signature v1\nrepository ghcr.io/org/app\ndigest " + DigestA)]
    [InlineData("ContainerSec image signature v1\nrepository ghcr.io/org/app\ndigest " + DigestA + "\n\n")]
    [InlineData("ContainerSec image signature v2\nrepository ghcr.io/org/app\ndigest " + DigestA + "\n")]
    [InlineData("ContainerSec image signature v1\nrepository  ghcr.io/org/app\ndigest " + DigestA + "\n")]
    [InlineData("ContainerSec image signature v1\nrepository ghcr.io/org/app:1\ndigest " + DigestA + "\n")]
    [InlineData("ContainerSec image signature v1\nrepository nginx\ndigest " + DigestA + "\n")]
    [InlineData("ContainerSec image signature v1\nrepository ghcr.io/org/app\ndigest SHA256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef\n")]
    [InlineData("ContainerSec image signature v1\ndigest " + DigestA + "\nrepository ghcr.io/org/app\n")]
    [InlineData("")]
    public void Evaluate_NonCanonicalPayload_Malformed(string payload)
    {
        using SigningKey key = SigningKey.Generate(SignatureAlgorithm.Ed25519);
        using VerificationKey verifier = key.GetVerificationKey();
        var policy = new ImageSignaturePolicy([new ImageSignatureRule("ghcr.io/org/app", [verifier])]);
        byte[] bytes = Encoding.ASCII.GetBytes(payload);

        ImageSignatureCheck check = Assert.Single(policy.Evaluate(ImageA, [ImageSignature.FromKey(ImageSignature.GetKeyId(key), bytes, key.Sign(bytes))]).Checks);

        Assert.Equal(ImageSignatureStatus.Malformed, check.Status);
    }

    [Fact]
    public void FromKeyAndFromCms_BadKeyIdOrOversizedInput_Throw()
    {
        byte[] payload = ImageSignaturePayload.Create(ImageA);
        string keyId = new('a', 64);

        Assert.Equal("keyId", Assert.Throws<ArgumentException>(() => ImageSignature.FromKey(keyId.ToUpperInvariant(), payload, new byte[64])).ParamName);
        Assert.Equal("keyId", Assert.Throws<ArgumentException>(() => ImageSignature.FromKey(keyId[..63], payload, new byte[64])).ParamName);
        Assert.Throws<ArgumentNullException>("keyId", () => ImageSignature.FromKey(null!, payload, new byte[64]));
        Assert.Equal("payload", Assert.Throws<ArgumentException>(() => ImageSignature.FromKey(keyId, new byte[ImageSignaturePayload.MaxSizeInBytes + 1], new byte[64])).ParamName);
        Assert.Equal("signature", Assert.Throws<ArgumentException>(() => ImageSignature.FromKey(keyId, payload, new byte[ImageSignature.MaxKeySignatureSizeInBytes + 1])).ParamName);
        Assert.Equal("signature", Assert.Throws<ArgumentException>(() => ImageSignature.FromKey(keyId, payload, [])).ParamName);
        Assert.Equal("signature", Assert.Throws<ArgumentException>(() => ImageSignature.FromCms(payload, new byte[ArtifactSignatureVerifier.MaxSignatureSizeInBytes + 1])).ParamName);
        Assert.Equal(ImageSignature.MaxKeySignatureSizeInBytes, ImageSignature.FromKey(keyId, payload, new byte[ImageSignature.MaxKeySignatureSizeInBytes]).Signature.Length);
    }

    [Fact]
    public void Rule_BadArguments_Throw()
    {
        using SigningKey key = SigningKey.Generate(SignatureAlgorithm.Ed25519);
        VerificationKey disposed = key.GetVerificationKey();
        disposed.Dispose();

        Assert.Equal("repositoryPattern", Assert.Throws<ArgumentException>(() => new ImageSignatureRule("GHCR.io/x", [key.GetVerificationKey()])).ParamName);
        Assert.Equal("keys", Assert.Throws<ArgumentException>(() => new ImageSignatureRule("ghcr.io/x", Array.Empty<VerificationKey>())).ParamName);
        Assert.Throws<ArgumentNullException>("keys", () => new ImageSignatureRule("ghcr.io/x", [null!]));
        Assert.Throws<ObjectDisposedException>(() => new ImageSignatureRule("ghcr.io/x", [disposed]));
        Assert.Throws<ArgumentNullException>("rules", () => new ImageSignaturePolicy([null!]));
    }

    [Fact]
    public void Evaluate_CmsSignatureChainingToTrustAnchor_VerifiedWithSigner()
    {
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.EcdsaP256);
        var signer = new ArtifactSigner(pki.Leaf, HashFunction.Sha256, [pki.Intermediate]);
        var policy = new ImageSignaturePolicy([new ImageSignatureRule("ghcr.io/org/*", new ArtifactSignatureVerifier([pki.Root]))]);
        ImageSignature signature = ImageSignature.Sign(ImageA, signer);

        ImageSignatureDecision decision = policy.Evaluate(ImageA, [signature]);
        ImageSignatureDecision replayed = policy.Evaluate("ghcr.io/org/app@" + DigestB, [signature]);
        ImageSignatureDecision swapped = policy.Evaluate("ghcr.io/org/app@" + DigestB,
            [ImageSignature.FromCms(ImageSignaturePayload.Create("ghcr.io/org/app@" + DigestB), signature.Signature.Span)]);

        Assert.True(decision.Allowed, decision.ToString());
        Assert.Equal(pki.Leaf.Subject, decision.VerifiedBy!.CmsResult!.SignerSubject);
        Assert.Null(decision.VerifiedBy.KeyId);
        Assert.Equal(ImageSignatureStatus.WrongDigest, Assert.Single(replayed.Checks).Status);
        ImageSignatureCheck swappedCheck = Assert.Single(swapped.Checks);
        Assert.Equal(ImageSignatureStatus.CmsRefused, swappedCheck.Status);
        Assert.Equal(SignatureFailureReason.ContentMismatch, swappedCheck.CmsResult!.Reason);
    }

    [Fact]
    public void Evaluate_CmsUntrustedChainOrTamperedOrNoCmsRule_Refused()
    {
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.EcdsaP256);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using X509Certificate2 otherRoot = CmsTestPki.CreateCa(CmsKeyKind.EcdsaP256, "CN=Untrusted Image Root", null, now.AddDays(-1), now.AddYears(1));
        using X509Certificate2 otherLeaf = CmsTestPki.CreateLeaf(CmsKeyKind.EcdsaP256, "CN=Untrusted Image Signer", otherRoot, now.AddHours(-1), now.AddDays(1));
        using SigningKey key = SigningKey.Generate(SignatureAlgorithm.Ed25519);
        using VerificationKey verifier = key.GetVerificationKey();
        var policy = new ImageSignaturePolicy([
            new ImageSignatureRule("ghcr.io/org/app", new ArtifactSignatureVerifier([pki.Root])),
            new ImageSignatureRule("ghcr.io/keys/app", [verifier]),
        ]);
        ImageSignature untrusted = ImageSignature.Sign(ImageA, new ArtifactSigner(otherLeaf, HashFunction.Sha256, [otherRoot]));
        ImageSignature good = ImageSignature.Sign(ImageA, new ArtifactSigner(pki.Leaf, HashFunction.Sha256, [pki.Intermediate]));
        byte[] tampered = good.Signature.ToArray();
        tampered[^10] ^= 0x01;

        ImageSignatureCheck untrustedCheck = Assert.Single(policy.Evaluate(ImageA, [untrusted]).Checks);
        ImageSignatureCheck tamperedCheck = Assert.Single(policy.Evaluate(ImageA, [ImageSignature.FromCms(good.Payload.Span, tampered)]).Checks);
        ImageSignatureCheck garbageCheck = Assert.Single(policy.Evaluate(ImageA, [ImageSignature.FromCms(good.Payload.Span, [0x30, 0x03, 0x02, 0x01])]).Checks);
        string keysImage = "ghcr.io/keys/app@" + DigestA;
        ImageSignatureCheck noCmsRule = Assert.Single(policy.Evaluate(keysImage, [ImageSignature.Sign(keysImage, new ArtifactSigner(pki.Leaf, HashFunction.Sha256, [pki.Intermediate]))]).Checks);

        Assert.Equal(ImageSignatureStatus.CmsRefused, untrustedCheck.Status);
        Assert.Equal(SignatureFailureReason.UntrustedRoot, untrustedCheck.CmsResult!.Reason);
        Assert.Equal(ImageSignatureStatus.CmsRefused, tamperedCheck.Status);
        Assert.False(tamperedCheck.CmsResult!.IsValid);
        Assert.Equal(SignatureFailureReason.Malformed, garbageCheck.CmsResult!.Reason);
        Assert.Equal(ImageSignatureStatus.UnknownKey, noCmsRule.Status);
    }

    [Fact]
    public void Evaluate_OpenSslCmsSignature_Verified()
    {
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.EcdsaP256);
        using var openssl = new CmsOpenSsl();
        openssl.WritePki(pki);
        byte[] payload = ImageSignaturePayload.Create(ImageA);
        byte[] signature = openssl.Sign(payload, "sha256");   // openssl cms -sign -binary -outform DER -md sha256 -certfile intermediate.pem
        var policy = new ImageSignaturePolicy([new ImageSignatureRule("ghcr.io/org/app", new ArtifactSignatureVerifier([pki.Root]))]);

        ImageSignatureDecision decision = policy.Evaluate(ImageA, [ImageSignature.FromCms(payload, signature)]);
        ImageSignatureDecision other = policy.Evaluate("ghcr.io/org/app@" + DigestB,
            [ImageSignature.FromCms(ImageSignaturePayload.Create("ghcr.io/org/app@" + DigestB), signature)]);

        Assert.True(decision.Allowed, decision.ToString());
        Assert.Equal(pki.Leaf.Subject, decision.VerifiedBy!.CmsResult!.SignerSubject);
        Assert.Equal(SignatureFailureReason.ContentMismatch, Assert.Single(other.Checks).CmsResult!.Reason);
    }

    [Fact]
    public void Evaluate_RandomImages_SignatureVerifiesOnlyForItsOwnRepositoryAndDigest()
    {
        using SigningKey key = SigningKey.Generate(SignatureAlgorithm.Ed25519);
        using VerificationKey verifier = key.GetVerificationKey();
        var policy = new ImageSignaturePolicy([new ImageSignatureRule("reg.example/**", [verifier])]);
        var property = Prop.ForAll(Gen.Choose(0, int.MaxValue - 1).ToArbitrary(), seed =>
        {
            var random = new Random(seed);
            string signed = RandomImage(random), other = random.Next(3) == 0 ? signed : RandomImage(random);
            ImageSignature signature = ImageSignature.Sign(signed, key);
            bool same = ImageReference.Parse(signed).ToString() == ImageReference.Parse(other).ToString();
            ImageSignatureDecision decision = policy.Evaluate(other, [signature]);
            if (decision.Allowed != same || (same && !policy.Evaluate(signed, [signature]).Allowed))
            {
                throw new InvalidOperationException($"seed {seed}: {signed} signed, {other} evaluated: {decision}");
            }
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), property);
    }

    /// <summary>An image under reg.example with one to three short path segments and a digest from a small alphabet, so that collisions happen.</summary>
    private static string RandomImage(Random random)
    {
        string[] segments = new string[random.Next(1, 4)];
        for (int i = 0; i < segments.Length; i++)
        {
            segments[i] = new string(random.GetItems<char>("ab", random.Next(1, 3)));
        }

        return $"reg.example/{string.Join('/', segments)}@sha256:{new string(random.GetItems<char>("0f", 64))}";
    }

    private static AsymmetricCipherKeyPair GenerateEd25519()
    {
        var generator = new Ed25519KeyPairGenerator();
        generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
        return generator.GenerateKeyPair();
    }

    private static AsymmetricCipherKeyPair GenerateP256()
    {
        var generator = new ECKeyPairGenerator();
        generator.Init(new ECKeyGenerationParameters(Org.BouncyCastle.Asn1.Sec.SecObjectIdentifiers.SecP256r1, new SecureRandom()));
        return generator.GenerateKeyPair();
    }
}
