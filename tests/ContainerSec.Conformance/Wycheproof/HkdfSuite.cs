using ContainerSec.Cryptography;

namespace ContainerSec.Conformance.Wycheproof;

/// <summary>
/// <c>hkdf_test_schema_v1</c>: HKDF-SHA-256/384/512. Valid cases must derive <c>okm</c> both in one
/// step and as Extract then Expand; invalid cases (output longer than 255 × HashLen) must be
/// refused with <see cref="ArgumentException"/>. HKDF-SHA-1 is refused by design and skipped.
/// </summary>
public sealed class HkdfSuite : IWycheproofSuite
{
    public string Schema => "hkdf_test_schema_v1.json";

    public void Run(WycheproofFile file, FileResult result)
    {
        HashFunction? hash = file.Algorithm switch
        {
            "HKDF-SHA-256" => HashFunction.Sha256,
            "HKDF-SHA-384" => HashFunction.Sha384,
            "HKDF-SHA-512" => HashFunction.Sha512,
            _ => null,
        };

        Outcome.RunOffered(file, result, hash, file.Algorithm == "HKDF-SHA-1"
            ? "HKDF-SHA-1 is refused by design (docs/cryptography.md)"
            : $"{file.Algorithm} is not offered by the library", RunCase);
    }

    private static void RunCase(HashFunction hash, WycheproofCase test, FileResult result)
    {
        byte[] ikm = test.Bytes("ikm"), salt = test.Bytes("salt"), info = test.Bytes("info"), okm = test.Bytes("okm");
        int size = test.Number("size");

        if (test.IsInvalid)
        {
            Exception? derive = Outcome.Catch(() => Hkdf.DeriveKey(hash, ikm, size, salt, info));
            if (derive is ArgumentException)
            {
                result.Pass();
            }
            else
            {
                result.Fail(test.Id, $"an output of {size} bytes must be refused: {Outcome.Describe(derive)}");
            }

            return;
        }

        if (test.IsAcceptable)
        {
            Outcome.Acceptable(result, () => Hkdf.DeriveKey(hash, ikm, size, salt, info).AsSpan().SequenceEqual(okm));
            return;
        }

        byte[] derived = Hkdf.DeriveKey(hash, ikm, size, salt, info);
        byte[] prk = new byte[hash.HashSizeInBytes];
        Hkdf.Extract(hash, ikm, salt, prk);
        byte[] expanded = new byte[size];
        Hkdf.Expand(hash, prk, expanded, info);
        if (!derived.AsSpan().SequenceEqual(okm))
        {
            result.Fail(test.Id, "DeriveKey did not produce okm");
        }
        else if (!expanded.AsSpan().SequenceEqual(okm))
        {
            result.Fail(test.Id, "Extract then Expand did not produce okm");
        }
        else
        {
            result.Pass();
        }
    }
}
