using System.Buffers.Binary;
using System.Text;
using ContainerSec.Cryptography;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;

namespace ContainerSec.Tests.Cryptography;

/// <summary>
/// An independent RFC 9180 implementation written straight from the RFC's pseudocode on
/// BouncyCastle's primitives (HMAC/HKDF-SHA256, ECDH, X25519, AES-GCM), sharing no code with the
/// library. BouncyCastle for .NET (2.7.0) has no HPKE of its own (Java's <c>org.bouncycastle.crypto.hpke</c>
/// was never ported), so this is the cross-check's other side. Keys are raw bytes throughout.
/// </summary>
internal sealed class ReferenceHpke
{
    private readonly KeyAgreementAlgorithm _group;
    private readonly AeadAlgorithm? _aead;
    private readonly byte[] _kemSuiteId;
    private readonly byte[] _suiteId;

    public ReferenceHpke(ushort kemId, ushort kdfId, ushort aeadId)
    {
        if (kdfId != 1)
        {
            throw new NotSupportedException($"No reference for KDF {kdfId}.");
        }

        _group = kemId switch
        {
            0x10 => KeyAgreementAlgorithm.EcdhP256,
            0x20 => KeyAgreementAlgorithm.X25519,
            _ => throw new NotSupportedException($"No reference for KEM {kemId}."),
        };
        _aead = aeadId switch
        {
            1 => AeadAlgorithm.Aes128Gcm,
            2 => AeadAlgorithm.Aes256Gcm,
            0xFFFF => null,
            _ => throw new NotSupportedException($"No reference for AEAD {aeadId}."),
        };
        _kemSuiteId = [.. "KEM"u8, (byte)(kemId >> 8), (byte)kemId];
        _suiteId = [.. "HPKE"u8, (byte)(kemId >> 8), (byte)kemId, 0, (byte)kdfId, (byte)(aeadId >> 8), (byte)aeadId];
    }

    public static ReferenceHpke For(HpkeSuite suite) => new(suite.Kem.Id, suite.Kdf.Id, suite.Aead.Id);

    /// <summary>A sender's single-shot Seal with the given ephemeral private key; returns (enc, ct).</summary>
    public (byte[] Enc, byte[] Ciphertext) Seal(byte[] pkR, byte[] skE, byte[] info, byte[] aad, byte[] plaintext, byte[]? skS = null, byte[]? psk = null, byte[]? pskId = null)
    {
        (byte[] enc, byte[] sharedSecret) = Encap(pkR, skE, skS);
        var context = KeySchedule(Mode(skS is not null, psk), sharedSecret, info, psk ?? [], pskId ?? []);
        return (enc, Reference.GcmEncrypt(_aead!, context.Key, Nonce(context.BaseNonce, 0), plaintext, aad));
    }

    /// <summary>A recipient's Open of message number <paramref name="sequence"/>.</summary>
    public byte[] Open(byte[] enc, byte[] skR, byte[] info, byte[] aad, byte[] ciphertext, ulong sequence = 0, byte[]? pkS = null, byte[]? psk = null, byte[]? pskId = null)
    {
        byte[] sharedSecret = Decap(enc, skR, pkS);
        var context = KeySchedule(Mode(pkS is not null, psk), sharedSecret, info, psk ?? [], pskId ?? []);
        return Reference.GcmDecrypt(_aead!, context.Key, Nonce(context.BaseNonce, sequence), ciphertext, aad);
    }

    /// <summary>The recipient's Export.</summary>
    public byte[] Export(byte[] enc, byte[] skR, byte[] info, byte[] exporterContext, int length, byte[]? pkS = null, byte[]? psk = null, byte[]? pskId = null)
    {
        byte[] sharedSecret = Decap(enc, skR, pkS);
        var context = KeySchedule(Mode(pkS is not null, psk), sharedSecret, info, psk ?? [], pskId ?? []);
        return LabeledExpand(_suiteId, context.ExporterSecret, "sec", exporterContext, length);
    }

