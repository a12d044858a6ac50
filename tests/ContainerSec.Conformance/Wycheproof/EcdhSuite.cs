using System.Security.Cryptography;
using ContainerSec.Cryptography;

namespace ContainerSec.Conformance.Wycheproof;

/// <summary>
/// <c>ecdh_test_schema_v1</c> (public key = DER SubjectPublicKeyInfo) and
/// <c>ecdh_ecpoint_test_schema_v1</c> (public key = X9.62 point): ECDH over the curve in each
/// group's <c>curve</c> field (secp256r1, secp384r1, secp521r1; other curves are skipped as not
/// offered). The private key is the big-endian scalar, possibly with a leading <c>00</c>, which
/// the suite strips and left-pads to the field size before the raw import.
/// <para>valid: import, agree and derive must succeed, and the secret must equal <c>shared</c>;
/// invalid: the public key must be refused with <see cref="CryptographicException"/> (at import
/// or at agreement). acceptable — the library's documented policy (docs/key-exchange.md) is
/// asserted, not merely recorded: compressed points, explicit or unnamed curve parameters and
/// non-DER ASN.1 are refused by design, so such a case passes only if the library refuses it; any
/// other acceptable case may go either way, but if it is accepted the secret must be right.</para>
/// <para>The secret is checked through the public API only: an exportable HMAC key derived from
/// the <see cref="SharedSecret"/> by HKDF-SHA-256 must equal HKDF-SHA-256 over <c>shared</c>.</para>
/// </summary>
public sealed class EcdhSuite : IWycheproofSuite
{
    private static readonly string[] RefusedByDesignFlags =
        ["CompressedPoint", "CompressedPublic", "UnnamedCurve", "InvalidAsn", "UnusedParam", "ModifiedGenerator", "ModifiedCofactor",
         "NoCofactor", "ModifiedCurveParameter", "WrongOrder"];

    private readonly bool _spki;

    private EcdhSuite(bool spki)
    {
        _spki = spki;
    }

    /// <summary>The suite for <c>ecdh_test_schema_v1</c> (SubjectPublicKeyInfo).</summary>
    public static EcdhSuite SubjectPublicKeyInfo { get; } = new(spki: true);

    /// <summary>The suite for <c>ecdh_ecpoint_test_schema_v1</c> (X9.62 points).</summary>
    public static EcdhSuite EcPoint { get; } = new(spki: false);

    public string Schema => _spki ? "ecdh_test_schema_v1.json" : "ecdh_ecpoint_test_schema_v1.json";

    public void Run(WycheproofFile file, FileResult result)
    {
        foreach (WycheproofCase test in file.Cases())
        {
            string curve = test.Group.GetProperty("curve").GetString() ?? "";
            KeyAgreementAlgorithm? algorithm = curve switch
            {
                "secp256r1" => KeyAgreementAlgorithm.EcdhP256,
                "secp384r1" => KeyAgreementAlgorithm.EcdhP384,
                "secp521r1" => KeyAgreementAlgorithm.EcdhP521,
                _ => null,
            };
            if (algorithm is null)
            {
                result.Skip($"ECDH over {curve} is not offered (P-256, P-384 and P-521 only)");
                continue;
            }

            Outcome.Guard(result, test, () => RunCase(algorithm, test, result));
        }
    }

    private void RunCase(KeyAgreementAlgorithm algorithm, WycheproofCase test, FileResult result)
    {
        byte[] publicKey = test.Bytes("public"), shared = test.Bytes("shared");
        byte[] privateKey = KeyAgreementChecks.Scalar(test.Bytes("private"), algorithm.PrivateKeySizeInBytes);

        // The private key of every case is well formed: a failure to import it is a library failure.
        using KeyAgreementPrivateKey ours = KeyAgreementPrivateKey.Import(algorithm, privateKey);
        Exception? error = null;
        bool matches = false;
        try
        {
            KeyAgreementPublicKey peer = _spki
                ? KeyAgreementPublicKey.ImportSubjectPublicKeyInfo(algorithm, publicKey)
                : KeyAgreementPublicKey.Import(algorithm, publicKey);
            matches = KeyAgreementChecks.AgreesTo(ours, peer, shared);
        }
        catch (CryptographicException ex)
        {
            error = ex;
        }

        bool refusedByDesign = test.IsAcceptable && test.Flags.Any(RefusedByDesignFlags.Contains);
        KeyAgreementChecks.Report(test, result, error, matches, mustRefuse: refusedByDesign, refusalNote: "refused by design as required (compressed point, non-DER or unnamed curve)");
    }
}
