using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using ContainerSec.Cryptography;
using FsCheck;
using FsCheck.Fluent;

namespace ContainerSec.Tests.Cryptography;

/// <summary><see cref="ArtifactSigner"/> and <see cref="ArtifactSignatureVerifier"/>: round trips, tampering, trust, time.</summary>
public sealed class CmsSignatureTests
{
    private static readonly byte[] Manifest = """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}"""u8.ToArray();

    public static TheoryData<CmsKeyKind> Kinds => [CmsKeyKind.EcdsaP256, CmsKeyKind.EcdsaP384, CmsKeyKind.Rsa2048];

    public static TheoryData<CmsKeyKind, HashFunction> KindsAndDigests => Algorithms.Cross(
        [CmsKeyKind.EcdsaP256, CmsKeyKind.EcdsaP384, CmsKeyKind.Rsa2048], [.. Algorithms.Hash]);

    internal static ArtifactSigner Signer(CmsTestPki pki, X509Certificate2? leaf = null, DateTimeOffset? at = null, bool embedIntermediate = true, HashFunction? digest = null) =>
        new(leaf ?? pki.Leaf, digest ?? HashFunction.Sha256, embedIntermediate ? [pki.Intermediate] : null, new FixedTimeProvider(at ?? pki.Now));

    internal static ArtifactSignatureVerifier Verifier(CmsTestPki pki, DateTimeOffset? now = null, IEnumerable<X509Certificate2>? intermediates = null) =>
        new([pki.Root], intermediates) { TimeProvider = new FixedTimeProvider(now ?? pki.Now) };

    [Theory]
    [MemberData(nameof(KindsAndDigests))]
    public void Verify_OwnSignature_IsValidAndNamesSignerChainTimeAndDigest(CmsKeyKind kind, HashFunction digest)
    {
        CmsTestPki pki = CmsTestPki.Get(kind);
        byte[] signature = Signer(pki, digest: digest).Sign(Manifest);

        SignatureVerificationResult result = Verifier(pki).Verify(Manifest, signature);

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(SignatureFailureReason.None, result.Reason);
        Assert.Equal(pki.Leaf.Subject, result.SignerSubject);
        Assert.Equal(pki.Leaf.GetCertHashString(HashAlgorithmName.SHA256), result.SignerThumbprint);
        Assert.Equal(((X509SubjectKeyIdentifierExtension)pki.Leaf.Extensions["2.5.29.14"]!).SubjectKeyIdentifier, result.SignerSubjectKeyIdentifier);
        Assert.Equal(pki.Now, result.SigningTime);
        Assert.Same(digest, result.DigestAlgorithm);
        Assert.Equal([pki.Leaf.Thumbprint, pki.Intermediate.Thumbprint, pki.Root.Thumbprint], result.Chain.Select(c => c.Thumbprint));
    }

