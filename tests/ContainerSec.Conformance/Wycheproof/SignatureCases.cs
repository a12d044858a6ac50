using System.Security.Cryptography;
using System.Text.Json;
using ContainerSec.Cryptography;

namespace ContainerSec.Conformance.Wycheproof;

/// <summary>What the signature and key-transport suites share: reading group fields and checking verify outcomes.</summary>
internal static class SignatureCases
{
    /// <summary>The library's hash for a Wycheproof <c>sha</c> name, or null when it is not offered.</summary>
    public static HashFunction? Hash(string? sha) => sha switch
    {
        "SHA-256" => HashFunction.Sha256,
        "SHA-384" => HashFunction.Sha384,
        "SHA-512" => HashFunction.Sha512,
        _ => null,
    };

    /// <summary>Why a hash is not offered: SHA-1 is refused by design, the others are simply not offered.</summary>
    public static string HashSkipReason(string? sha) => sha is "SHA-1"
        ? "SHA-1 is refused by design (docs/signatures.md)"
        : $"hash {sha} is not offered by the library (SHA-256/384/512 only)";

    public static string String(JsonElement element, string name) => element.GetProperty(name).GetString() ?? "";

    public static byte[] Hex(JsonElement element, string name) => Convert.FromHexString(String(element, name));

    /// <summary>
    /// Runs each case of an RSA signature file: hashes not offered are skipped with the reason,
    /// keys outside 2048–4096 bits must be refused on import, and the rest go to <paramref name="run"/>
    /// with the algorithm <paramref name="pick"/> chooses for the group's hash and the key's SPKI.
    /// </summary>
    public static void RunRsa(WycheproofFile file, FileResult result, Func<HashFunction, SignatureAlgorithm> pick,
        Action<SignatureAlgorithm, HashFunction, WycheproofCase, byte[]> run)
    {
        foreach (WycheproofCase test in file.Cases())
        {
            string sha = String(test.Group, "sha");
            HashFunction? hash = Hash(sha);
            if (hash is null)
            {
                result.Skip(HashSkipReason(sha));
                continue;
            }

            SignatureAlgorithm algorithm = pick(hash);
            Outcome.Guard(result, test, () =>
            {
                byte[] der = Hex(test.Group, "publicKeyDer");
                int keySize = test.GroupNumber("keySize");
                if (!RsaSizeOffered(keySize))
                {
                    RequireRefusedKey(result, test, $"RSA-{keySize} is outside 2048–4096 bits",
                        () => VerificationKey.ImportSubjectPublicKeyInfo(algorithm, der).Dispose());
                    return;
                }

                run(algorithm, hash, test, der);
            });
        }
    }

    /// <summary>
    /// The group's public key loaded every way the group offers: from <c>publicKeyDer</c> (SPKI)
    /// and from the raw field of <c>publicKey</c> (<paramref name="rawField"/>), whichever are present.
    /// </summary>
    public static VerificationKey[] LoadKeys(SignatureAlgorithm algorithm, WycheproofCase test, string rawField)
    {
        var keys = new List<VerificationKey>(2);
        if (test.Group.TryGetProperty("publicKeyDer", out JsonElement der))
        {
            keys.Add(VerificationKey.ImportSubjectPublicKeyInfo(algorithm, Convert.FromHexString(der.GetString() ?? "")));
        }

        if (test.Group.TryGetProperty("publicKey", out JsonElement publicKey) && publicKey.TryGetProperty(rawField, out JsonElement raw))
        {
            keys.Add(VerificationKey.ImportRawPublicKey(algorithm, Convert.FromHexString(raw.GetString() ?? "")));
        }

        return keys.Count > 0 ? [.. keys] : throw new KeyNotFoundException($"the group has neither publicKeyDer nor publicKey.{rawField}");
    }

    public static bool RsaSizeOffered(int keySize) =>
        keySize is >= SignatureAlgorithm.MinRsaKeySizeInBits and <= SignatureAlgorithm.MaxRsaKeySizeInBits;

    /// <summary>
    /// A key the library must refuse to import (RSA outside 2048–4096 bits, a curve not offered,
    /// key parameters not offered): the case passes only if <paramref name="import"/> throws
    /// <see cref="CryptographicException"/>, whatever the case's result.
    /// </summary>
    public static void RequireRefusedKey(FileResult result, WycheproofCase test, string why, Action import)
    {
        Exception? error = Outcome.Catch(import);
        if (error?.GetType() == typeof(CryptographicException))
        {
            result.Pass($"refused by design as required ({why})");
        }
        else
        {
            result.Fail(test.Id, $"the key must be refused ({why}): {Outcome.Describe(error)}");
        }
    }

    /// <summary>
    /// Verifies <c>sig</c> over <c>msg</c> with every key (they are the same public key loaded in
    /// different ways; they must agree): <c>valid</c> must verify, <c>invalid</c> must not,
    /// <c>acceptable</c> records which. Verify must never throw: an exception fails the case.
    /// </summary>
    public static void Check(FileResult result, WycheproofCase test, params VerificationKey[] keys)
    {
        byte[] msg = test.Bytes("msg"), sig = test.Bytes("sig");
        bool verified = keys[0].Verify(msg, sig);
        for (int i = 1; i < keys.Length; i++)
        {
            if (keys[i].Verify(msg, sig) != verified)
            {
                result.Fail(test.Id, "the same public key loaded two ways gives different verify results");
                return;
            }
        }

        if (test.IsAcceptable)
        {
            result.Pass(verified ? "acceptable, accepted" : "acceptable, rejected");
        }
        else if (verified != test.IsValid)
        {
            result.Fail(test.Id, test.IsValid ? "a valid signature did not verify" : "an invalid signature verified");
        }
        else
        {
            result.Pass();
        }
    }

    /// <summary>
    /// Parameters the library does not offer (PSS salt ≠ hash length, MGF1 hash ≠ hash): the
    /// library verifies only its own parameters, so every signature, valid or not, must be rejected.
    /// </summary>
    public static void RequireRejected(FileResult result, WycheproofCase test, string why, VerificationKey key)
    {
        if (key.Verify(test.Bytes("msg"), test.Bytes("sig")))
        {
            result.Fail(test.Id, $"a signature with parameters the library does not offer verified ({why})");
        }
        else
        {
            result.Pass($"refused by design as required ({why})");
        }
    }
}
