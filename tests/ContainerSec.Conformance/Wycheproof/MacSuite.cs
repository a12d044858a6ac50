using ContainerSec.Cryptography;

namespace ContainerSec.Conformance.Wycheproof;

/// <summary>
/// <c>mac_test_schema_v1</c>: HMAC-SHA-256/384/512. Full-length tags: valid cases must verify and
/// compute to the tag, invalid ones must not verify, through both the one-shot
/// <see cref="MacAlgorithm"/> methods and a <see cref="MacKey"/>. Truncated tags and keys shorter
/// than 16 bytes are refused by design: such a case passes only if the library throws
/// <see cref="ArgumentException"/>; for a valid truncated case the full MAC must also start with
/// the tag, so the computation itself is still checked. Other MACs are skipped with the reason.
/// </summary>
public sealed class MacSuite : IWycheproofSuite
{
    public string Schema => "mac_test_schema_v1.json";

    public void Run(WycheproofFile file, FileResult result)
    {
        MacAlgorithm? algorithm = file.Algorithm switch
        {
            "HMACSHA256" => MacAlgorithm.HmacSha256,
            "HMACSHA384" => MacAlgorithm.HmacSha384,
            "HMACSHA512" => MacAlgorithm.HmacSha512,
            _ => null,
        };

        Outcome.RunOffered(file, result, algorithm, file.Algorithm is "HMACSHA1" or "HMACMD5"
            ? $"{file.Algorithm} is refused by design (docs/cryptography.md)"
            : $"{file.Algorithm} is not offered by the library", RunCase);
    }

    private static void RunCase(MacAlgorithm algorithm, WycheproofCase test, FileResult result)
    {
        byte[] key = test.Bytes("key"), msg = test.Bytes("msg"), tag = test.Bytes("tag");

        if (key.Length < MacAlgorithm.MinKeySizeInBytes)
        {
            Exception? import = Outcome.Catch(() => MacKey.Import(algorithm, key).Dispose());
            Exception? oneShot = Outcome.Catch(() => algorithm.HashData(key, msg));
            if (Outcome.IsRefusal(import, "key") && Outcome.IsRefusal(oneShot, "key"))
            {
                result.Pass("refused by design as required (key shorter than 16 bytes)");
            }
            else
            {
                result.Fail(test.Id, $"a {key.Length}-byte key must be refused: {Outcome.Describe(import)}, {Outcome.Describe(oneShot)}");
            }

            return;
        }

        using MacKey macKey = MacKey.Import(algorithm, key);
        byte[] computed = algorithm.HashData(key, msg);
        byte[] computedByKey = macKey.Compute(msg);
        if (!computed.AsSpan().SequenceEqual(computedByKey))
        {
            result.Fail(test.Id, "one-shot and MacKey results differ");
            return;
        }

        if (tag.Length != algorithm.MacSizeInBytes)
        {
            Exception? verify = Outcome.Catch(() => algorithm.Verify(key, msg, tag));
            Exception? verifyByKey = Outcome.Catch(() => macKey.Verify(msg, tag));
            bool prefixMatches = computed.AsSpan().StartsWith(tag);
            if (!Outcome.IsRefusal(verify, "mac") || !Outcome.IsRefusal(verifyByKey, "mac"))
            {
                result.Fail(test.Id, $"a {tag.Length}-byte tag must be refused: {Outcome.Describe(verify)}, {Outcome.Describe(verifyByKey)}");
            }
            else if (test.IsValid && !prefixMatches)
            {
                result.Fail(test.Id, "refused as required, but the full MAC does not start with the expected truncated tag");
            }
            else
            {
                result.Pass("refused by design as required (truncated tag)");
            }

            return;
        }

        bool verified = algorithm.Verify(key, msg, tag);
        bool verifiedByKey = macKey.Verify(msg, tag);
        if (verified != verifiedByKey)
        {
            result.Fail(test.Id, "one-shot and MacKey verification disagree");
        }
        else if (test.IsAcceptable)
        {
            result.Pass(verified ? "acceptable, accepted" : "acceptable, rejected");
        }
        else if (test.IsValid != verified)
        {
            result.Fail(test.Id, test.IsValid ? "a valid tag did not verify" : "an invalid tag verified");
        }
        else if (test.IsValid && !computed.AsSpan().SequenceEqual(tag))
        {
            result.Fail(test.Id, "verified, but the computed MAC differs from the tag");
        }
        else
        {
            result.Pass();
        }
    }
}
