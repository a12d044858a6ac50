using System.Security.Cryptography;
using ContainerSec.Cryptography;

namespace ContainerSec.Conformance.Wycheproof;

/// <summary>What the ECDH and XDH suites share: key normalisation, the public-API secret check, and the verdict.</summary>
internal static class KeyAgreementChecks
{
    private static readonly byte[] Info = "containersec wycheproof key agreement check"u8.ToArray();

    /// <summary>A Wycheproof BigInt scalar (big-endian, maybe with a leading 00) as exactly <paramref name="size"/> bytes; longer values are kept as they are, for the import to refuse.</summary>
    public static byte[] Scalar(byte[] value, int size)
    {
        int start = 0;
        while (start < value.Length - 1 && value[start] == 0 && value.Length - start > size)
        {
            start++;
        }

        byte[] trimmed = value[start..];
        if (trimmed.Length >= size)
        {
            return trimmed;
        }

        byte[] padded = new byte[size];
        trimmed.CopyTo(padded, size - trimmed.Length);
        return padded;
    }

    /// <summary>
    /// Agrees through the public API only and checks the secret: an exportable HMAC key derived from
    /// the <see cref="SharedSecret"/> with HKDF-SHA-256 must equal HKDF-SHA-256 over <paramref name="expected"/>.
    /// </summary>
    public static bool AgreesTo(KeyAgreementPrivateKey privateKey, KeyAgreementPublicKey peer, byte[] expected)
    {
        using SharedSecret secret = privateKey.Agree(peer);
        using MacKey derived = secret.DeriveMacKey(HashFunction.Sha256, [], Info, MacAlgorithm.HmacSha256, KeyExportPolicy.AllowPlaintextExport);
        byte[] reference = Hkdf.DeriveKey(HashFunction.Sha256, expected, MacAlgorithm.HmacSha256.KeySizeInBytes, [], Info);
        return secret.SizeInBytes == expected.Length && CryptographicOperations.FixedTimeEquals(derived.Export(), reference);
    }

    /// <summary>
    /// The verdict for one case, from the refusal (<paramref name="error"/>, a <see cref="CryptographicException"/>)
    /// or the secret check (<paramref name="matches"/>). <paramref name="mustRefuse"/> marks an acceptable case the
    /// library refuses by its documented policy.
    /// </summary>
    public static void Report(WycheproofCase test, FileResult result, Exception? error, bool matches, bool mustRefuse, string refusalNote)
    {
        bool refused = error is not null;
        if (test.IsValid)
        {
            if (refused)
            {
                result.Fail(test.Id, $"a valid case was refused: {Outcome.Describe(error)}");
            }
            else if (!matches)
            {
                result.Fail(test.Id, "the shared secret differs from the expected one");
            }
            else
            {
                result.Pass();
            }
        }
        else if (test.IsInvalid || mustRefuse)
        {
            if (refused)
            {
                result.Pass(test.IsInvalid ? null : refusalNote);
            }
            else
            {
                result.Fail(test.Id, $"the {test.Result} case [{string.Join(", ", test.Flags)}] must be refused, but it was accepted{(matches ? "" : " (with a wrong secret)")}");
            }
        }
        else if (refused)
        {
            result.Pass("acceptable, rejected");
        }
        else if (!matches)
        {
            result.Fail(test.Id, "an acceptable case was accepted with a wrong shared secret");
        }
        else
        {
            result.Pass("acceptable, accepted");
        }
    }
}
