using System.Security.Cryptography;
using ContainerSec.Cryptography;

namespace ContainerSec.Internal;

/// <summary>
/// DHKEM (RFC 9180 §4.1) over the library's key agreement: Encap/AuthEncap, Decap/AuthDecap and
/// DeriveKeyPair. The raw DH outputs are read through <see cref="SharedSecret"/>'s internal accessor
/// and go straight into <c>ExtractAndExpand</c>.
/// </summary>
internal static class HpkeDhKem
{
    private const int MaxSecretSize = 32;

    public static KeyAgreementPrivateKey DeriveKeyPair(HpkeKem kem, ReadOnlySpan<byte> ikm, KeyExportPolicy exportPolicy)
    {
        KeyAgreementAlgorithm algorithm = kem.KeyAgreementAlgorithm;
        Span<byte> prk = stackalloc byte[kem.HashFunction.HashSizeInBytes];
        Span<byte> candidate = stackalloc byte[algorithm.PrivateKeySizeInBytes];
        try
        {
            HpkeLabels.Extract(kem.HashFunction, kem.SuiteId, [], "dkp_prk"u8, ikm, prk);
            if (algorithm == KeyAgreementAlgorithm.X25519)
            {
                HpkeLabels.Expand(kem.HashFunction, kem.SuiteId, prk, "sk"u8, [], candidate);
                return KeyAgreementPrivateKey.Import(algorithm, candidate, exportPolicy);
            }

            // P-256: rejection sampling (§7.1.3); the bitmask for P-256 is 0xff, so the masking is a no-op.
            Span<byte> counter = stackalloc byte[1];
            for (int i = 0; i < 256; i++)
            {
                counter[0] = (byte)i;
                HpkeLabels.Expand(kem.HashFunction, kem.SuiteId, prk, "candidate"u8, counter, candidate);
                candidate[0] &= 0xFF;
                try
                {
                    // Import refuses 0 and values not below the group order, exactly the rejection rule.
                    return KeyAgreementPrivateKey.Import(algorithm, candidate, exportPolicy);
                }
                catch (CryptographicException)
                {
                }
            }

            throw new CryptographicException("HPKE DeriveKeyPair found no valid P-256 scalar in 256 candidates.");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(prk);
            CryptographicOperations.ZeroMemory(candidate);
        }
    }

    /// <summary>Encap (or AuthEncap with <paramref name="senderPrivateKey"/>): writes the KEM shared secret, returns enc.</summary>
    public static byte[] Encap(HpkeKem kem, KeyAgreementPrivateKey ephemeral, KeyAgreementPublicKey recipientPublicKey, KeyAgreementPrivateKey? senderPrivateKey, Span<byte> sharedSecret)
    {
        byte[] enc = ephemeral.PublicKey.Export();
        using SharedSecret dh = ephemeral.Agree(recipientPublicKey);
        using SharedSecret? dhStatic = senderPrivateKey?.Agree(recipientPublicKey);
        ExtractAndExpand(kem, dh, dhStatic, enc, recipientPublicKey.RawBytes, senderPrivateKey is null ? [] : senderPrivateKey.PublicKey.RawBytes, sharedSecret);
        return enc;
    }

    /// <summary>Decap (or AuthDecap with <paramref name="senderPublicKey"/>): writes the KEM shared secret.</summary>
    /// <exception cref="CryptographicException">enc is not a valid public key, or a DH output is refused.</exception>
    public static void Decap(HpkeKem kem, ReadOnlySpan<byte> encapsulatedKey, KeyAgreementPrivateKey recipientPrivateKey, KeyAgreementPublicKey? senderPublicKey, Span<byte> sharedSecret)
    {
        KeyAgreementPublicKey ephemeral = KeyAgreementPublicKey.Import(kem.KeyAgreementAlgorithm, encapsulatedKey);
        using SharedSecret dh = recipientPrivateKey.Agree(ephemeral);
        using SharedSecret? dhStatic = senderPublicKey is null ? null : recipientPrivateKey.Agree(senderPublicKey);
        ExtractAndExpand(kem, dh, dhStatic, encapsulatedKey, recipientPrivateKey.PublicKey.RawBytes, senderPublicKey is null ? [] : senderPublicKey.RawBytes, sharedSecret);
    }

    /// <summary>
    /// <c>eae_prk = LabeledExtract("", "eae_prk", dh)</c>;
    /// <c>shared_secret = LabeledExpand(eae_prk, "shared_secret", enc ‖ pkRm [‖ pkSm], Nsecret)</c>.
    /// </summary>
    private static void ExtractAndExpand(HpkeKem kem, SharedSecret dh, SharedSecret? dhStatic, ReadOnlySpan<byte> enc, ReadOnlySpan<byte> recipient, ReadOnlySpan<byte> sender, Span<byte> sharedSecret)
    {
        int dhLength = dh.SizeInBytes + (dhStatic?.SizeInBytes ?? 0);
        Span<byte> dhBytes = stackalloc byte[2 * MaxSecretSize];
        Span<byte> prk = stackalloc byte[kem.HashFunction.HashSizeInBytes];
        Span<byte> kemContext = stackalloc byte[enc.Length + recipient.Length + sender.Length];
        try
        {
            dh.RawBytes.CopyTo(dhBytes);
            dhStatic?.RawBytes.CopyTo(dhBytes[dh.SizeInBytes..]);
            dh.ThrowIfDisposedAfterUse();
            dhStatic?.ThrowIfDisposedAfterUse();
            enc.CopyTo(kemContext);
            recipient.CopyTo(kemContext[enc.Length..]);
            sender.CopyTo(kemContext[(enc.Length + recipient.Length)..]);

            HpkeLabels.Extract(kem.HashFunction, kem.SuiteId, [], "eae_prk"u8, dhBytes[..dhLength], prk);
            HpkeLabels.Expand(kem.HashFunction, kem.SuiteId, prk, "shared_secret"u8, kemContext, sharedSecret[..kem.SharedSecretSizeInBytes]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dhBytes);
            CryptographicOperations.ZeroMemory(prk);
        }
    }
}
