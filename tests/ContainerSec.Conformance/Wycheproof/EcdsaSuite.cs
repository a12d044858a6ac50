using System.Security.Cryptography;
using System.Text.Json;
using ContainerSec.Cryptography;

namespace ContainerSec.Conformance.Wycheproof;

/// <summary>
/// ECDSA verification, shared by the DER and IEEE P1363 schemas. The curve and hash come from each
/// group (<c>publicKey.curve</c>, <c>sha</c>). Offered: secp256r1/SHA-256, secp384r1/SHA-384,
/// secp521r1/SHA-512; each case is verified with the key loaded from <c>publicKeyDer</c> and from
/// the raw point <c>publicKey.uncompressed</c>, whichever are present; they must agree. Curves the library does not offer
/// (secp256k1, secp224r1, Brainpool, …) are refused by design: such a case passes only if
/// importing its key as P-256 throws <see cref="CryptographicException"/>. An offered curve with
/// another hash (e.g. P-256 with SHA-512, SHA-3) is skipped with the reason. Verify must never
/// throw. There are no <c>acceptable</c> cases in these schemas; any would be recorded.
/// </summary>
public abstract class EcdsaSuiteBase : IWycheproofSuite
{
    public abstract string Schema { get; }

    private protected abstract bool Der { get; }

    public void Run(WycheproofFile file, FileResult result)
    {
        foreach (WycheproofCase test in file.Cases())
        {
            JsonElement publicKey = test.Group.GetProperty("publicKey");
            string curve = SignatureCases.String(publicKey, "curve");
            string sha = SignatureCases.String(test.Group, "sha");
            SignatureAlgorithm? algorithm = (curve, sha, Der) switch
            {
                ("secp256r1", "SHA-256", false) => SignatureAlgorithm.EcdsaP256Sha256,
                ("secp384r1", "SHA-384", false) => SignatureAlgorithm.EcdsaP384Sha384,
                ("secp521r1", "SHA-512", false) => SignatureAlgorithm.EcdsaP521Sha512,
                ("secp256r1", "SHA-256", true) => SignatureAlgorithm.EcdsaP256Sha256Der,
                ("secp384r1", "SHA-384", true) => SignatureAlgorithm.EcdsaP384Sha384Der,
                ("secp521r1", "SHA-512", true) => SignatureAlgorithm.EcdsaP521Sha512Der,
                _ => null,
            };

            if (algorithm is null && curve is "secp256r1" or "secp384r1" or "secp521r1")
            {
                result.Skip($"ECDSA {curve} with {sha} is not offered (P-256/SHA-256, P-384/SHA-384, P-521/SHA-512 only)");
                continue;
            }

            byte[] der = test.Group.TryGetProperty("publicKeyDer", out _) ? SignatureCases.Hex(test.Group, "publicKeyDer") : [];
            Outcome.Guard(result, test, () =>
            {
                if (algorithm is null)
                {
                    SignatureCases.RequireRefusedKey(result, test, $"curve {curve} is not offered",
                        () => VerificationKey.ImportSubjectPublicKeyInfo(SignatureAlgorithm.EcdsaP256Sha256, der).Dispose());
                    return;
                }

                VerificationKey[] keys = SignatureCases.LoadKeys(algorithm, test, "uncompressed");
                try
                {
                    SignatureCases.Check(result, test, keys);
                }
                finally
                {
                    Array.ForEach(keys, k => k.Dispose());
                }
            });
        }
    }
}

/// <summary><c>ecdsa_verify_schema_v1</c>: ECDSA with strict DER signatures (BER, extra zeros and other encodings are invalid). See <see cref="EcdsaSuiteBase"/>.</summary>
public sealed class EcdsaDerSuite : EcdsaSuiteBase
{
    public override string Schema => "ecdsa_verify_schema_v1.json";

    private protected override bool Der => true;
}

/// <summary><c>ecdsa_p1363_verify_schema_v1</c>: ECDSA with fixed-width <c>r ‖ s</c> signatures (any other length is invalid). See <see cref="EcdsaSuiteBase"/>.</summary>
public sealed class EcdsaP1363Suite : EcdsaSuiteBase
{
    public override string Schema => "ecdsa_p1363_verify_schema_v1.json";

    private protected override bool Der => false;
}
