using System.Text.Json;

namespace ContainerSec.Conformance.Merkle;

/// <summary>Field readers and the per-case guard the Merkle and signed-note suites share.</summary>
internal static class MerkleJson
{
    public static ulong U64(JsonElement e, string name) => e.GetProperty(name).GetUInt64();

    public static byte[] Base64(JsonElement e, string name) => Convert.FromBase64String(e.GetProperty(name).GetString()!);

    public static byte[] Hex(JsonElement e, string name) => Convert.FromHexString(e.GetProperty(name).GetString()!);

    /// <summary>A list of byte strings; JSON <c>null</c> (Go's nil slice) is the empty list.</summary>
    public static byte[][] List(JsonElement e, string name, bool hex)
    {
        JsonElement array = e.GetProperty(name);
        if (array.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        var list = new List<byte[]>();
        foreach (JsonElement item in array.EnumerateArray())
        {
            string text = item.GetString()!;
            list.Add(hex ? Convert.FromHexString(text) : Convert.FromBase64String(text));
        }

        return [.. list];
    }

    public static string? OptionalString(JsonElement e, string name) =>
        e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static IEnumerable<JsonElement> Array(JsonElement e, string name) =>
        e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray() : [];

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    public static string Hex(IReadOnlyList<byte[]> proof) => "[" + string.Join(",", proof.Select(p => Convert.ToHexStringLower(p))) + "]";

    public static bool SameProof(IReadOnlyList<byte[]> a, IReadOnlyList<byte[]> b) =>
        a.Count == b.Count && a.Zip(b).All(pair => pair.First.AsSpan().SequenceEqual(pair.Second));

    /// <summary>Runs one case; an unexpected exception fails that case alone, a malformed field fails the file.</summary>
    public static void Guard(FileResult result, string id, Action run)
    {
        try
        {
            run();
        }
#pragma warning disable CA1031 // Any other exception is a library outcome to report, not to crash on.
        catch (Exception ex) when (ex is not (KeyNotFoundException or FormatException or InvalidOperationException) || FromLibrary(ex))
#pragma warning restore CA1031
        {
            result.Fail(id, $"unexpected {ex.GetType().Name} ({ex.Message})");
        }
    }

    /// <summary>A FormatException or InvalidOperationException thrown by the library (not by reading the vector) is a case outcome.</summary>
    private static bool FromLibrary(Exception ex) => ex.TargetSite?.DeclaringType?.Assembly == typeof(ContainerSec.Audit.MerkleTree).Assembly;

    /// <summary>Records one check: pass when <paramref name="ok"/>, else fail with <paramref name="message"/>.</summary>
    public static void Check(FileResult result, string id, bool ok, string message, string? note = null)
    {
        if (ok)
        {
            result.Pass(note);
        }
        else
        {
            result.Fail(id, message);
        }
    }
}
