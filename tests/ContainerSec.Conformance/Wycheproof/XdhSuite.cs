using System.Security.Cryptography;
using ContainerSec.Cryptography;

namespace ContainerSec.Conformance.Wycheproof;

/// <summary>
/// <c>xdh_comp_schema_v1</c>: X25519 (groups whose <c>curve</c> is <c>curve25519</c>; curve448 and
/// others are skipped as not offered). Raw 32-byte private and public keys.
/// <para>Policy (docs/key-exchange.md), asserted for the acceptable cases: every 32-byte public key
/// is accepted at import, as RFC 7748 requires — twist points, non-canonical u ≥ 2^255 − 19 and
/// a set top bit included — and the agreement must then give exactly <c>shared</c>; an all-zero
/// result (<c>ZeroSharedSecret</c>: small-order public keys) must be refused by
/// <see cref="KeyAgreementPrivateKey.Agree"/> with <see cref="CryptographicException"/> (RFC 7748 §6.1).
/// valid cases must agree to <c>shared</c>; invalid ones (none in the current file) must be refused.</para>
/// </summary>
public sealed class XdhSuite : IWycheproofSuite
{
    public string Schema => "xdh_comp_schema_v1.json";

    public void Run(WycheproofFile file, FileResult result)
    {
        foreach (WycheproofCase test in file.Cases())
        {
            string curve = test.Group.GetProperty("curve").GetString() ?? "";
            if (curve != "curve25519")
            {
                result.Skip($"XDH over {curve} is not offered (X25519 only)");
                continue;
            }

            Outcome.Guard(result, test, () => RunCase(test, result));
        }
    }

    private static void RunCase(WycheproofCase test, FileResult result)
    {
        byte[] publicKey = test.Bytes("public"), privateKey = test.Bytes("private"), shared = test.Bytes("shared");
        bool zeroOutput = !shared.AsSpan().ContainsAnyExcept((byte)0);
        Exception? error = null;
        bool matches = false;
        try
        {
            using KeyAgreementPrivateKey ours = KeyAgreementPrivateKey.Import(KeyAgreementAlgorithm.X25519, privateKey);
            KeyAgreementPublicKey peer = KeyAgreementPublicKey.Import(KeyAgreementAlgorithm.X25519, publicKey);
            matches = KeyAgreementChecks.AgreesTo(ours, peer, shared);
        }
        catch (CryptographicException ex)
        {
            error = ex;
        }

        if (test.IsAcceptable && !zeroOutput && error is not null)
        {
            result.Fail(test.Id, $"policy: an acceptable public key [{string.Join(", ", test.Flags)}] with a non-zero result must be accepted: {Outcome.Describe(error)}");
            return;
        }

        KeyAgreementChecks.Report(test, result, error, matches, mustRefuse: zeroOutput, refusalNote: "refused as required (all-zero shared secret, RFC 7748 §6.1)");
    }
}