    [Fact]
    public void SignVerify_AnyContent_RoundTripsAndAnyBitFlipIsContentMismatch()
    {
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.EcdsaP256);
        ArtifactSigner signer = Signer(pki);
        ArtifactSignatureVerifier verifier = Verifier(pki);
        TestBytes.Check(Prop.ForAll(Gen.Zip(TestBytes.Length(4096).Where(n => n > 0), TestBytes.Seed).ToArbitrary(), c =>
        {
            var random = new Random(c.Item2);
            byte[] content = TestBytes.Seeded(random, c.Item1);
            byte[] signature = signer.Sign(content);

            Assert.True(verifier.Verify(content, signature).IsValid);
            Assert.True(verifier.Verify(new MemoryStream(content), signature).IsValid);
            byte[] tampered = TestBytes.FlipBit(content, random.Next(content.Length * 8));
            Assert.Equal(SignatureFailureReason.ContentMismatch, verifier.Verify(tampered, signature).Reason);
        }), 40);
    }

    [Fact]
    public void Sign_Output_IsDetachedSignedDataWithSigningTimeAndWithoutRoot()
    {
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.EcdsaP256);
        byte[] signature = Signer(pki).Sign(Manifest);

        var cms = new SignedCms(new ContentInfo(Manifest), detached: true);
        cms.Decode(signature);
        cms.CheckSignature(verifySignatureOnly: true);
        Assert.True(cms.Detached);
        Assert.Equal(new[] { pki.Leaf.Thumbprint, pki.Intermediate.Thumbprint }.Order(), cms.Certificates.Select(c => c.Thumbprint).Order());
        Assert.DoesNotContain(cms.Certificates, c => c.Thumbprint == pki.Root.Thumbprint);
        Pkcs9SigningTime time = Assert.Single(cms.SignerInfos[0].SignedAttributes.Cast<CryptographicAttributeObject>()
            .Where(a => a.Oid.Value == "1.2.840.113549.1.9.5").Select(a => new Pkcs9SigningTime(a.Values[0].RawData)));
        Assert.Equal(pki.Now.UtcDateTime, time.SigningTime.ToUniversalTime());
    }

    [Fact]
    public void Sign_AllShapes_ProduceVerifyingSignatures()
    {
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.EcdsaP256);
        ArtifactSigner signer = Signer(pki);
        ArtifactSignatureVerifier verifier = Verifier(pki);

        byte[] buffer = new byte[8192];
        int written = signer.Sign(Manifest, buffer);
        Assert.True(verifier.Verify(Manifest, buffer.AsSpan(0, written)).IsValid);

        Assert.True(signer.TrySign(Manifest, buffer, out int tryWritten));
        Assert.True(verifier.Verify(Manifest, buffer.AsSpan(0, tryWritten)).IsValid);

        Assert.False(signer.TrySign(Manifest, new byte[16], out int none));
        Assert.Equal(0, none);
        ArgumentException e = Assert.Throws<ArgumentException>(() => signer.Sign(Manifest, new byte[16]));
        Assert.Equal("destination", e.ParamName);

        byte[] streamed = signer.Sign(new MemoryStream(Manifest));
        Assert.True(verifier.Verify(new MemoryStream(Manifest), streamed).IsValid);
        Assert.True(verifier.Verify(Manifest, streamed).IsValid);
    }

    [Fact]
    public void Sign_EmptyContent_ThrowsArgumentException()
    {
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.EcdsaP256);
        ArtifactSigner signer = Signer(pki);
        Assert.Equal("source", Assert.Throws<ArgumentException>(() => signer.Sign([])).ParamName);
        Assert.Equal("source", Assert.Throws<ArgumentException>(() => signer.Sign(new MemoryStream())).ParamName);
        Assert.Equal("source", Assert.Throws<ArgumentException>(() => signer.TrySign([], new byte[4096], out _)).ParamName);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Verify_TamperedContent_ContentMismatch(CmsKeyKind kind)
    {
        CmsTestPki pki = CmsTestPki.Get(kind);
        byte[] signature = Signer(pki).Sign(Manifest);
        ArtifactSignatureVerifier verifier = Verifier(pki);

        for (int bit = 0; bit < Manifest.Length * 8; bit += 37)
        {
            SignatureVerificationResult result = verifier.Verify(TestBytes.FlipBit(Manifest, bit), signature);
            Assert.False(result.IsValid);
            Assert.Equal(SignatureFailureReason.ContentMismatch, result.Reason);
            Assert.Equal(pki.Leaf.Subject, result.SignerSubject);
        }

        Assert.Equal(SignatureFailureReason.ContentMismatch, verifier.Verify(Manifest.AsSpan(1), signature).Reason);
        Assert.Equal(SignatureFailureReason.ContentMismatch, verifier.Verify([.. Manifest, 0], signature).Reason);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Verify_TamperedSignatureValue_SignatureInvalid(CmsKeyKind kind)
    {
        CmsTestPki pki = CmsTestPki.Get(kind);
        byte[] signature = Signer(pki).Sign(Manifest);
        // The SignerInfo's signature value is the last element of the blob (no unsigned attributes):
        // its last byte is the low byte of ECDSA's s or of the RSA signature.
        byte[] tampered = TestBytes.FlipBit(signature, (signature.Length * 8) - 1);

        SignatureVerificationResult result = Verifier(pki).Verify(Manifest, tampered);

        Assert.Equal(SignatureFailureReason.SignatureInvalid, result.Reason);
        Assert.Equal(pki.Leaf.Subject, result.SignerSubject);
    }

    [Fact]
    public void Verify_SignatureValueOfAnotherSignatureSpliced_SignatureInvalid()
    {
        // The signed attributes of one signature with the signature value of another over the
        // same content (a different signing time). RSA-2048 values are always 256 bytes, so the
        // splice keeps every length field intact.
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.Rsa2048);
        byte[] first = Signer(pki).Sign(Manifest);
        byte[] second = Signer(pki, at: pki.Now.AddSeconds(1)).Sign(Manifest);
        byte[] valueFirst = SignatureValue(first);
        byte[] valueSecond = SignatureValue(second);
        Assert.Equal(256, valueFirst.Length);
        Assert.Equal(256, valueSecond.Length);
        int at = first.AsSpan().IndexOf(valueFirst);
        Assert.True(at > 0);
        byte[] spliced = [.. first.AsSpan(0, at), .. valueSecond, .. first.AsSpan(at + valueFirst.Length)];

        Assert.Equal(SignatureFailureReason.SignatureInvalid, Verifier(pki).Verify(Manifest, spliced).Reason);

        static byte[] SignatureValue(byte[] signature)
        {
            var cms = new SignedCms(new ContentInfo(Manifest), detached: true);
            cms.Decode(signature);
            return cms.SignerInfos[0].GetSignature();
        }
    }

    [Fact]
    public void Verify_ConcurrentCallsOnOneVerifier_AllValid()
    {
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.EcdsaP256);
        ArtifactSigner signer = Signer(pki);
        ArtifactSignatureVerifier verifier = Verifier(pki);
        byte[][] signatures = [.. Enumerable.Range(0, 8).Select(i => signer.Sign([.. Manifest, (byte)i]))];
        var outcomes = new SignatureFailureReason[64];

        Parallel.For(0, outcomes.Length, i =>
        {
            int which = i % signatures.Length;
            byte[] content = [.. Manifest, (byte)(i % 3 == 0 ? which + 1 : which)];
            outcomes[i] = verifier.Verify(content, signatures[which]).Reason;
        });

        for (int i = 0; i < outcomes.Length; i++)
        {
            Assert.Equal(i % 3 == 0 ? SignatureFailureReason.ContentMismatch : SignatureFailureReason.None, outcomes[i]);
        }
    }

    [Fact]
    public void Verify_WrongTrustAnchor_IncompleteChainOrUntrustedRoot()
    {
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.EcdsaP256);
        CmsTestPki other = CmsTestPki.Get(CmsKeyKind.EcdsaP384);
        byte[] signature = Signer(pki).Sign(Manifest);

        var withoutRoot = new ArtifactSignatureVerifier([other.Root]) { TimeProvider = new FixedTimeProvider(pki.Now) };
        SignatureVerificationResult missing = withoutRoot.Verify(Manifest, signature);
        Assert.Equal(SignatureFailureReason.IncompleteChain, missing.Reason);
        Assert.Equal(pki.Leaf.Subject, missing.SignerSubject);

        // The signer's real root is offered only as an untrusted helper: the chain reaches it, and it is not an anchor.
        var rootOffered = new ArtifactSignatureVerifier([other.Root], [pki.Root]) { TimeProvider = new FixedTimeProvider(pki.Now) };
        SignatureVerificationResult untrusted = rootOffered.Verify(Manifest, signature);
        Assert.Equal(SignatureFailureReason.UntrustedRoot, untrusted.Reason);
        Assert.Equal(pki.Root.Thumbprint, untrusted.Chain[^1].Thumbprint);
    }

    [Fact]
    public void Verify_IntermediateNotEmbedded_IncompleteChainUnlessSupplied()
    {
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.Rsa2048);
        byte[] signature = Signer(pki, embedIntermediate: false).Sign(Manifest);

        Assert.Equal(SignatureFailureReason.IncompleteChain, Verifier(pki).Verify(Manifest, signature).Reason);
        SignatureVerificationResult supplied = Verifier(pki, intermediates: [pki.Intermediate]).Verify(Manifest, signature);
        Assert.True(supplied.IsValid, supplied.ToString());
        Assert.Equal(3, supplied.Chain.Count);
    }

    [Fact]
    public void Verify_IntermediateAsTrustAnchor_IsNotEnoughWithoutItsRoot()
    {
        // Trusting the intermediate alone: the platform may or may not accept a non-self-signed anchor;
        // either way the outcome must be a definite reason, and a signature by another PKI stays refused.
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.EcdsaP256);
        CmsTestPki other = CmsTestPki.Get(CmsKeyKind.EcdsaP384);
        var verifier = new ArtifactSignatureVerifier([pki.Intermediate]) { TimeProvider = new FixedTimeProvider(pki.Now) };
        byte[] foreign = Signer(other).Sign(Manifest);
        Assert.False(verifier.Verify(Manifest, foreign).IsValid);
    }

    [Fact]
    public void Verify_LeafExpiredSinceSigning_Expired()
    {
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.EcdsaP256);
        using X509Certificate2 leaf = pki.CreateLeaf(pki.Now.AddHours(-20), pki.Now.AddHours(-1));
        byte[] signature = Signer(pki, leaf, at: pki.Now.AddHours(-2)).Sign(Manifest);

        SignatureVerificationResult result = Verifier(pki).Verify(Manifest, signature);

        Assert.Equal(SignatureFailureReason.Expired, result.Reason);
        Assert.Equal(leaf.Subject, result.SignerSubject);
        Assert.Contains(leaf.Subject, result.Message, StringComparison.Ordinal);
        // The same signature verifies while the certificate is valid: the chain is checked at "now".
        Assert.True(Verifier(pki, now: pki.Now.AddHours(-1.5)).Verify(Manifest, signature).IsValid);
    }

    [Fact]
    public void Verify_IntermediateNotYetValid_NotYetValid()
    {
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.EcdsaP256);
        using X509Certificate2 futureCa = CmsTestPki.CreateCa(CmsKeyKind.EcdsaP256, "CN=Future CA", pki.Root, pki.Now.AddMinutes(2), pki.Now.AddDays(10));
        using X509Certificate2 leaf = CmsTestPki.CreateLeaf(CmsKeyKind.EcdsaP256, "CN=Future Signer", futureCa, pki.Now.AddMinutes(2), pki.Now.AddDays(10));
        byte[] signature = new ArtifactSigner(leaf, HashFunction.Sha256, [futureCa], new FixedTimeProvider(pki.Now.AddMinutes(3))).Sign(Manifest);

        SignatureVerificationResult result = Verifier(pki).Verify(Manifest, signature);

        Assert.Equal(SignatureFailureReason.NotYetValid, result.Reason);
    }

    [Fact]
    public void Verify_SigningTimeInTheFuture_BeyondSkewRefusedWithinSkewAccepted()
    {
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.EcdsaP256);
        byte[] tenMinutesAhead = Signer(pki, at: pki.Now.AddMinutes(10)).Sign(Manifest);
        byte[] oneMinuteAhead = Signer(pki, at: pki.Now.AddMinutes(1)).Sign(Manifest);

        Assert.Equal(SignatureFailureReason.SigningTimeInFuture, Verifier(pki).Verify(Manifest, tenMinutesAhead).Reason);
        Assert.True(Verifier(pki).Verify(Manifest, oneMinuteAhead).IsValid);
        var strict = new ArtifactSignatureVerifier([pki.Root]) { TimeProvider = new FixedTimeProvider(pki.Now), MaxClockSkew = TimeSpan.Zero };
        Assert.Equal(SignatureFailureReason.SigningTimeInFuture, strict.Verify(Manifest, oneMinuteAhead).Reason);
    }

    [Fact]
    public void Verify_SigningTimeOutsideCertificateValidity_Refused()
    {
        // A signer that writes a signing time before its certificate existed (made with the BCL directly).
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.EcdsaP256);
        byte[] signature = BclSign(pki, Manifest, pki.Now.AddDays(-3), HashAlgorithmName.SHA256);

        SignatureVerificationResult result = Verifier(pki).Verify(Manifest, signature);

        Assert.Equal(SignatureFailureReason.SigningTimeOutsideValidity, result.Reason);
        Assert.Equal(pki.Now.AddDays(-3), result.SigningTime);
    }

    [Fact]
    public void Verify_NoSignedAttributes_SigningTimeMissing()
    {
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.EcdsaP256);
        byte[] signature = BclSign(pki, Manifest, null, HashAlgorithmName.SHA256);

        Assert.Equal(SignatureFailureReason.SigningTimeMissing, Verifier(pki).Verify(Manifest, signature).Reason);
    }

    [Fact]
    public void Verify_SignedAttributesWithoutSigningTime_SigningTimeMissing()
    {
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.EcdsaP256);
        var cms = new SignedCms(new ContentInfo(Manifest), detached: true);
        CmsSigner signer = BclSigner(pki.Leaf, null, HashAlgorithmName.SHA256);
        signer.Certificates.Add(pki.Intermediate);
        signer.SignedAttributes.Add(new Pkcs9DocumentName("manifest.json"));
        cms.ComputeSignature(signer, silent: true);

        SignatureVerificationResult result = Verifier(pki).Verify(Manifest, cms.Encode());

        Assert.Equal(SignatureFailureReason.SigningTimeMissing, result.Reason);
        Assert.Null(result.SigningTime);
        Assert.Equal(SignatureFailureReason.ContentMismatch, Verifier(pki).Verify(Manifest.AsSpan(1), cms.Encode()).Reason);
    }

    [Fact]
    public void Verify_TwoSigners_MultipleSigners()
    {
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.EcdsaP256);
        var cms = new SignedCms(new ContentInfo(Manifest), detached: true);
        cms.ComputeSignature(BclSigner(pki.Leaf, pki.Now, HashAlgorithmName.SHA256), silent: true);
        cms.ComputeSignature(BclSigner(CmsTestPki.Get(CmsKeyKind.Rsa2048).Leaf, pki.Now, HashAlgorithmName.SHA256), silent: true);

        Assert.Equal(SignatureFailureReason.MultipleSigners, Verifier(pki).Verify(Manifest, cms.Encode()).Reason);
    }

    [Fact]
    public void Verify_NoSigner_NoSigner()
    {
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.EcdsaP256);
        var cms = new SignedCms(new ContentInfo(Manifest), detached: true);
        cms.ComputeSignature(BclSigner(pki.Leaf, pki.Now, HashAlgorithmName.SHA256), silent: true);
        cms.RemoveSignature(0);

        Assert.Equal(SignatureFailureReason.NoSigner, Verifier(pki).Verify(Manifest, cms.Encode()).Reason);
    }

    [Fact]
    public void Verify_SignerCertificateNotEmbedded_SignerCertificateMissing()
    {
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.EcdsaP256);
        var cms = new SignedCms(new ContentInfo(Manifest), detached: true);
        CmsSigner signer = BclSigner(pki.Leaf, pki.Now, HashAlgorithmName.SHA256);
        signer.IncludeOption = X509IncludeOption.None;
        cms.ComputeSignature(signer, silent: true);

        Assert.Equal(SignatureFailureReason.SignerCertificateMissing, Verifier(pki).Verify(Manifest, cms.Encode()).Reason);
    }

    [Fact]
    public void Verify_AttachedSignature_Malformed()
    {
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.EcdsaP256);
        var cms = new SignedCms(new ContentInfo(Manifest), detached: false);
        cms.ComputeSignature(BclSigner(pki.Leaf, pki.Now, HashAlgorithmName.SHA256), silent: true);

        SignatureVerificationResult result = Verifier(pki).Verify(Manifest, cms.Encode());

        Assert.Equal(SignatureFailureReason.Malformed, result.Reason);
        Assert.Contains("detached", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_LeafWithoutDigitalSignatureUsage_NotValidForSigning()
    {
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.EcdsaP256);
        using X509Certificate2 leaf = pki.CreateLeaf(pki.Now.AddHours(-1), pki.Now.AddDays(1), X509KeyUsageFlags.DataEncipherment);

        ArgumentException e = Assert.Throws<ArgumentException>(() => Signer(pki, leaf));
        Assert.Equal("certificate", e.ParamName);
        var cms = new SignedCms(new ContentInfo(Manifest), detached: true);
        cms.ComputeSignature(BclSigner(leaf, pki.Now, HashAlgorithmName.SHA256), silent: true);
        Assert.Equal(SignatureFailureReason.NotValidForSigning, Verifier(pki).Verify(Manifest, cms.Encode()).Reason);
    }

    [Fact]
    public void Verify_RequiredExtendedKeyUsageAbsent_NotValidForSigning()
    {
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.EcdsaP256);
        byte[] signature = Signer(pki).Sign(Manifest);
        // Our test leaf has no EKU extension, which RFC 5280 reads as "any": a required EKU is then
        // satisfied. A leaf restricted to server authentication is not valid for code signing.
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=TLS only", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using X509Certificate2 issued = request.Create(pki.Intermediate, pki.Now.AddHours(-1), pki.Now.AddDays(1), [1, 2, 3]);
        using X509Certificate2 tlsLeaf = issued.CopyWithPrivateKey(key);
        byte[] tlsSignature = new ArtifactSigner(tlsLeaf, HashFunction.Sha256, [pki.Intermediate], new FixedTimeProvider(pki.Now)).Sign(Manifest);

        var verifier = new ArtifactSignatureVerifier([pki.Root])
        {
            TimeProvider = new FixedTimeProvider(pki.Now),
            RequiredExtendedKeyUsage = new Oid("1.3.6.1.5.5.7.3.3"),
        };
        Assert.True(verifier.Verify(Manifest, signature).IsValid);
        Assert.Equal(SignatureFailureReason.NotValidForSigning, verifier.Verify(Manifest, tlsSignature).Reason);
    }

    [Fact]
    public void Verify_IssuerWithoutCaBasicConstraint_ChainInvalid()
    {
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.EcdsaP256);
        using X509Certificate2 notACa = pki.CreateLeaf(pki.Now.AddHours(-2), pki.Now.AddDays(2), X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign);
        // CertificateRequest.Create refuses a non-CA issuer certificate; sign with its key directly.
        using ECDsa leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using ECDsa issuerKey = notACa.GetECDsaPrivateKey()!;
        var request = new CertificateRequest("CN=Issued by a non-CA", leafKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        using X509Certificate2 issued = request.Create(notACa.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey), pki.Now.AddHours(-1), pki.Now.AddDays(1), [5, 6, 7]);
        using X509Certificate2 leaf = issued.CopyWithPrivateKey(leafKey);
        byte[] signature = new ArtifactSigner(leaf, HashFunction.Sha256, [notACa, pki.Intermediate], new FixedTimeProvider(pki.Now)).Sign(Manifest);

        SignatureVerificationResult result = Verifier(pki).Verify(Manifest, signature);

        Assert.Equal(SignatureFailureReason.ChainInvalid, result.Reason);
        Assert.Equal(4, result.Chain.Count);
    }

    [Fact]
    public void Verify_OfflineRevocationWithoutCrl_RevocationUnknownAndOffByDefault()
    {
        CmsTestPki pki = CmsTestPki.Get(CmsKeyKind.EcdsaP256);
        byte[] signature = Signer(pki).Sign(Manifest);
        var offline = new ArtifactSignatureVerifier([pki.Root])
        {
            TimeProvider = new FixedTimeProvider(pki.Now),
            RevocationMode = X509RevocationMode.Offline,
        };

        Assert.Equal(SignatureFailureReason.RevocationUnknown, offline.Verify(Manifest, signature).Reason);
        Assert.True(Verifier(pki).Verify(Manifest, signature).IsValid);
    }

    internal static CmsSigner BclSigner(X509Certificate2 leaf, DateTimeOffset? signingTime, HashAlgorithmName digest)
    {
        var signer = new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, leaf)
        {
            DigestAlgorithm = new Oid(DigestOid(digest)),
            IncludeOption = X509IncludeOption.EndCertOnly,
        };
        if (signingTime is DateTimeOffset time)
        {
            signer.SignedAttributes.Add(new Pkcs9SigningTime(time.UtcDateTime));
        }

        return signer;
    }

    internal static string DigestOid(HashAlgorithmName digest) => digest.Name switch
    {
        "SHA1" => "1.3.14.3.2.26",
        "MD5" => "1.2.840.113549.2.5",
        "SHA384" => "2.16.840.1.101.3.4.2.2",
        "SHA512" => "2.16.840.1.101.3.4.2.3",
        _ => "2.16.840.1.101.3.4.2.1",
    };

    internal static byte[] BclSign(CmsTestPki pki, byte[] content, DateTimeOffset? signingTime, HashAlgorithmName digest)
    {
        var cms = new SignedCms(new ContentInfo(content), detached: true);
        CmsSigner signer = BclSigner(pki.Leaf, signingTime, digest);
        signer.Certificates.Add(pki.Intermediate);
        cms.ComputeSignature(signer, silent: true);
        return cms.Encode();
    }
}
