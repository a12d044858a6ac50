using System.Text;

namespace ContainerSec.KeyStoreCrashHelper;

/// <summary>The entries of the log mode: "r&lt;run&gt;-t&lt;thread&gt;-n&lt;n&gt;-p&lt;pad&gt;" followed by that many pad bytes (1 in 40 entries 16 KiB, so some batches span many pages).</summary>
public static class LogCrashEntry
{
    public static string Spec(string run, int thread, int n) =>
        $"r{run}-t{thread}-n{n}-p{(n % 40 == 39 ? 16384 : ((n * 7) + thread) % 200)}";

    public static byte[] Build(string spec)
    {
        int pad = int.Parse(spec.AsSpan(spec.LastIndexOf("-p", StringComparison.Ordinal) + 2), System.Globalization.CultureInfo.InvariantCulture);
        byte[] entry = new byte[Encoding.UTF8.GetByteCount(spec) + pad];
        int written = Encoding.UTF8.GetBytes(spec, entry);
        entry.AsSpan(written).Fill((byte)'x');
        return entry;
    }
}
