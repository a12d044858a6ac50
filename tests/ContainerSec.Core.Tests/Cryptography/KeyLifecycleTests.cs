using System.Diagnostics;
using System.Reflection;
using ContainerSec.Cryptography;
using ContainerSec.Internal;

namespace ContainerSec.Tests.Cryptography;

/// <summary>Dispose, export policy and secret hiding of the key objects and the hasher.</summary>
public sealed class KeyLifecycleTests
{
    private static readonly Dictionary<string, Action<AeadKey>> AeadOperations = new()
    {
        ["Encrypt(array)"] = key => key.Encrypt(new byte[12], new byte[8], associatedData: new byte[4]),
        ["Encrypt(span)"] = key => key.Encrypt(new byte[12], new byte[8], new byte[24], new byte[4]),
        ["TryEncrypt"] = key => key.TryEncrypt(new byte[12], new byte[8], new byte[24], out _, new byte[4]),
        ["EncryptDetached"] = key => key.EncryptDetached(new byte[12], new byte[8], new byte[8], new byte[16], new byte[4]),
        ["Decrypt(array)"] = key => key.Decrypt(new byte[12], new byte[24], associatedData: new byte[4]),
        ["Decrypt(span)"] = key => key.Decrypt(new byte[12], new byte[24], new byte[8], new byte[4]),
        ["TryDecrypt"] = key => key.TryDecrypt(new byte[12], new byte[24], new byte[8], out _, new byte[4]),
        ["DecryptDetached"] = key => key.DecryptDetached(new byte[12], new byte[8], new byte[16], new byte[8], new byte[4]),
        ["Export(array)"] = key => key.Export(),
        ["Export(span)"] = key => key.Export(new byte[64]),
    };

    private static readonly Dictionary<string, Action<MacKey>> MacOperations = new()
    {
        ["Compute(array)"] = key => key.Compute(new byte[8]),
        ["Compute(span)"] = key => key.Compute(new byte[8], new byte[64]),
        ["TryCompute"] = key => key.TryCompute(new byte[8], new byte[64], out _),
        ["Verify"] = key => key.Verify(new byte[8], new byte[key.Algorithm.MacSizeInBytes]),
        ["Export(array)"] = key => key.Export(),
        ["Export(span)"] = key => key.Export(new byte[256]),
    };

    private static readonly Dictionary<string, Action<Hasher>> HasherOperations = new()
    {
        ["Append"] = hasher => hasher.Append(new byte[8]),
        ["GetHashAndReset(array)"] = hasher => hasher.GetHashAndReset(),
        ["GetHashAndReset(span)"] = hasher => hasher.GetHashAndReset(new byte[64]),
        ["TryGetHashAndReset"] = hasher => hasher.TryGetHashAndReset(new byte[64], out _),
        ["HashData"] = hasher => hasher.HashData(new byte[8], new byte[64]),
    };

    public static TheoryData<AeadAlgorithm, string> AeadOperationNames => Algorithms.Cross(Algorithms.Aead, AeadOperations.Keys.ToArray());

    public static TheoryData<MacAlgorithm, string> MacOperationNames => Algorithms.Cross(Algorithms.Mac, MacOperations.Keys.ToArray());

    public static TheoryData<HashFunction, string> HasherOperationNames => Algorithms.Cross(Algorithms.Hash, HasherOperations.Keys.ToArray());

    public static TheoryData<AeadAlgorithm, KeyExportPolicy> AeadPolicies =>
        Algorithms.Cross(Algorithms.Aead, KeyExportPolicy.None, KeyExportPolicy.AllowPlaintextExport);

    public static TheoryData<MacAlgorithm, KeyExportPolicy> MacPolicies =>
        Algorithms.Cross(Algorithms.Mac, KeyExportPolicy.None, KeyExportPolicy.AllowPlaintextExport);

    [Theory]
    [MemberData(nameof(AeadOperationNames))]
    public void AeadKeyOperation_Disposed_ThrowsObjectDisposedException(AeadAlgorithm algorithm, string operation)
    {
        AeadKey key = AeadKey.Generate(algorithm, KeyExportPolicy.AllowPlaintextExport);
        if (!operation.Contains("Decrypt", StringComparison.Ordinal))
        {
            AeadOperations[operation](key); // The control: the call works before Dispose.
        }

        key.Dispose();
        ObjectDisposedException ex = Assert.Throws<ObjectDisposedException>(() => AeadOperations[operation](key));
        Assert.Equal(typeof(AeadKey).FullName, ex.ObjectName);
    }

