using System.Security.Cryptography;
using ContainerSec.Cryptography;

namespace ContainerSec.Tests.Cryptography;

/// <summary>
/// Exhaustive single-bit tamper rejection: every bit of the ciphertext, the tag, the nonce and
/// the associated data, for every message length from 0 to 256 bytes. Each attempt must throw
/// <see cref="AuthenticationTagMismatchException"/> and leave the destination zeroed.
/// </summary>
public sealed class AeadKeyTamperTests
{
    private const int AssociatedDataLength = 32;
    private const byte Fill = 0xAA;

    public static TheoryData<AeadAlgorithm, int> AllLengths =>
        Algorithms.Cross(Algorithms.Aead, Enumerable.Range(0, 257).ToArray());

    public static TheoryData<AeadAlgorithm, int> EdgeLengths =>
        Algorithms.Cross(Algorithms.Aead, 0, 1, 15, 16, 17, 255, 256);

    [Theory]
    [MemberData(nameof(AllLengths))]
    public void Decrypt_AnySingleBitFlipped_ThrowsAndZeroesDestination(AeadAlgorithm algorithm, int length)
    {
        Sealed s = Sealed.Create(algorithm, length);
        using AeadKey key = AeadKey.Import(algorithm, s.Key);
        byte[] destination = new byte[length];
        int attempts = 0;

        // Ciphertext bits, then tag bits: the combined input is ciphertext ‖ tag.
        for (int bit = 0; bit < s.Combined.Length * 8; bit++)
        {
            byte[] tampered = TestBytes.FlipBit(s.Combined, bit);
            AssertRejected(() => key.Decrypt(s.Nonce, tampered, destination, s.AssociatedData), destination);
            attempts++;
        }

        for (int bit = 0; bit < s.Nonce.Length * 8; bit++)
        {
            byte[] tampered = TestBytes.FlipBit(s.Nonce, bit);
            AssertRejected(() => key.Decrypt(tampered, s.Combined, destination, s.AssociatedData), destination);
            attempts++;
        }

        for (int bit = 0; bit < s.AssociatedData.Length * 8; bit++)
        {
            byte[] tampered = TestBytes.FlipBit(s.AssociatedData, bit);
            AssertRejected(() => key.Decrypt(s.Nonce, s.Combined, destination, tampered), destination);
            attempts++;
        }

        Assert.Equal(((length + AeadAlgorithm.TagSize) * 8) + (AeadAlgorithm.NonceSize * 8) + (AssociatedDataLength * 8), attempts);

        // The untampered input still opens: the rejections above were about the flipped bit.
        Assert.Equal(length, key.Decrypt(s.Nonce, s.Combined, destination, s.AssociatedData));
        Assert.Equal(s.Plaintext, destination);
    }

    [Theory]
    [MemberData(nameof(EdgeLengths))]
    public void DecryptOtherForms_AnySingleBitFlipped_ThrowAndZeroDestination(AeadAlgorithm algorithm, int length)
    {
        Sealed s = Sealed.Create(algorithm, length);
        using AeadKey key = AeadKey.Import(algorithm, s.Key);
        byte[] destination = new byte[length];

        for (int bit = 0; bit < s.Combined.Length * 8; bit++)
        {
            byte[] tampered = TestBytes.FlipBit(s.Combined, bit);
            Assert.Throws<AuthenticationTagMismatchException>(() => key.Decrypt(s.Nonce, tampered, associatedData: s.AssociatedData));
            AssertRejected(() => key.TryDecrypt(s.Nonce, tampered, destination, out _, s.AssociatedData), destination);
            AssertRejected(() => key.DecryptDetached(s.Nonce, tampered.AsSpan(0, length), tampered.AsSpan(length), destination, s.AssociatedData), destination);
        }

        for (int bit = 0; bit < s.AssociatedData.Length * 8; bit += 7)
        {
            byte[] tampered = TestBytes.FlipBit(s.AssociatedData, bit);
            AssertRejected(() => key.TryDecrypt(s.Nonce, s.Combined, destination, out _, tampered), destination);
            AssertRejected(() => key.DecryptDetached(s.Nonce, s.Ciphertext, s.Tag, destination, tampered), destination);
        }

        for (int bit = 0; bit < s.Nonce.Length * 8; bit += 5)
        {
            byte[] tampered = TestBytes.FlipBit(s.Nonce, bit);
            AssertRejected(() => key.TryDecrypt(tampered, s.Combined, destination, out _, s.AssociatedData), destination);
            AssertRejected(() => key.DecryptDetached(tampered, s.Ciphertext, s.Tag, destination, s.AssociatedData), destination);
        }
    }

