using ContainerSec.Cryptography;

namespace ContainerSec.Conformance.Wycheproof;

/// <summary>
/// <c>rsassa_pss_verify_schema_v1</c>: RSA-PSS verification. Hash, MGF, MGF hash, salt length and
/// key size come from each group. Offered: SHA-256/384/512 with MGF1 of the same hash, salt =
/// hash length, keys of 2048–4096 bits; the key is loaded from <c>publicKeyDer</c> (rsaEncryption or
/// id-RSASSA-PSS). Refused by design, passing only if refused: keys outside 2048–4096 bits (import
/// must throw <see cref="System.Security.Cryptography.CryptographicException"/>), and other salt
/// lengths or MGF hashes (every signature must fail to verify under the library's parameters, or
/// the key's own PSS parameters must make the import throw). Hashes not offered (SHA-1, SHA-224,
/// SHA-512/256, SHA-3) are skipped with the reason.
/// </summary>
public sealed class RsaPssSuite : IWycheproofSuite
{
    public string Schema => "rsassa_pss_verify_schema_v1.json";

    public void Run(WycheproofFile file, FileResult result) => SignatureCases.RunRsa(file, result,
        hash => hash.HashSizeInBytes switch
        {
            32 => SignatureAlgorithm.RsaPssSha256,
            48 => SignatureAlgorithm.RsaPssSha384,
            _ => SignatureAlgorithm.RsaPssSha512,
        },
        (algorithm, hash, test, der) => RunCase(algorithm, hash, test, der, result));

    private static void RunCase(SignatureAlgorithm algorithm, HashFunction hash, WycheproofCase test, byte[] der, FileResult result)
    {
        string mgf = SignatureCases.String(test.Group, "mgf");
        string mgfSha = SignatureCases.String(test.Group, "mgfSha");
        int sLen = test.GroupNumber("sLen");
        string? notOffered = mgf != "MGF1" ? $"mask generation {mgf}"
            : mgfSha != SignatureCases.String(test.Group, "sha") ? $"MGF1 with {mgfSha} under {hash.Name}"
            : sLen != hash.HashSizeInBytes ? $"salt length {sLen} ≠ hash length {hash.HashSizeInBytes}"
            : null;

        VerificationKey key;
        try
        {
            key = VerificationKey.ImportSubjectPublicKeyInfo(algorithm, der);
        }
        catch (System.Security.Cryptography.CryptographicException) when (notOffered is not null)
        {
            // The key itself carries PSS parameters that forbid the library's parameters.
            result.Pass($"refused by design as required ({notOffered})");
            return;
        }

        using (key)
        {
            if (notOffered is not null)
            {
                SignatureCases.RequireRejected(result, test, notOffered, key);
            }
            else
            {
                SignatureCases.Check(result, test, key);
            }
        }
    }
}
