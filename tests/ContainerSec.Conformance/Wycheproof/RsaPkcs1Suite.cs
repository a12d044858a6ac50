using ContainerSec.Cryptography;

namespace ContainerSec.Conformance.Wycheproof;

/// <summary>
/// <c>rsassa_pkcs1_verify_schema_v1</c>: RSASSA-PKCS1-v1_5 verification. Hash and key size come
/// from each group; the key is loaded from <c>publicKeyDer</c>. Offered: SHA-256/384/512, keys of
/// 2048–4096 bits. Keys outside that range are refused by design (the case passes only if the
/// import throws <see cref="System.Security.Cryptography.CryptographicException"/>); other hashes
/// are skipped with the reason. <c>acceptable</c> (a DigestInfo without the NULL parameter) records
/// which outcome happened; the BCL (OpenSSL) rejects it.
/// </summary>
public sealed class RsaPkcs1Suite : IWycheproofSuite
{
    public string Schema => "rsassa_pkcs1_verify_schema_v1.json";

    public void Run(WycheproofFile file, FileResult result) => SignatureCases.RunRsa(file, result,
        hash => hash.HashSizeInBytes switch
        {
            32 => SignatureAlgorithm.RsaPkcs1Sha256,
            48 => SignatureAlgorithm.RsaPkcs1Sha384,
            _ => SignatureAlgorithm.RsaPkcs1Sha512,
        },
        (algorithm, _, test, der) =>
        {
            using VerificationKey key = VerificationKey.ImportSubjectPublicKeyInfo(algorithm, der);
            SignatureCases.Check(result, test, key);
        });
}