    [Theory]
    [MemberData(nameof(EdgeLengths))]
    public void Decrypt_DifferentKey_ThrowsAndZeroesDestination(AeadAlgorithm algorithm, int length)
    {
        Sealed s = Sealed.Create(algorithm, length);
        foreach (AeadAlgorithm other in Algorithms.Aead)
        {
            using AeadKey wrong = AeadKey.Generate(other);
            byte[] destination = new byte[length];
            AssertRejected(() => wrong.Decrypt(s.Nonce, s.Combined, destination, s.AssociatedData), destination);
            AssertRejected(() => wrong.DecryptDetached(s.Nonce, s.Ciphertext, s.Tag, destination, s.AssociatedData), destination);
            Assert.Throws<AuthenticationTagMismatchException>(() => wrong.Decrypt(s.Nonce, s.Combined, associatedData: s.AssociatedData));
        }

        // A key that differs from the right one in a single bit is just as wrong.
        using AeadKey nearMiss = AeadKey.Import(algorithm, TestBytes.FlipBit(s.Key, 0));
        byte[] nearDestination = new byte[length];
        AssertRejected(() => nearMiss.Decrypt(s.Nonce, s.Combined, nearDestination, s.AssociatedData), nearDestination);
    }

    [Theory]
    [MemberData(nameof(EdgeLengths))]
    public void Decrypt_MissingOrExtraAssociatedData_Throws(AeadAlgorithm algorithm, int length)
    {
        Sealed s = Sealed.Create(algorithm, length);
        using AeadKey key = AeadKey.Import(algorithm, s.Key);
        byte[] destination = new byte[length];

        AssertRejected(() => key.Decrypt(s.Nonce, s.Combined, destination.AsSpan()), destination);
        AssertRejected(() => key.Decrypt(s.Nonce, s.Combined, destination, s.AssociatedData.AsSpan(0, AssociatedDataLength - 1)), destination);
        AssertRejected(() => key.Decrypt(s.Nonce, s.Combined, destination, TestBytes.Concat(s.AssociatedData, [0])), destination);
    }

    [Theory]
    [MemberData(nameof(EdgeLengths))]
    public void Decrypt_TruncatedOrExtendedCiphertext_Throws(AeadAlgorithm algorithm, int length)
    {
        Sealed s = Sealed.Create(algorithm, length);
        using AeadKey key = AeadKey.Import(algorithm, s.Key);

        byte[] truncated = s.Combined[..^1];
        byte[] shortDestination = new byte[Math.Max(0, length - 1)];
        if (truncated.Length >= AeadAlgorithm.TagSize)
        {
            AssertRejected(() => key.Decrypt(s.Nonce, truncated, shortDestination, s.AssociatedData), shortDestination);
        }
        else
        {
            Assert.Equal("ciphertext", Assert.Throws<ArgumentException>(() => key.Decrypt(s.Nonce, truncated, associatedData: s.AssociatedData)).ParamName);
        }

        byte[] extended = TestBytes.Concat(s.Combined, [0]);
        byte[] longDestination = new byte[length + 1];
        AssertRejected(() => key.Decrypt(s.Nonce, extended, longDestination, s.AssociatedData), longDestination);
    }

    private static void AssertRejected(Action decrypt, byte[] destination)
    {
        destination.AsSpan().Fill(Fill);
        Assert.Throws<AuthenticationTagMismatchException>(decrypt);
        Assert.True(TestBytes.IsAllZero(destination), "The destination was not zeroed after a failed decryption.");
    }

    private static void AssertRejected(Func<object> decrypt, byte[] destination) => AssertRejected(() => { decrypt(); }, destination);

    private sealed class Sealed
    {
        public required byte[] Key { get; init; }

        public required byte[] Nonce { get; init; }

        public required byte[] AssociatedData { get; init; }

        public required byte[] Plaintext { get; init; }

        public required byte[] Combined { get; init; }

        public byte[] Ciphertext => Combined[..Plaintext.Length];

        public byte[] Tag => Combined[Plaintext.Length..];

        public static Sealed Create(AeadAlgorithm algorithm, int length)
        {
            byte[] key = TestBytes.Random(algorithm.KeySizeInBytes);
            byte[] nonce = TestBytes.Random(AeadAlgorithm.NonceSize);
            byte[] associatedData = TestBytes.Random(AssociatedDataLength);
            byte[] plaintext = TestBytes.Random(length);
            return new Sealed
            {
                Key = key,
                Nonce = nonce,
                AssociatedData = associatedData,
                Plaintext = plaintext,
                Combined = Reference.GcmEncrypt(algorithm, key, nonce, plaintext, associatedData),
            };
        }
    }
}
