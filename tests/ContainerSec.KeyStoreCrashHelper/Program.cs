using ContainerSec.Audit;
using ContainerSec.Cryptography;
using ContainerSec.KeyManagement;
using ContainerSec.KeyStoreCrashHelper;

// Usage: ContainerSec.KeyStoreCrashHelper <store path> <master key hex>
//   Prints "saved <version count>" after every completed save, forever.
// Usage: ContainerSec.KeyStoreCrashHelper log <log path> <run id> [fsync|nofsync]
//   Opens the durable Merkle log (fsync per batch unless "nofsync"), prints "open <size> <discarded tail bytes>", then appends from
//   four threads (two synchronous, one awaiting each AppendAsync, one keeping 64 in flight) and
//   prints "ack <index> <spec>" as soon as each entry is acknowledged, forever. The entry bytes are
//   LogCrashEntry.Build(spec), so the test can check them byte for byte.
if (args.Length >= 3 && args[0] == "log")
{
    RunLog(args[1], args[2], flushToDisk: args.Length < 4 || args[3] != "nofsync");
    return;
}

byte[] keyBytes = Convert.FromHexString(args[1]);
using var masterKey = AeadKey.Import(AeadAlgorithm.Aes256Gcm, keyBytes);
using var store = FileKeyStore.Open(args[0], masterKey);
using KeyRing ring = store.Load();
if (!ring.KeyNames.Contains("k"))
{
    ring.CreateKey("k");
}

Console.Out.Flush();
while (true)
{
    ring.Rotate("k");
    store.Save(ring);
    Console.WriteLine($"saved {ring.GetVersions("k").Count}");
}

static void RunLog(string path, string run, bool flushToDisk)
{
    var log = DurableMerkleLog.Open(path, new DurableMerkleLogOptions { FlushToDisk = flushToDisk });
    Console.WriteLine($"open {log.Size} {log.DiscardedTailBytes}");
    var threads = new Thread[4];
    for (int t = 0; t < threads.Length; t++)
    {
        int thread = t;
        threads[t] = new Thread(() => Append(log, run, thread)) { IsBackground = false };
        threads[t].Start();
    }

    foreach (Thread thread in threads)
    {
        thread.Join();
    }
}

static void Append(DurableMerkleLog log, string run, int thread)
{
    var pending = new Queue<(string Spec, Task<ulong> Task)>();
    for (int n = 0; ; n++)
    {
        string spec = LogCrashEntry.Spec(run, thread, n);
        switch (thread)
        {
            case 0 or 1:
                Ack(log.Append(LogCrashEntry.Build(spec)), spec);
                break;
            case 2:
                Ack(log.AppendAsync(LogCrashEntry.Build(spec)).AsTask().GetAwaiter().GetResult(), spec);
                break;
            default:
                pending.Enqueue((spec, log.AppendAsync(LogCrashEntry.Build(spec)).AsTask()));
                if (pending.Count >= 64)
                {
                    (string s, Task<ulong> task) = pending.Dequeue();
                    Ack(task.GetAwaiter().GetResult(), s);
                }

                break;
        }
    }
}

static void Ack(ulong index, string spec) => Console.WriteLine($"ack {index} {spec}");