    /// <summary>DeriveKeyPair (§7.1.3) by the RFC's pseudocode; returns the raw private key.</summary>
    public byte[] DeriveKeyPair(byte[] ikm)
    {
        byte[] prk = LabeledExtract(_kemSuiteId, [], "dkp_prk", ikm);
        if (_group == KeyAgreementAlgorithm.X25519)
        {
            return LabeledExpand(_kemSuiteId, prk, "sk", [], 32);
        }

        var order = Reference.Curve(_group).N;
        for (int counter = 0; counter < 256; counter++)
        {
            byte[] bytes = LabeledExpand(_kemSuiteId, prk, "candidate", [(byte)counter], 32);
            bytes[0] &= 0xFF;
            var sk = new Org.BouncyCastle.Math.BigInteger(1, bytes);
            if (sk.SignValue != 0 && sk.CompareTo(order) < 0)
            {
                return bytes;
            }
        }

        throw new InvalidOperationException("DeriveKeyPairError");
    }

    private static int Mode(bool auth, byte[]? psk) => (auth ? 2 : 0) + (psk is { Length: > 0 } ? 1 : 0);

    private static byte[] Nonce(byte[] baseNonce, ulong sequence)
    {
        byte[] nonce = (byte[])baseNonce.Clone();
        byte[] seq = new byte[12];
        BinaryPrimitives.WriteUInt64BigEndian(seq.AsSpan(4), sequence);
        for (int i = 0; i < 12; i++)
        {
            nonce[i] ^= seq[i];
        }

        return nonce;
    }

    private (byte[] Enc, byte[] SharedSecret) Encap(byte[] pkR, byte[] skE, byte[]? skS)
    {
        byte[] enc = Reference.PublicKey(_group, skE);
        byte[] dh = Reference.Agree(_group, skE, pkR);
        byte[] kemContext = [.. enc, .. pkR];
        if (skS is not null)
        {
            dh = [.. dh, .. Reference.Agree(_group, skS, pkR)];
            kemContext = [.. kemContext, .. Reference.PublicKey(_group, skS)];
        }

        return (enc, ExtractAndExpand(dh, kemContext));
    }

    private byte[] Decap(byte[] enc, byte[] skR, byte[]? pkS)
    {
        byte[] dh = Reference.Agree(_group, skR, enc);
        byte[] kemContext = [.. enc, .. Reference.PublicKey(_group, skR)];
        if (pkS is not null)
        {
            dh = [.. dh, .. Reference.Agree(_group, skR, pkS)];
            kemContext = [.. kemContext, .. pkS];
        }

        return ExtractAndExpand(dh, kemContext);
    }

    private byte[] ExtractAndExpand(byte[] dh, byte[] kemContext) =>
        LabeledExpand(_kemSuiteId, LabeledExtract(_kemSuiteId, [], "eae_prk", dh), "shared_secret", kemContext, 32);

    private (byte[] Key, byte[] BaseNonce, byte[] ExporterSecret) KeySchedule(int mode, byte[] sharedSecret, byte[] info, byte[] psk, byte[] pskId)
    {
        byte[] context = [(byte)mode, .. LabeledExtract(_suiteId, [], "psk_id_hash", pskId), .. LabeledExtract(_suiteId, [], "info_hash", info)];
        byte[] secret = LabeledExtract(_suiteId, sharedSecret, "secret", psk);
        byte[] key = _aead is null ? [] : LabeledExpand(_suiteId, secret, "key", context, _aead.KeySizeInBytes);
        byte[] baseNonce = _aead is null ? new byte[12] : LabeledExpand(_suiteId, secret, "base_nonce", context, 12);
        return (key, baseNonce, LabeledExpand(_suiteId, secret, "exp", context, 32));
    }

    private static byte[] LabeledExtract(byte[] suiteId, byte[] salt, string label, byte[] ikm) =>
        Reference.Hmac(HashFunction.Sha256, salt.Length == 0 ? new byte[32] : salt, [.. "HPKE-v1"u8, .. suiteId, .. Encoding.ASCII.GetBytes(label), .. ikm]);

    private static byte[] LabeledExpand(byte[] suiteId, byte[] prk, string label, byte[] info, int length)
    {
        byte[] labeledInfo = [(byte)(length >> 8), (byte)length, .. "HPKE-v1"u8, .. suiteId, .. Encoding.ASCII.GetBytes(label), .. info];
        var hkdf = new HkdfBytesGenerator(new Sha256Digest());
        hkdf.Init(HkdfParameters.SkipExtractParameters(prk, labeledInfo));
        byte[] output = new byte[length];
        hkdf.GenerateBytes(output, 0, length);
        return output;
    }
}
