using System.Security.Cryptography;
using ContainerSec.Cryptography;

namespace ContainerSec.Tests.Docs;

/// <summary>
/// The README's example is the body of <see cref="Example"/>, character for character: one test
/// runs it, the other checks that README.md still shows exactly this code.
/// </summary>
public sealed class ReadmeExampleTests
{
    [Fact]
    public void ReadmeExample_Runs_RoundTripsAndRejectsTampering()
    {
        (byte[] opened, bool tamperedRejected, bool macOk) = Example();

        Assert.Equal("db-password=hunter2"u8.ToArray(), opened);
        Assert.True(tamperedRejected);
        Assert.True(macOk);
    }

    [Fact]
    public void ReadmeExample_MatchesReadmeText()
    {
        string source = File.ReadAllText(Path.Combine(RepositoryRoot(), "tests", "ContainerSec.Core.Tests", "Docs", "ReadmeExampleTests.cs"));
        string readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        string example = Between(source, "// README-BEGIN\n", "        // README-END");
        string unindented = string.Join('\n', example.Split('\n').Select(line => line.Length >= 8 ? line[8..] : line.TrimStart()));

        Assert.Contains("```csharp\n" + unindented + "```", readme, StringComparison.Ordinal);
    }

    private static (byte[] Opened, bool TamperedRejected, bool MacOk) Example()
    {
        // README-BEGIN
        using var key = AeadKey.Generate(AeadAlgorithm.Aes256Gcm);      // zeroed on Dispose, not exportable
        byte[] nonce = RandomNumberGenerator.GetBytes(AeadAlgorithm.NonceSize);
        byte[] sealedSecret = key.Encrypt(nonce, "db-password=hunter2"u8, associatedData: "ns/prod/secret/db"u8);

        byte[] opened = key.Decrypt(nonce, sealedSecret, associatedData: "ns/prod/secret/db"u8);

        sealedSecret[0] ^= 1;                                              // any change is detected
        bool tamperedRejected = false;
        try { key.Decrypt(nonce, sealedSecret, associatedData: "ns/prod/secret/db"u8); }
        catch (AuthenticationTagMismatchException) { tamperedRejected = true; }

        using var macKey = MacKey.Generate(MacAlgorithm.HmacSha256);     // keeps its HMAC state warm
        byte[] tag = macKey.Compute("GET /apis/v1/pods"u8);
        bool macOk = macKey.Verify("GET /apis/v1/pods"u8, tag);            // fixed-time, full-length tags only
        // README-END
        return (opened, tamperedRejected, macOk);
    }

    private static string Between(string text, string start, string end)
    {
        int from = text.IndexOf(start, StringComparison.Ordinal) + start.Length;
        return text[from..text.IndexOf(end, from, StringComparison.Ordinal)];
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
