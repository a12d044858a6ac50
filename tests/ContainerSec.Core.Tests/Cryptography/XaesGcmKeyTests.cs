using System.Security.Cryptography;
using System.Text.Json;
using ContainerSec.Conformance;
using ContainerSec.Cryptography;
using Org.BouncyCastle.Crypto.Digests;

namespace ContainerSec.Tests.Cryptography;

/// <summary>XAES-256-GCM against the C2SP vectors in ../shared/realdata/xaes, including the 10,000-iteration accumulated test.</summary>
public sealed class XaesGcmKeyTests
{
    private static JsonElement Vectors()
    {
        string path = Path.Combine(SharedData.Root, "realdata", "xaes", "xaes-256-gcm-vectors.json");
        return JsonDocument.Parse(File.ReadAllText(path)).RootElement;
    }

    [Fact]
    public void Encrypt_C2spVectors_MatchAndDecrypt()
    {
        int count = 0;
        foreach (JsonElement v in Vectors().GetProperty("vectors").EnumerateArray())
        {
            using XaesGcmKey key = XaesGcmKey.Import(Convert.FromHexString(v.GetProperty("key").GetString()!));
            byte[] nonce = Convert.FromHexString(v.GetProperty("nonce").GetString()!);
            byte[] plaintext = Convert.FromHexString(v.GetProperty("plaintext").GetString()!);
            byte[] aad = Convert.FromHexString(v.GetProperty("aad").GetString()!);
            byte[] expected = Convert.FromHexString(v.GetProperty("ciphertext").GetString()!);

            Assert.Equal(expected, key.Encrypt(nonce, plaintext, associatedData: aad));
            Assert.Equal(plaintext, key.Decrypt(nonce, expected, associatedData: aad));
            expected[^1] ^= 1;
            Assert.Throws<AuthenticationTagMismatchException>(() => key.Decrypt(nonce, expected, associatedData: aad));
            count++;
        }

        Assert.Equal(2, count);
    }

    [Fact]
    public void Encrypt_C2spAccumulated10000_MatchesHash()
    {
        // BouncyCastle's SHAKE-128: the BCL's needs OpenSSL 3.3 to squeeze incrementally.
        JsonElement result = Vectors().GetProperty("accumulated").GetProperty("results").EnumerateArray().First(r => r.GetProperty("iterations").GetInt32() == 10000);
        var input = new ShakeDigest(128);
        var output = new ShakeDigest(128);
        byte[] key = new byte[32];
        byte[] nonce = new byte[24];
        byte[] length = new byte[1];
        for (int i = 0; i < 10000; i++)
        {
            input.Output(key, 0, key.Length);
            input.Output(nonce, 0, nonce.Length);
            input.Output(length, 0, length.Length);
            byte[] plaintext = new byte[length[0]];
            input.Output(plaintext, 0, plaintext.Length);
            input.Output(length, 0, length.Length);
            byte[] aad = new byte[length[0]];
            input.Output(aad, 0, aad.Length);
            using XaesGcmKey xaes = XaesGcmKey.Import(key);
            byte[] sealedBytes = xaes.Encrypt(nonce, plaintext, associatedData: aad);
            output.BlockUpdate(sealedBytes, 0, sealedBytes.Length);
        }

        byte[] hash = new byte[32];
        output.OutputFinal(hash, 0, 32);
        Assert.Equal(result.GetProperty("hash").GetString(), Convert.ToHexStringLower(hash));
    }

    [Fact]
    public void Encrypt_ShapesAgreeAndTryReportsSmallDestination()
    {
        using XaesGcmKey key = XaesGcmKey.Generate();
        byte[] nonce = RandomNumberGenerator.GetBytes(24);
        byte[] viaArray = key.Encrypt(nonce, "hello"u8);
        byte[] viaSpan = new byte[21];
        Assert.Equal(21, key.Encrypt(nonce, "hello"u8, viaSpan));
        Assert.Equal(viaArray, viaSpan);
        Assert.False(key.TryEncrypt(nonce, "hello"u8, new byte[20], out int written));
        Assert.Equal(0, written);
        byte[] opened = new byte[5];
        Assert.True(key.TryDecrypt(nonce, viaArray, opened, out int read));
        Assert.Equal(5, read);
        Assert.Equal("hello"u8.ToArray(), opened);
    }

    [Fact]
    public void Encrypt_WrongNonceSize_ThrowsWithParamName()
    {
        using XaesGcmKey key = XaesGcmKey.Generate();
        Assert.Equal("nonce", Assert.Throws<ArgumentException>(() => key.Encrypt(new byte[12], "x"u8)).ParamName);
        Assert.Equal("key", Assert.Throws<ArgumentException>(() => XaesGcmKey.Import(new byte[16])).ParamName);
    }

    [Fact]
    public void Dispose_ThenUse_Throws()
    {
        XaesGcmKey key = XaesGcmKey.Generate();
        key.Dispose();
        Assert.Throws<ObjectDisposedException>(() => key.Encrypt(new byte[24], "x"u8));
        Assert.DoesNotContain("0x", key.ToString(), StringComparison.Ordinal);
    }
}
