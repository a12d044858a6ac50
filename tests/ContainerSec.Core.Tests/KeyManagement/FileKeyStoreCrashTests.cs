using System.Diagnostics;
using System.Security.Cryptography;
using ContainerSec.Cryptography;
using ContainerSec.KeyManagement;

namespace ContainerSec.Tests.KeyManagement;

/// <summary>
/// A real child process (tests/ContainerSec.KeyStoreCrashHelper) saves a growing ring in a loop
/// and is killed at a random moment, several times over the same file: every time, the store
/// reopens to a complete state that holds at least every save the child reported.
/// </summary>
public sealed class FileKeyStoreCrashTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("containersec-crash-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void FileStore_ChildKilledMidWrite_ReopensToCompleteState()
    {
        string helper = Path.Combine(AppContext.BaseDirectory, "ContainerSec.KeyStoreCrashHelper.dll");
        Assert.True(File.Exists(helper), $"The helper was not built next to the tests: {helper}");
        string path = Path.Combine(_dir, "keys.store");
        byte[] masterBytes = RandomNumberGenerator.GetBytes(32);
        using var masterKey = AeadKey.Import(AeadAlgorithm.Aes256Gcm, masterBytes);
        int lastStored = 0;

        for (int round = 0; round < 5; round++)
        {
            int reported = RunAndKill(helper, path, Convert.ToHexString(masterBytes), killAfterSaves: 5 + (round * 7), out bool sawLock);

            using var store = FileKeyStore.Open(path, masterKey);
            using KeyRing ring = store.Load();
            int stored = ring.GetVersions("k").Count - 1; // Load itself rotates the dynamic key once
            Assert.True(stored >= reported, $"Round {round}: the child reported {reported} versions saved, the store holds {stored}.");
            Assert.True(stored <= reported + 1, $"Round {round}: the store holds {stored} versions, more than one save past the last reported {reported}.");
            Assert.True(stored > lastStored);
            Assert.True(sawLock, "While the child ran, a second open must have been refused.");
            lastStored = stored;
        }
    }

    private static int RunAndKill(string helper, string path, string masterHex, int killAfterSaves, out bool sawLock)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(helper);
        start.ArgumentList.Add(path);
        start.ArgumentList.Add(masterHex);
        using var child = Process.Start(start)!;
        int reported = 0;
        sawLock = false;
        try
        {
            while (reported < killAfterSaves)
            {
                string? line = child.StandardOutput.ReadLine();
                Assert.NotNull(line);
                reported = int.Parse(line["saved ".Length..], System.Globalization.CultureInfo.InvariantCulture);
                if (!sawLock)
                {
                    using var probeKey = AeadKey.Generate(AeadAlgorithm.Aes256Gcm);
                    sawLock = Assert.Throws<KeyStoreLockedException>(() => FileKeyStore.Open(path, probeKey)) is not null;
                }
            }

            Thread.Sleep(Random.Shared.Next(0, 3));
        }
        finally
        {
            child.Kill(entireProcessTree: true);
            child.WaitForExit();
        }

        // Saves the child finished before it died but whose line the test had not read yet.
        string? rest;
        while ((rest = child.StandardOutput.ReadLine()) is not null)
        {
            if (rest.StartsWith("saved ", StringComparison.Ordinal) && int.TryParse(rest.AsSpan("saved ".Length), out int n))
            {
                reported = n;
            }
        }

        return reported;
    }
}