    [Theory]
    [MemberData(nameof(AeadPolicies))]
    public void AeadKeyExport_Disposed_ThrowsObjectDisposedExceptionWhateverThePolicy(AeadAlgorithm algorithm, KeyExportPolicy policy)
    {
        AeadKey key = AeadKey.Generate(algorithm, policy);
        key.Dispose();
        Assert.Throws<ObjectDisposedException>(() => key.Export());
        Assert.Throws<ObjectDisposedException>(() => key.Export(new byte[64]));
    }

    [Theory]
    [MemberData(nameof(MacOperationNames))]
    public void MacKeyOperation_Disposed_ThrowsObjectDisposedException(MacAlgorithm algorithm, string operation)
    {
        MacKey key = MacKey.Generate(algorithm, KeyExportPolicy.AllowPlaintextExport);
        MacOperations[operation](key);
        key.Dispose();
        ObjectDisposedException ex = Assert.Throws<ObjectDisposedException>(() => MacOperations[operation](key));
        Assert.Equal(typeof(MacKey).FullName, ex.ObjectName);
    }

    [Theory]
    [MemberData(nameof(HasherOperationNames))]
    public void HasherOperation_Disposed_ThrowsObjectDisposedException(HashFunction function, string operation)
    {
        Hasher hasher = function.CreateHasher();
        HasherOperations[operation](hasher);
        hasher.Dispose();
        ObjectDisposedException ex = Assert.Throws<ObjectDisposedException>(() => HasherOperations[operation](hasher));
        Assert.Equal(typeof(Hasher).FullName, ex.ObjectName);
    }

    [Fact]
    public void Dispose_CalledTwice_DoesNotThrowAndStaysDisposed()
    {
        foreach (AeadAlgorithm algorithm in Algorithms.Aead)
        {
            AeadKey key = AeadKey.Generate(algorithm);
            key.Dispose();
            key.Dispose();
            Assert.Throws<ObjectDisposedException>(() => key.Encrypt(new byte[12], new byte[1], ReadOnlySpan<byte>.Empty));
            Assert.Equal($"AeadKey({algorithm.Name})", key.ToString());
        }

        foreach (MacAlgorithm algorithm in Algorithms.Mac)
        {
            MacKey key = MacKey.Generate(algorithm);
            key.Dispose();
            key.Dispose();
            Assert.Throws<ObjectDisposedException>(() => key.Compute(new byte[1]));
        }

        foreach (HashFunction function in Algorithms.Hash)
        {
            Hasher hasher = function.CreateHasher();
            hasher.Dispose();
            hasher.Dispose();
            Assert.Throws<ObjectDisposedException>(() => hasher.GetHashAndReset());
        }
    }

    [Theory]
    [MemberData(nameof(Algorithms.AeadData), MemberType = typeof(Algorithms))]
    public void AeadKeyDispose_Always_ZeroesTheKeyBytes(AeadAlgorithm algorithm)
    {
        byte[] bytes = TestBytes.Random(algorithm.KeySizeInBytes);
        AeadKey key = AeadKey.Import(algorithm, bytes);
        key.Encrypt(new byte[12], new byte[8], ReadOnlySpan<byte>.Empty);
        SecretBytes secret = SecretOf(key);
        Assert.Equal(bytes, secret.Span.ToArray());

        key.Dispose();
        Assert.True(secret.IsDisposed);
        Assert.True(TestBytes.IsAllZero(secret.Span));
    }

    [Theory]
    [MemberData(nameof(Algorithms.MacData), MemberType = typeof(Algorithms))]
    public void MacKeyDispose_Always_ZeroesTheKeyBytes(MacAlgorithm algorithm)
    {
        byte[] bytes = TestBytes.Random(algorithm.KeySizeInBytes + 7);
        MacKey key = MacKey.Import(algorithm, bytes);
        key.Compute(new byte[8]);
        SecretBytes secret = SecretOf(key);
        Assert.Equal(bytes, secret.Span.ToArray());

        key.Dispose();
        Assert.True(secret.IsDisposed);
        Assert.True(TestBytes.IsAllZero(secret.Span));
    }

    [Theory]
    [MemberData(nameof(Algorithms.AeadData), MemberType = typeof(Algorithms))]
    public void AeadKeyExport_NotExportable_ThrowsInvalidOperationException(AeadAlgorithm algorithm)
    {
        byte[] bytes = TestBytes.Random(algorithm.KeySizeInBytes);
        using AeadKey imported = AeadKey.Import(algorithm, bytes);
        using AeadKey generated = AeadKey.Generate(algorithm);
        foreach (AeadKey key in new[] { imported, generated })
        {
            Assert.Equal(KeyExportPolicy.None, key.ExportPolicy);
            InvalidOperationException ex = Assert.Throws<InvalidOperationException>(() => key.Export());
            TestBytes.AssertDoesNotReveal(ex.Message, bytes);
            byte[] destination = TestBytes.Filled(64, 0xAA);
            Assert.Throws<InvalidOperationException>(() => key.Export(destination));
            Assert.DoesNotContain(destination, b => b != 0xAA);
        }
    }

