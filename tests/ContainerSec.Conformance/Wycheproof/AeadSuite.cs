using System.Security.Cryptography;
using ContainerSec.Cryptography;

namespace ContainerSec.Conformance.Wycheproof;

/// <summary>
/// <c>aead_test_schema_v1</c>: AES-GCM. Valid cases must encrypt to <c>ct ‖ tag</c> and decrypt back;
/// invalid cases must throw <see cref="AuthenticationTagMismatchException"/> and leave the
/// destination zeroed. Nonces other than 12 bytes and tags other than 16 bytes are refused by
/// design: such a case passes only if the library throws <see cref="ArgumentException"/> for it.
/// Key sizes and algorithms the library does not offer (AES-192-GCM, ChaCha20-Poly1305, …) are
/// skipped with that reason.
/// </summary>
public sealed class AeadSuite : IWycheproofSuite
{
    public string Schema => "aead_test_schema_v1.json";

    public void Run(WycheproofFile file, FileResult result)
    {
        foreach (WycheproofCase test in file.Cases())
        {
            if (file.Algorithm != "AES-GCM")
            {
                result.Skip($"{file.Algorithm} is not offered by the library");
                continue;
            }

            int keyBits = test.GroupNumber("keySize");
            AeadAlgorithm? algorithm = keyBits switch
            {
                128 => AeadAlgorithm.Aes128Gcm,
                256 => AeadAlgorithm.Aes256Gcm,
                _ => null,
            };
            if (algorithm is null)
            {
                result.Skip($"AES-{keyBits}-GCM is not offered (AES-128-GCM and AES-256-GCM only)");
                continue;
            }

            Outcome.Guard(result, test, () => RunCase(algorithm, test, result));
        }
    }

    private static void RunCase(AeadAlgorithm algorithm, WycheproofCase test, FileResult result)
    {
        byte[] key = test.Bytes("key"), iv = test.Bytes("iv"), aad = test.Bytes("aad");
        byte[] msg = test.Bytes("msg"), ct = test.Bytes("ct"), tag = test.Bytes("tag");
        using AeadKey aeadKey = AeadKey.Import(algorithm, key);

        if (iv.Length != AeadAlgorithm.NonceSize || tag.Length != AeadAlgorithm.TagSize)
        {
            CheckRefused(aeadKey, iv, aad, msg, ct, tag, test, result);
            return;
        }

        if (test.IsInvalid)
        {
            CheckRejected(aeadKey, iv, aad, ct, tag, test, result);
            return;
        }

        if (test.IsAcceptable)
        {
            Outcome.Acceptable(result, () => aeadKey.Decrypt(iv, [.. ct, .. tag], associatedData: aad).AsSpan().SequenceEqual(msg));
            return;
        }

        byte[] sealedBytes = aeadKey.Encrypt(iv, msg, associatedData: aad);
        if (!sealedBytes.AsSpan().SequenceEqual([.. ct, .. tag]))
        {
            result.Fail(test.Id, "encryption did not produce the expected ciphertext and tag");
            return;
        }

        byte[] opened = aeadKey.Decrypt(iv, sealedBytes, associatedData: aad);
        byte[] detached = new byte[ct.Length];
        aeadKey.DecryptDetached(iv, ct, tag, detached, aad);
        if (!opened.AsSpan().SequenceEqual(msg) || !detached.AsSpan().SequenceEqual(msg))
        {
            result.Fail(test.Id, "decryption did not return the message");
            return;
        }

        result.Pass();
    }

    private static void CheckRejected(AeadKey key, byte[] iv, byte[] aad, byte[] ct, byte[] tag, WycheproofCase test, FileResult result)
    {
        byte[] destination = new byte[ct.Length];
        destination.AsSpan().Fill(0xAA);
        Exception? detached = Outcome.Catch(() => key.DecryptDetached(iv, ct, tag, destination, aad));
        Exception? combined = Outcome.Catch(() => key.Decrypt(iv, [.. ct, .. tag], associatedData: aad));
        if (detached is not AuthenticationTagMismatchException || combined is not AuthenticationTagMismatchException)
        {
            result.Fail(test.Id, $"invalid ciphertext was not rejected: {Outcome.Describe(detached)}, {Outcome.Describe(combined)}");
        }
        else if (destination.AsSpan().ContainsAnyExcept((byte)0))
        {
            result.Fail(test.Id, "rejected, but the destination was not zeroed");
        }
        else
        {
            result.Pass();
        }
    }

    private static void CheckRefused(AeadKey key, byte[] iv, byte[] aad, byte[] msg, byte[] ct, byte[] tag, WycheproofCase test, FileResult result)
    {
        var ciphertext = new byte[msg.Length];
        var outputTag = new byte[tag.Length];
        var plaintext = new byte[ct.Length];
        Exception? encrypt = Outcome.Catch(() => key.EncryptDetached(iv, msg, ciphertext, outputTag, aad));
        Exception? decrypt = Outcome.Catch(() => key.DecryptDetached(iv, ct, tag, plaintext, aad));
        if (Outcome.IsRefusal(encrypt, "nonce", "tag") && Outcome.IsRefusal(decrypt, "nonce", "tag"))
        {
            result.Pass("refused by design as required (nonce not 12 or tag not 16 bytes)");
        }
        else
        {
            result.Fail(test.Id, $"a {iv.Length}-byte nonce / {tag.Length}-byte tag must be refused: encrypt gave {Outcome.Describe(encrypt)}, decrypt gave {Outcome.Describe(decrypt)}");
        }
    }
}
