using System.Diagnostics;
using System.Globalization;
using ContainerSec.Audit;
using ContainerSec.KeyStoreCrashHelper;
using Xunit.Abstractions;

namespace ContainerSec.Tests.Audit;

/// <summary>
/// A real child process (tests/ContainerSec.KeyStoreCrashHelper in "log" mode) appends to a
/// <see cref="DurableMerkleLog"/> from four threads and prints each index as it is acknowledged;
/// the test kills it at a random moment, several times over the same file (every other round
/// without fsync, so that more kills land inside a write and tear a batch). Every time: every
/// acknowledged entry (of this and earlier rounds) is present and byte-identical at its index,
/// an invalid tail found by <see cref="DurableMerkleLog.VerifyFile"/> is exactly what opening
/// reports and discards, the reopened file verifies, and appends continue.
/// </summary>
public sealed class DurableMerkleLogCrashTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("containersec-logcrash-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Append_ChildKilledMidAppend_AcknowledgedEntriesSurviveAndLogVerifies()
    {
        string helper = Path.Combine(AppContext.BaseDirectory, "ContainerSec.KeyStoreCrashHelper.dll");
        Assert.True(File.Exists(helper), $"The helper was not built next to the tests: {helper}");
        string path = Path.Combine(_dir, "audit.log");
        var acknowledged = new Dictionary<ulong, string>();
        var random = new Random();
        ulong expectedSize = 0;

        for (int round = 0; round < 6; round++)
        {
            int killAfter = random.Next(1, 400);
            (ulong openedAt, int acks) = RunAndKill(helper, path, round, killAfter, random.Next(0, 4), acknowledged);
            Assert.Equal(expectedSize, openedAt); // the child saw every entry the test left behind

            // The file as the dead child left it: records up to the end of the last complete one,
            // then possibly part of the batch that was being written.
            long lengthBefore = new FileInfo(path).Length;
            LogVerificationResult before = DurableMerkleLog.VerifyFile(path);

            using (var log = DurableMerkleLog.Open(path))
            {
                output.WriteLine($"round {round} ({(round % 2 == 0 ? "fsync" : "no fsync")}): killed after {acks} acknowledgements (asked {killAfter}); {log.Size} entries, torn tail {log.DiscardedTailBytes} bytes");
                Assert.Equal(before.ValidEntries, log.Size);
                Assert.Equal(before.IsValid ? 0 : lengthBefore - before.FirstBadOffset, log.DiscardedTailBytes);
                Assert.True(acknowledged.Count == 0 || log.Size > acknowledged.Keys.Max(), "an acknowledged index is missing");
                foreach ((ulong index, string spec) in acknowledged)
                {
                    Assert.Equal(LogCrashEntry.Build(spec), log.ReadEntry(index));
                }

                // Appends continue after recovery.
                string mine = $"test-round{round}-p3";
                ulong next = log.Append(LogCrashEntry.Build(mine));
                Assert.Equal(log.Size - 1, next);
                acknowledged[next] = mine;
                expectedSize = log.Size;
            }

            LogVerificationResult after = DurableMerkleLog.VerifyFile(path);
            Assert.True(after.IsValid, after.Problem);
            Assert.Equal(expectedSize, after.ValidEntries);
        }
    }

    private static (ulong OpenedAt, int Acks) RunAndKill(string helper, string path, int round, int killAfter, int sleepMs, Dictionary<ulong, string> acknowledged)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(helper);
        start.ArgumentList.Add("log");
        start.ArgumentList.Add(path);
        start.ArgumentList.Add(round.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(round % 2 == 0 ? "fsync" : "nofsync"); // without fsync the child spends its time in writes, where a kill tears a batch
        using var child = Process.Start(start)!;
        int acks = 0;
        ulong openedAt;
        try
        {
            string? first = child.StandardOutput.ReadLine();
            Assert.NotNull(first);
            Assert.StartsWith("open ", first, StringComparison.Ordinal);
            openedAt = ulong.Parse(first.Split(' ')[1], CultureInfo.InvariantCulture);
            while (acks < killAfter)
            {
                string? line = child.StandardOutput.ReadLine();
                Assert.NotNull(line);
                Assert.True(Record(line, acknowledged), $"unexpected line: {line}");
                acks++;
            }

            Thread.Sleep(sleepMs);
        }
        finally
        {
            child.Kill(entireProcessTree: true);
            child.WaitForExit();
        }

        // Acknowledgements the child printed before it died but the test had not read yet; a
        // line cut off by the kill is ignored (an index the test never saw is not acknowledged).
        string? rest;
        while ((rest = child.StandardOutput.ReadLine()) is not null)
        {
            if (Record(rest, acknowledged))
            {
                acks++;
            }
        }

        return (openedAt, acks);
    }

    private static bool Record(string line, Dictionary<ulong, string> acknowledged)
    {
        string[] parts = line.Split(' ');
        if (parts.Length != 3 || parts[0] != "ack" || !ulong.TryParse(parts[1], CultureInfo.InvariantCulture, out ulong index)
            || !parts[2].Contains("-p", StringComparison.Ordinal) || !int.TryParse(parts[2].AsSpan(parts[2].LastIndexOf("-p", StringComparison.Ordinal) + 2), CultureInfo.InvariantCulture, out _))
        {
            return false;
        }

        Assert.True(acknowledged.TryAdd(index, parts[2]), $"index {index} acknowledged twice");
        return true;
    }
}