    [Theory]
    [MemberData(nameof(Algorithms.AeadData), MemberType = typeof(Algorithms))]
    public void AeadKeyExport_Exportable_ReturnsTheImportedBytes(AeadAlgorithm algorithm)
    {
        byte[] bytes = TestBytes.Random(algorithm.KeySizeInBytes);
        using AeadKey key = AeadKey.Import(algorithm, bytes, KeyExportPolicy.AllowPlaintextExport);
        Assert.Equal(KeyExportPolicy.AllowPlaintextExport, key.ExportPolicy);

        byte[] exported = key.Export();
        Assert.Equal(bytes, exported);
        exported[0] ^= 1;
        Assert.Equal(bytes, key.Export()); // A copy: changing it does not change the key.

        byte[] destination = TestBytes.Filled(algorithm.KeySizeInBytes + 5, 0xAA);
        Assert.Equal(algorithm.KeySizeInBytes, key.Export(destination));
        Assert.Equal(bytes, destination[..algorithm.KeySizeInBytes]);
        Assert.DoesNotContain(destination[algorithm.KeySizeInBytes..], b => b != 0xAA);

        // The import copied the bytes: the caller zeroing its copy leaves the key intact.
        byte[] original = (byte[])bytes.Clone();
        Array.Clear(bytes);
        Assert.Equal(original, key.Export());
    }

    [Theory]
    [MemberData(nameof(Algorithms.AeadData), MemberType = typeof(Algorithms))]
    public void AeadKeyGenerate_Exportable_ExportsAFreshKeyOfTheRightSize(AeadAlgorithm algorithm)
    {
        using AeadKey first = AeadKey.Generate(algorithm, KeyExportPolicy.AllowPlaintextExport);
        using AeadKey second = AeadKey.Generate(algorithm, KeyExportPolicy.AllowPlaintextExport);
        byte[] a = first.Export();
        byte[] b = second.Export();
        Assert.Equal(algorithm.KeySizeInBytes, a.Length);
        Assert.NotEqual(a, b);
        Assert.False(TestBytes.IsAllZero(a));

        // And the exported bytes are the key the object encrypts with.
        byte[] nonce = TestBytes.Random(12);
        Assert.Equal(Reference.GcmEncrypt(algorithm, a, nonce, [1, 2, 3], []), first.Encrypt(nonce, [1, 2, 3], ReadOnlySpan<byte>.Empty));
    }

    [Theory]
    [MemberData(nameof(Algorithms.AeadData), MemberType = typeof(Algorithms))]
    public void AeadKeyExport_DestinationTooShort_ThrowsArgumentExceptionForDestination(AeadAlgorithm algorithm)
    {
        byte[] bytes = TestBytes.Random(algorithm.KeySizeInBytes);
        using AeadKey key = AeadKey.Import(algorithm, bytes, KeyExportPolicy.AllowPlaintextExport);
        foreach (int size in new[] { 0, 1, algorithm.KeySizeInBytes - 1 })
        {
            byte[] destination = TestBytes.Filled(size, 0xAA);
            ArgumentException ex = Assert.Throws<ArgumentException>(() => key.Export(destination));
            Assert.Equal("destination", ex.ParamName);
            Assert.DoesNotContain(destination, b => b != 0xAA);
            TestBytes.AssertDoesNotReveal(ex.Message, bytes);
        }
    }

    [Theory]
    [MemberData(nameof(Algorithms.MacData), MemberType = typeof(Algorithms))]
    public void MacKeyExport_NotExportable_ThrowsInvalidOperationException(MacAlgorithm algorithm)
    {
        byte[] bytes = TestBytes.Random(algorithm.KeySizeInBytes);
        using MacKey imported = MacKey.Import(algorithm, bytes);
        using MacKey generated = MacKey.Generate(algorithm);
        foreach (MacKey key in new[] { imported, generated })
        {
            Assert.Equal(KeyExportPolicy.None, key.ExportPolicy);
            InvalidOperationException ex = Assert.Throws<InvalidOperationException>(() => key.Export());
            TestBytes.AssertDoesNotReveal(ex.Message, bytes);
            Assert.Throws<InvalidOperationException>(() => key.Export(new byte[256]));
        }
    }

