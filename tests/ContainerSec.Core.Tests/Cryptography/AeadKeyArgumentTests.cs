using ContainerSec.Cryptography;

namespace ContainerSec.Tests.Cryptography;

/// <summary>Caller mistakes on <see cref="AeadKey"/>: exact exception type and parameter name, never key bytes in the message.</summary>
public sealed class AeadKeyArgumentTests
{
    private const int Length = 40;

    /// <summary>Every operation that takes a nonce, by name, called with the given nonce on otherwise valid input.</summary>
    private static readonly Dictionary<string, Action<AeadKey, Vectors, byte[]>> NonceOperations = new()
    {
        ["Encrypt(array)"] = (key, v, nonce) => key.Encrypt(nonce, v.Plaintext, associatedData: v.AssociatedData),
        ["Encrypt(span)"] = (key, v, nonce) => key.Encrypt(nonce, v.Plaintext, new byte[Length + 16], v.AssociatedData),
        ["TryEncrypt"] = (key, v, nonce) => key.TryEncrypt(nonce, v.Plaintext, new byte[Length + 16], out _, v.AssociatedData),
        ["EncryptDetached"] = (key, v, nonce) => key.EncryptDetached(nonce, v.Plaintext, new byte[Length], new byte[16], v.AssociatedData),
        ["Decrypt(array)"] = (key, v, nonce) => key.Decrypt(nonce, v.Combined, associatedData: v.AssociatedData),
        ["Decrypt(span)"] = (key, v, nonce) => key.Decrypt(nonce, v.Combined, new byte[Length], v.AssociatedData),
        ["TryDecrypt"] = (key, v, nonce) => key.TryDecrypt(nonce, v.Combined, new byte[Length], out _, v.AssociatedData),
        ["DecryptDetached"] = (key, v, nonce) => key.DecryptDetached(nonce, v.Ciphertext, v.Tag, new byte[Length], v.AssociatedData),
    };

    public static TheoryData<AeadAlgorithm, int> WrongKeySizes => Algorithms.Cross(
        Algorithms.Aead,
        a => new[] { 0, 1, 15, 16, 17, 24, 31, 32, 33, 64 }.Where(size => size != a.KeySizeInBytes));

    public static TheoryData<AeadAlgorithm, string> Operations =>
        Algorithms.Cross(Algorithms.Aead, NonceOperations.Keys.ToArray());

    public static TheoryData<AeadAlgorithm, int> WrongTagSizes => Algorithms.Cross(Algorithms.Aead, 0, 4, 8, 12, 15, 17, 32);

    public static TheoryData<AeadAlgorithm, int> ShortInputs => Algorithms.Cross(Algorithms.Aead, 0, 1, 15);

