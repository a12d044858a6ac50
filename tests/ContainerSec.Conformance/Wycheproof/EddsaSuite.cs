using System.Text.Json;
using ContainerSec.Cryptography;

namespace ContainerSec.Conformance.Wycheproof;

/// <summary>
/// <c>eddsa_verify_schema_v1</c>: Ed25519 verification, with the key loaded from
/// <c>publicKeyDer</c> and from the raw <c>publicKey.pk</c>, whichever are present (they must agree). Signature
/// malleability (<c>S ≥ L</c>), truncated, oversized and garbage-appended signatures must be
/// rejected. Ed448 (<c>edwards448</c>) is not offered and is skipped with the reason.
/// </summary>
public sealed class EddsaSuite : IWycheproofSuite
{
    public string Schema => "eddsa_verify_schema_v1.json";

    public void Run(WycheproofFile file, FileResult result)
    {
        foreach (WycheproofCase test in file.Cases())
        {
            JsonElement publicKey = test.Group.GetProperty("publicKey");
            string curve = SignatureCases.String(publicKey, "curve");
            if (curve != "edwards25519")
            {
                result.Skip($"EdDSA over {curve} is not offered (Ed25519 only)");
                continue;
            }

            Outcome.Guard(result, test, () =>
            {
                VerificationKey[] keys = SignatureCases.LoadKeys(SignatureAlgorithm.Ed25519, test, "pk");
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