    [Theory]
    [MemberData(nameof(Algorithms.MacData), MemberType = typeof(Algorithms))]
    public void MacKeyExport_Exportable_ReturnsTheImportedBytes(MacAlgorithm algorithm)
    {
        foreach (int size in new[] { 16, algorithm.KeySizeInBytes, 200 })
        {
            byte[] bytes = TestBytes.Random(size);
            using MacKey key = MacKey.Import(algorithm, bytes, KeyExportPolicy.AllowPlaintextExport);
            Assert.Equal(bytes, key.Export());
            byte[] destination = new byte[size + 3];
            Assert.Equal(size, key.Export(destination));
            Assert.Equal(bytes, destination[..size]);

            ArgumentException ex = Assert.Throws<ArgumentException>(() => key.Export(new byte[size - 1]));
            Assert.Equal("destination", ex.ParamName);
            TestBytes.AssertDoesNotReveal(ex.Message, bytes);
        }

        using MacKey generated = MacKey.Generate(algorithm, KeyExportPolicy.AllowPlaintextExport);
        Assert.Equal(algorithm.KeySizeInBytes, generated.Export().Length);
    }

    [Theory]
    [MemberData(nameof(AeadPolicies))]
    public void AeadKeyToString_Always_NamesTheAlgorithmAndHidesTheKey(AeadAlgorithm algorithm, KeyExportPolicy policy)
    {
        byte[] bytes = TestBytes.Random(algorithm.KeySizeInBytes);
        using AeadKey key = AeadKey.Import(algorithm, bytes, policy);
        string text = key.ToString();
        Assert.Contains(algorithm.Name, text, StringComparison.Ordinal);
        TestBytes.AssertDoesNotReveal(text, bytes);
        AssertDebuggerDisplayIsToString(typeof(AeadKey));
    }

    [Theory]
    [MemberData(nameof(MacPolicies))]
    public void MacKeyToString_Always_NamesTheAlgorithmAndHidesTheKey(MacAlgorithm algorithm, KeyExportPolicy policy)
    {
        byte[] bytes = TestBytes.Random(algorithm.KeySizeInBytes);
        using MacKey key = MacKey.Import(algorithm, bytes, policy);
        string text = key.ToString();
        Assert.Contains(algorithm.Name, text, StringComparison.Ordinal);
        TestBytes.AssertDoesNotReveal(text, bytes);
        AssertDebuggerDisplayIsToString(typeof(MacKey));
    }

    [Theory]
    [MemberData(nameof(Algorithms.HashData), MemberType = typeof(Algorithms))]
    public void HasherToString_Always_NamesTheFunction(HashFunction function)
    {
        using Hasher hasher = function.CreateHasher();
        Assert.Contains(function.Name, hasher.ToString(), StringComparison.Ordinal);
        Assert.Same(function, hasher.Function);
        Assert.Equal(function.HashSizeInBytes, hasher.HashSizeInBytes);
    }

    [Fact]
    public void SecretBytesDispose_CopiedBytes_ZeroesThemAndIsIdempotent()
    {
        byte[] source = TestBytes.Random(48);
        SecretBytes secret = SecretBytes.Copy(source);
        Assert.Equal(48, secret.Length);
        Assert.Equal(source, secret.Span.ToArray());
        Assert.False(secret.IsDisposed);

        source[0] ^= 0xFF;
        Assert.NotEqual(source, secret.Span.ToArray()); // A copy, not an alias.

        secret.Dispose();
        Assert.True(secret.IsDisposed);
        Assert.True(TestBytes.IsAllZero(secret.Span));
        Assert.True(TestBytes.IsAllZero(secret.Array));
        secret.Dispose();
        Assert.True(secret.IsDisposed);
    }

    [Fact]
    public void SecretBytesDispose_RandomBytes_ZeroesThem()
    {
        SecretBytes secret = SecretBytes.Random(32);
        Assert.False(TestBytes.IsAllZero(secret.Span));
        secret.Dispose();
        Assert.True(TestBytes.IsAllZero(secret.Span));
    }

    [Fact]
    public void SecretBytesExport_Disposed_ThrowsObjectDisposedExceptionNamingTheOwner()
    {
        SecretBytes secret = SecretBytes.Copy(TestBytes.Random(16));
        secret.Dispose();
        var owner = new object();
        ObjectDisposedException ex = Assert.Throws<ObjectDisposedException>(() => secret.Export(KeyExportPolicy.AllowPlaintextExport, owner));
        Assert.Equal(typeof(object).FullName, ex.ObjectName);
    }

    private static SecretBytes SecretOf(object key)
    {
        // Found by type, not by name, so a rename of the private field does not break the test.
        FieldInfo field = Assert.Single(
            key.GetType().GetFields(BindingFlags.Instance | BindingFlags.NonPublic),
            f => f.FieldType == typeof(SecretBytes));
        return Assert.IsType<SecretBytes>(field.GetValue(key));
    }

    private static void AssertDebuggerDisplayIsToString(Type type)
    {
        DebuggerDisplayAttribute? attribute = type.GetCustomAttribute<DebuggerDisplayAttribute>();
        Assert.NotNull(attribute);
        Assert.Equal("{ToString(),nq}", attribute.Value);
    }
}