    [Theory]
    [MemberData(nameof(WrongKeySizes))]
    public void Import_WrongKeySize_ThrowsArgumentExceptionForKey(AeadAlgorithm algorithm, int size)
    {
        byte[] key = TestBytes.Random(size);
        ArgumentException ex = Assert.Throws<ArgumentException>(() => AeadKey.Import(algorithm, key));
        Assert.Equal("key", ex.ParamName);
        Assert.Contains(algorithm.KeySizeInBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
        if (size >= 4)
        {
            TestBytes.AssertDoesNotReveal(ex.Message, key);
        }
    }

    [Theory]
    [MemberData(nameof(Algorithms.AeadData), MemberType = typeof(Algorithms))]
    public void Import_RightKeySize_ReturnsKeyForThatAlgorithm(AeadAlgorithm algorithm)
    {
        using AeadKey key = AeadKey.Import(algorithm, TestBytes.Random(algorithm.KeySizeInBytes));
        Assert.Same(algorithm, key.Algorithm);
        Assert.Equal(KeyExportPolicy.None, key.ExportPolicy);
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public void AnyOperation_ValidNonce_Succeeds(AeadAlgorithm algorithm, string operation)
    {
        // The control for the tests below: with a 12-byte nonce the very same call works, so
        // the exceptions there come from the nonce and nothing else.
        Vectors v = Vectors.Create(algorithm);
        using AeadKey key = AeadKey.Import(algorithm, v.Key);
        NonceOperations[operation](key, v, v.Nonce);
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public void AnyOperation_WrongNonceSize_ThrowsArgumentExceptionForNonce(AeadAlgorithm algorithm, string operation)
    {
        Vectors v = Vectors.Create(algorithm);
        using AeadKey key = AeadKey.Import(algorithm, v.Key);
        foreach (int size in new[] { 0, 1, 8, 11, 13, 16, 24 })
        {
            ArgumentException ex = Assert.Throws<ArgumentException>(() => NonceOperations[operation](key, v, TestBytes.Random(size)));
            Assert.Equal("nonce", ex.ParamName);
            TestBytes.AssertDoesNotReveal(ex.Message, v.Key);
        }
    }

    [Theory]
    [MemberData(nameof(WrongTagSizes))]
    public void EncryptDetached_WrongTagSize_ThrowsArgumentExceptionForTag(AeadAlgorithm algorithm, int size)
    {
        Vectors v = Vectors.Create(algorithm);
        using AeadKey key = AeadKey.Import(algorithm, v.Key);
        ArgumentException ex = Assert.Throws<ArgumentException>(
            () => key.EncryptDetached(v.Nonce, v.Plaintext, new byte[Length], new byte[size], v.AssociatedData));
        Assert.Equal("tag", ex.ParamName);
        TestBytes.AssertDoesNotReveal(ex.Message, v.Key);
    }

    [Theory]
    [MemberData(nameof(WrongTagSizes))]
    public void DecryptDetached_WrongTagSize_ThrowsArgumentExceptionForTag(AeadAlgorithm algorithm, int size)
    {
        Vectors v = Vectors.Create(algorithm);
        using AeadKey key = AeadKey.Import(algorithm, v.Key);

        // A tag truncated from the right one is refused as a size error, never compared as a prefix.
        byte[] tag = size <= 16 ? v.Tag[..size] : TestBytes.Concat(v.Tag, new byte[size - 16]);
        byte[] plaintext = new byte[Length];
        ArgumentException ex = Assert.Throws<ArgumentException>(
            () => key.DecryptDetached(v.Nonce, v.Ciphertext, tag, plaintext, v.AssociatedData));
        Assert.Equal("tag", ex.ParamName);
        Assert.True(TestBytes.IsAllZero(plaintext));
    }

    [Theory]
    [MemberData(nameof(Algorithms.AeadData), MemberType = typeof(Algorithms))]
    public void EncryptDetached_CiphertextLengthMismatch_ThrowsArgumentExceptionForCiphertext(AeadAlgorithm algorithm)
    {
        Vectors v = Vectors.Create(algorithm);
        using AeadKey key = AeadKey.Import(algorithm, v.Key);
        foreach (int size in new[] { 0, Length - 1, Length + 1, Length + 16 })
        {
            ArgumentException ex = Assert.Throws<ArgumentException>(
                () => key.EncryptDetached(v.Nonce, v.Plaintext, new byte[size], new byte[16], v.AssociatedData));
            Assert.Equal("ciphertext", ex.ParamName);
        }
    }

    [Theory]
    [MemberData(nameof(Algorithms.AeadData), MemberType = typeof(Algorithms))]
    public void DecryptDetached_PlaintextLengthMismatch_ThrowsArgumentExceptionForPlaintext(AeadAlgorithm algorithm)
    {
        Vectors v = Vectors.Create(algorithm);
        using AeadKey key = AeadKey.Import(algorithm, v.Key);
        foreach (int size in new[] { 0, Length - 1, Length + 1, Length + 16 })
        {
            ArgumentException ex = Assert.Throws<ArgumentException>(
                () => key.DecryptDetached(v.Nonce, v.Ciphertext, v.Tag, new byte[size], v.AssociatedData));
            Assert.Equal("plaintext", ex.ParamName);
        }
    }

    [Theory]
    [MemberData(nameof(Algorithms.AeadData), MemberType = typeof(Algorithms))]
    public void Encrypt_DestinationTooShort_ThrowsArgumentExceptionForDestination(AeadAlgorithm algorithm)
    {
        Vectors v = Vectors.Create(algorithm);
        using AeadKey key = AeadKey.Import(algorithm, v.Key);
        foreach (int size in new[] { 0, Length, Length + 15 })
        {
            byte[] destination = TestBytes.Filled(size, 0xAA);
            ArgumentException ex = Assert.Throws<ArgumentException>(
                () => key.Encrypt(v.Nonce, v.Plaintext, destination, v.AssociatedData));
            Assert.Equal("destination", ex.ParamName);
            Assert.DoesNotContain(destination, b => b != 0xAA);
            TestBytes.AssertDoesNotReveal(ex.Message, v.Key);
        }
    }

    [Theory]
    [MemberData(nameof(Algorithms.AeadData), MemberType = typeof(Algorithms))]
    public void Decrypt_DestinationTooShort_ThrowsArgumentExceptionForDestination(AeadAlgorithm algorithm)
    {
        Vectors v = Vectors.Create(algorithm);
        using AeadKey key = AeadKey.Import(algorithm, v.Key);
        foreach (int size in new[] { 0, 1, Length - 1 })
        {
            byte[] destination = TestBytes.Filled(size, 0xAA);
            ArgumentException ex = Assert.Throws<ArgumentException>(
                () => key.Decrypt(v.Nonce, v.Combined, destination, v.AssociatedData));
            Assert.Equal("destination", ex.ParamName);
            Assert.DoesNotContain(destination, b => b != 0xAA);
            TestBytes.AssertDoesNotReveal(ex.Message, v.Key);
        }
    }

    [Theory]
    [MemberData(nameof(Algorithms.AeadData), MemberType = typeof(Algorithms))]
    public void TryEncrypt_DestinationTooShort_ReturnsFalseAndWritesNothing(AeadAlgorithm algorithm)
    {
        Vectors v = Vectors.Create(algorithm);
        using AeadKey key = AeadKey.Import(algorithm, v.Key);
        foreach (int size in new[] { 0, Length, Length + 15 })
        {
            byte[] destination = TestBytes.Filled(size, 0xAA);
            int bytesWritten = -1;
            Assert.False(key.TryEncrypt(v.Nonce, v.Plaintext, destination, out bytesWritten, v.AssociatedData));
            Assert.Equal(0, bytesWritten);
            Assert.DoesNotContain(destination, b => b != 0xAA);
        }

        // One more byte of room and it succeeds.
        Assert.True(key.TryEncrypt(v.Nonce, v.Plaintext, new byte[Length + 16], out int written, v.AssociatedData));
        Assert.Equal(Length + 16, written);
    }

    [Theory]
    [MemberData(nameof(Algorithms.AeadData), MemberType = typeof(Algorithms))]
    public void TryDecrypt_DestinationTooShort_ReturnsFalseAndWritesNothing(AeadAlgorithm algorithm)
    {
        Vectors v = Vectors.Create(algorithm);
        using AeadKey key = AeadKey.Import(algorithm, v.Key);
        foreach (int size in new[] { 0, 1, Length - 1 })
        {
            byte[] destination = TestBytes.Filled(size, 0xAA);
            int bytesWritten = -1;
            Assert.False(key.TryDecrypt(v.Nonce, v.Combined, destination, out bytesWritten, v.AssociatedData));
            Assert.Equal(0, bytesWritten);
            Assert.DoesNotContain(destination, b => b != 0xAA);
        }

        byte[] exact = new byte[Length];
        Assert.True(key.TryDecrypt(v.Nonce, v.Combined, exact, out int written, v.AssociatedData));
        Assert.Equal(Length, written);
        Assert.Equal(v.Plaintext, exact);
    }

    [Theory]
    [MemberData(nameof(ShortInputs))]
    public void Decrypt_InputShorterThanTag_ThrowsArgumentExceptionForCiphertext(AeadAlgorithm algorithm, int size)
    {
        Vectors v = Vectors.Create(algorithm);
        using AeadKey key = AeadKey.Import(algorithm, v.Key);
        byte[] input = v.Combined[..size];
        byte[] destination = new byte[Length];

        Assert.Equal("ciphertext", Assert.Throws<ArgumentException>(() => key.Decrypt(v.Nonce, input, associatedData: v.AssociatedData)).ParamName);
        Assert.Equal("ciphertext", Assert.Throws<ArgumentException>(() => key.Decrypt(v.Nonce, input, destination, v.AssociatedData)).ParamName);
        Assert.Equal("ciphertext", Assert.Throws<ArgumentException>(() => key.TryDecrypt(v.Nonce, input, destination, out _, v.AssociatedData)).ParamName);
    }

    [Theory]
    [MemberData(nameof(Algorithms.AeadData), MemberType = typeof(Algorithms))]
    public void Encrypt_DestinationPartlyOverlapsPlaintext_ThrowsArgumentExceptionForDestination(AeadAlgorithm algorithm)
    {
        Vectors v = Vectors.Create(algorithm);
        using AeadKey key = AeadKey.Import(algorithm, v.Key);
        foreach (int shift in new[] { 1, -1, 16, -16, Length - 1 })
        {
            byte[] buffer = new byte[(Length * 2) + 16 + 64];
            int plaintextStart = 32;
            v.Plaintext.CopyTo(buffer, plaintextStart);
            byte[] before = (byte[])buffer.Clone();

            ArgumentException ex = Assert.Throws<ArgumentException>(
                () => key.Encrypt(v.Nonce, buffer.AsSpan(plaintextStart, Length), buffer.AsSpan(plaintextStart + shift), v.AssociatedData));
            Assert.Equal("destination", ex.ParamName);
            ex = Assert.Throws<ArgumentException>(
                () => key.TryEncrypt(v.Nonce, buffer.AsSpan(plaintextStart, Length), buffer.AsSpan(plaintextStart + shift), out _, v.AssociatedData));
            Assert.Equal("destination", ex.ParamName);
            Assert.Equal(before, buffer);
        }
    }

    [Theory]
    [MemberData(nameof(Algorithms.AeadData), MemberType = typeof(Algorithms))]
    public void Decrypt_DestinationPartlyOverlapsCiphertext_ThrowsArgumentExceptionForDestination(AeadAlgorithm algorithm)
    {
        Vectors v = Vectors.Create(algorithm);
        using AeadKey key = AeadKey.Import(algorithm, v.Key);
        foreach (int shift in new[] { 1, -1, 16, -16, Length + 1 })
        {
            byte[] buffer = new byte[Length + 16 + 64];
            int inputStart = 32;
            v.Combined.CopyTo(buffer, inputStart);
            byte[] before = (byte[])buffer.Clone();

            ArgumentException ex = Assert.Throws<ArgumentException>(
                () => key.Decrypt(v.Nonce, buffer.AsSpan(inputStart, Length + 16), buffer.AsSpan(inputStart + shift, Length), v.AssociatedData));
            Assert.Equal("destination", ex.ParamName);
            ex = Assert.Throws<ArgumentException>(
                () => key.TryDecrypt(v.Nonce, buffer.AsSpan(inputStart, Length + 16), buffer.AsSpan(inputStart + shift, Length), out _, v.AssociatedData));
            Assert.Equal("destination", ex.ParamName);
            Assert.Equal(before, buffer);
        }
    }

    [Theory]
    [MemberData(nameof(Algorithms.AeadData), MemberType = typeof(Algorithms))]
    public void Detached_OutputPartlyOverlapsInput_ThrowsArgumentExceptionNamingTheOutput(AeadAlgorithm algorithm)
    {
        Vectors v = Vectors.Create(algorithm);
        using AeadKey key = AeadKey.Import(algorithm, v.Key);
        byte[] buffer = new byte[Length + 64];
        v.Plaintext.CopyTo(buffer, 16);

        ArgumentException ex = Assert.Throws<ArgumentException>(
            () => key.EncryptDetached(v.Nonce, buffer.AsSpan(16, Length), buffer.AsSpan(17, Length), new byte[16], v.AssociatedData));
        Assert.Equal("ciphertext", ex.ParamName);
        ex = Assert.Throws<ArgumentException>(
            () => key.EncryptDetached(v.Nonce, buffer.AsSpan(16, Length), new byte[Length], buffer.AsSpan(16 + Length - 1, 16), v.AssociatedData));
        Assert.Equal("tag", ex.ParamName);

        v.Ciphertext.CopyTo(buffer, 16);
        ex = Assert.Throws<ArgumentException>(
            () => key.DecryptDetached(v.Nonce, buffer.AsSpan(16, Length), v.Tag, buffer.AsSpan(15, Length), v.AssociatedData));
        Assert.Equal("plaintext", ex.ParamName);
        v.Tag.CopyTo(buffer, 16 + Length);
        ex = Assert.Throws<ArgumentException>(
            () => key.DecryptDetached(v.Nonce, v.Ciphertext, buffer.AsSpan(16 + Length, 16), buffer.AsSpan(16 + 8, Length), v.AssociatedData));
        Assert.Equal("plaintext", ex.ParamName);
    }

    [Theory]
    [MemberData(nameof(Algorithms.AeadData), MemberType = typeof(Algorithms))]
    public void EncryptDetached_CiphertextPartlyOverlapsTag_ThrowsArgumentException(AeadAlgorithm algorithm)
    {
        // Documented: "buffers partly overlap" is refused. Two outputs that overlap would make
        // the tag overwrite the end of the ciphertext (or the reverse) and return garbage.
        Vectors v = Vectors.Create(algorithm);
        using AeadKey key = AeadKey.Import(algorithm, v.Key);
        byte[] output = new byte[Length + 16];
        Assert.Throws<ArgumentException>(
            () => key.EncryptDetached(v.Nonce, v.Plaintext, output.AsSpan(0, Length), output.AsSpan(Length - 1, 16), v.AssociatedData));
    }

    [Theory]
    [MemberData(nameof(Algorithms.AeadData), MemberType = typeof(Algorithms))]
    public void EncryptDecrypt_ExactlyInPlace_RoundTrips(AeadAlgorithm algorithm)
    {
        Vectors v = Vectors.Create(algorithm);
        using AeadKey key = AeadKey.Import(algorithm, v.Key);

        byte[] buffer = new byte[Length + 16];
        v.Plaintext.CopyTo(buffer, 0);
        Assert.Equal(Length + 16, key.Encrypt(v.Nonce, buffer.AsSpan(0, Length), buffer, v.AssociatedData));
        Assert.Equal(v.Combined, buffer);

        Assert.Equal(Length, key.Decrypt(v.Nonce, buffer, buffer.AsSpan(0, Length), v.AssociatedData));
        Assert.Equal(v.Plaintext, buffer[..Length]);

        v.Plaintext.CopyTo(buffer, 0);
        Assert.True(key.TryEncrypt(v.Nonce, buffer.AsSpan(0, Length), buffer, out int written, v.AssociatedData));
        Assert.Equal(Length + 16, written);
        Assert.True(key.TryDecrypt(v.Nonce, buffer, buffer, out int read, v.AssociatedData));
        Assert.Equal(Length, read);
        Assert.Equal(v.Plaintext, buffer[..Length]);

        byte[] tag = new byte[16];
        key.EncryptDetached(v.Nonce, buffer.AsSpan(0, Length), buffer.AsSpan(0, Length), tag, v.AssociatedData);
        Assert.Equal(v.Ciphertext, buffer[..Length]);
        Assert.Equal(v.Tag, tag);
        key.DecryptDetached(v.Nonce, buffer.AsSpan(0, Length), tag, buffer.AsSpan(0, Length), v.AssociatedData);
        Assert.Equal(v.Plaintext, buffer[..Length]);
    }

    [Theory]
    [MemberData(nameof(Algorithms.AeadData), MemberType = typeof(Algorithms))]
    public void Encrypt_ArrayDestinationWithoutAssociatedData_WritesIntoDestination(AeadAlgorithm algorithm)
    {
        // The span form with associatedData left to its default, called with an array the way
        // most callers would. It must encrypt into the array. (With C# 14, which this repository
        // builds with, byte[] converts better to ReadOnlySpan<byte> than to Span<byte>, so the
        // call binds to Encrypt(nonce, plaintext, associatedData) instead: the destination is
        // silently used as associated data and never written.)
        Vectors v = Vectors.Create(algorithm);
        using AeadKey key = AeadKey.Import(algorithm, v.Key);
        byte[] destination = new byte[Length + 16];
        key.Encrypt(v.Nonce, v.Plaintext, destination);
        Assert.Equal(key.Encrypt(v.Nonce, v.Plaintext, ReadOnlySpan<byte>.Empty), destination);
    }

    [Theory]
    [MemberData(nameof(Algorithms.AeadData), MemberType = typeof(Algorithms))]
    public void Decrypt_ArrayDestinationWithoutAssociatedData_WritesIntoDestination(AeadAlgorithm algorithm)
    {
        // As above for decryption: the call binds to Decrypt(nonce, ciphertext, associatedData),
        // so a correct ciphertext fails authentication because the destination became associated data.
        Vectors v = Vectors.Create(algorithm);
        using AeadKey key = AeadKey.Import(algorithm, v.Key);
        byte[] sealedBytes = key.Encrypt(v.Nonce, v.Plaintext, ReadOnlySpan<byte>.Empty);
        byte[] destination = new byte[Length];
        key.Decrypt(v.Nonce, sealedBytes, destination);
        Assert.Equal(v.Plaintext, destination);
    }

    [Fact]
    public void GenerateAndImport_NullAlgorithm_ThrowsArgumentNullExceptionForAlgorithm()
    {
        Assert.Equal("algorithm", Assert.Throws<ArgumentNullException>(() => AeadKey.Generate(null!)).ParamName);
        Assert.Equal("algorithm", Assert.Throws<ArgumentNullException>(() => AeadKey.Import(null!, new byte[32])).ParamName);
        Assert.Equal("algorithm", Assert.Throws<ArgumentNullException>(() => AeadKey.Import(null!, new byte[32], KeyExportPolicy.AllowPlaintextExport)).ParamName);
    }

    /// <summary>A fixed valid encryption to mutate one argument of.</summary>
    private sealed class Vectors
    {
        public required byte[] Key { get; init; }

        public required byte[] Nonce { get; init; }

        public required byte[] Plaintext { get; init; }

        public required byte[] AssociatedData { get; init; }

        public required byte[] Combined { get; init; }

        public byte[] Ciphertext => Combined[..Length];

        public byte[] Tag => Combined[Length..];

        public static Vectors Create(AeadAlgorithm algorithm)
        {
            byte[] key = TestBytes.Random(algorithm.KeySizeInBytes);
            byte[] nonce = TestBytes.Random(AeadAlgorithm.NonceSize);
            byte[] plaintext = TestBytes.Random(Length);
            byte[] associatedData = TestBytes.Random(20);
            return new Vectors
            {
                Key = key,
                Nonce = nonce,
                Plaintext = plaintext,
                AssociatedData = associatedData,
                Combined = Reference.GcmEncrypt(algorithm, key, nonce, plaintext, associatedData),
            };
        }
    }
}
