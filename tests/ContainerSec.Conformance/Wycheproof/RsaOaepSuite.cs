using System.Security.Cryptography;
using ContainerSec.Cryptography;

namespace ContainerSec.Conformance.Wycheproof;

/// <summary>
/// <c>rsaes_oaep_decrypt_schema_v1</c>: RSA-OAEP decryption, run through the key-transport API,
/// which unwraps key objects only and uses SHA-256, MGF1-SHA-256 and the empty label. The private
/// key is loaded from <c>privateKeyPkcs8</c>.
/// <list type="bullet">
/// <item>Empty label, <c>valid</c>, message ≥ 16 bytes: unwrapped as an exportable <see cref="MacKey"/>
/// (and, for 16 or 32 bytes, as an <see cref="AeadKey"/>); the exported bytes must equal <c>msg</c>.</item>
/// <item>Empty label, <c>valid</c>, message shorter than 16 bytes: no key object can hold it, so the
/// library must refuse (<see cref="CryptographicException"/>): refused by design, passes only if refused.
/// The decryption itself is then not checked byte by byte.</item>
/// <item>Non-empty label: the API binds the empty label, so unwrapping must fail with
/// <see cref="CryptographicException"/> whatever the result — a real check that the label is bound.</item>
/// <item><c>invalid</c>: unwrapping must throw <see cref="CryptographicException"/>.</item>
/// </list>
/// Hashes other than SHA-256 (for OAEP or MGF1) are not offered and skipped with the reason; keys
/// outside 2048–4096 bits are refused by design (the import must throw).
/// </summary>
public sealed class RsaOaepSuite : IWycheproofSuite
{
    public string Schema => "rsaes_oaep_decrypt_schema_v1.json";

    public void Run(WycheproofFile file, FileResult result)
    {
        foreach (WycheproofCase test in file.Cases())
        {
            string sha = SignatureCases.String(test.Group, "sha");
            string mgfSha = SignatureCases.String(test.Group, "mgfSha");
            string mgf = SignatureCases.String(test.Group, "mgf");
            if (sha != "SHA-256" || mgfSha != "SHA-256" || mgf != "MGF1")
            {
                result.Skip(sha == "SHA-1" || mgfSha == "SHA-1"
                    ? "RSA-OAEP with SHA-1 is refused by design (docs/signatures.md)"
                    : $"RSA-OAEP with {sha} / {mgf}-{mgfSha} is not offered (SHA-256 with MGF1-SHA-256 only)");
                continue;
            }

            Outcome.Guard(result, test, () => RunCase(test, result));
        }
    }

    private static void RunCase(WycheproofCase test, FileResult result)
    {
        byte[] pkcs8 = SignatureCases.Hex(test.Group, "privateKeyPkcs8");
        int keySize = test.GroupNumber("keySize");
        if (!SignatureCases.RsaSizeOffered(keySize))
        {
            SignatureCases.RequireRefusedKey(result, test, $"RSA-{keySize} is outside 2048–4096 bits",
                () => KeyTransportPrivateKey.ImportPkcs8PrivateKey(pkcs8).Dispose());
            return;
        }

        using KeyTransportPrivateKey key = KeyTransportPrivateKey.ImportPkcs8PrivateKey(pkcs8);
        byte[] ct = test.Bytes("ct"), msg = test.Bytes("msg"), label = test.Bytes("label");
        if (label.Length > 0 || test.IsInvalid || msg.Length < MacAlgorithm.MinKeySizeInBytes)
        {
            Exception? mac = Outcome.Catch(() => key.UnwrapMacKey(ct, MacAlgorithm.HmacSha256).Dispose());
            Exception? aead = Outcome.Catch(() => key.UnwrapAeadKey(ct, AeadAlgorithm.Aes128Gcm).Dispose());
            string why = label.Length > 0 ? "non-empty label; key transport binds the empty label"
                : test.IsInvalid ? null! : "message shorter than any key object (16 bytes)";
            if (mac?.GetType() != typeof(CryptographicException) || aead?.GetType() != typeof(CryptographicException))
            {
                result.Fail(test.Id, $"unwrapping must fail: {Outcome.Describe(mac)}, {Outcome.Describe(aead)}");
            }
            else
            {
                result.Pass(why is null ? null : $"rejected as required ({why})");
            }

            return;
        }

        using MacKey macKey = key.UnwrapMacKey(ct, MacAlgorithm.HmacSha256, KeyExportPolicy.AllowPlaintextExport);
        bool ok = macKey.Export().AsSpan().SequenceEqual(msg);
        AeadAlgorithm? aeadAlgorithm = msg.Length == 16 ? AeadAlgorithm.Aes128Gcm : msg.Length == 32 ? AeadAlgorithm.Aes256Gcm : null;
        if (ok && aeadAlgorithm is not null)
        {
            using AeadKey aeadKey = key.UnwrapAeadKey(ct, aeadAlgorithm, KeyExportPolicy.AllowPlaintextExport);
            ok = aeadKey.Export().AsSpan().SequenceEqual(msg);
        }

        if (ok)
        {
            result.Pass();
        }
        else
        {
            result.Fail(test.Id, "the unwrapped key differs from msg");
        }
    }
}
