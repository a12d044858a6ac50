using ContainerSec.KeyManagement;
using ContainerSec.Storage;

namespace ContainerSec.Tests.Docs;

/// <summary>
/// The README's storage example is the body of <see cref="Example"/>, character for character:
/// one test runs it, the other checks that README.md still shows exactly this code.
/// </summary>
public sealed class ReadmeStorageExampleTests
{
    [Fact]
    public void ReadmeStorageExample_Runs_RoundTripsRotatesAndRefusesMovedRecords()
    {
        (byte[] opened, byte[] rewrapped, bool movedRejected, int versions) = Example();

        Assert.Equal("db-password=hunter2"u8.ToArray(), opened);
        Assert.Equal(Envelope.Overhead + 19, rewrapped.Length);
        Assert.True(movedRejected);
        Assert.Equal(2, versions);
    }

    [Fact]
    public void ReadmeStorageExample_MatchesReadmeText()
    {
        string root = RepositoryRoot();
        string source = File.ReadAllText(Path.Combine(root, "tests", "ContainerSec.Core.Tests", "Docs", "ReadmeStorageExampleTests.cs"));
        string readme = File.ReadAllText(Path.Combine(root, "README.md"));
        int from = source.IndexOf("// STORAGE-README-BEGIN\n", StringComparison.Ordinal) + "// STORAGE-README-BEGIN\n".Length;
        string example = source[from..source.IndexOf("        // STORAGE-README-END", from, StringComparison.Ordinal)];
        string unindented = string.Join('\n', example.Split('\n').Select(line => line.Length >= 8 ? line[8..] : line.TrimStart()));

        Assert.Contains("```csharp\n" + unindented + "```", readme, StringComparison.Ordinal);
    }

    private static (byte[] Opened, byte[] Rewrapped, bool MovedRejected, int Versions) Example()
    {
        // STORAGE-README-BEGIN
        using var ring = new KeyRing();                                    // or: store.Load() from a FileKeyStore
        ring.CreateKey("secrets", new RotationPolicy(maxOperations: 1 << 30, maxAge: TimeSpan.FromDays(30)));
        var storage = new StorageEncryptor(ring, "secrets");               // picks the version, makes the nonce

        byte[] record = storage.Seal("db-password=hunter2"u8, "tenant-a/ns/prod/secret/db"u8);
        byte[] opened = storage.Open(record, "tenant-a/ns/prod/secret/db"u8);

        ring.Rotate("secrets");                                            // new records use version 2
        byte[] rewrapped = storage.Rewrap(record, "tenant-a/ns/prod/secret/db"u8); // no plaintext handed out

        bool movedRejected = false;
        try { storage.Open(rewrapped, "tenant-b/ns/prod/secret/db"u8); }  // a record moved elsewhere
        catch (ContextMismatchException) { movedRejected = true; }
        int versions = ring.GetVersions("secrets").Count;
        // STORAGE-README-END
        return (opened, rewrapped, movedRejected, versions);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ContainerSec.Core.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("No ContainerSec.Core.sln above the test binaries.");
    }
}
