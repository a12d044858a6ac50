using System.Text.Json;

namespace ContainerSec.Conformance.Wycheproof;

/// <summary>One Wycheproof test (an entry of a group's <c>tests</c>).</summary>
public readonly struct WycheproofCase
{
    private readonly JsonElement _element;

    public WycheproofCase(JsonElement group, JsonElement element)
    {
        Group = group;
        _element = element;
        TcId = element.GetProperty("tcId").GetInt32();
        Result = element.GetProperty("result").GetString() ?? "";
    }

    public JsonElement Group { get; }

    public int TcId { get; }

    /// <summary><c>valid</c>, <c>invalid</c> or <c>acceptable</c>.</summary>
    public string Result { get; }

    public string Id => $"tcId {TcId}";

    public bool IsValid => Result == "valid";

    public bool IsInvalid => Result == "invalid";

    public bool IsAcceptable => Result == "acceptable";

    /// <summary>The case's <c>flags</c> (keys into the file's <c>notes</c>); empty when absent.</summary>
    public IReadOnlyList<string> Flags => _element.TryGetProperty("flags", out JsonElement flags)
        ? [.. flags.EnumerateArray().Select(f => f.GetString() ?? "")]
        : [];

    public byte[] Bytes(string name) => Convert.FromHexString(_element.GetProperty(name).GetString() ?? "");

    public int Number(string name) => _element.GetProperty(name).GetInt32();

    public int GroupNumber(string name) => Group.GetProperty(name).GetInt32();
}

/// <summary>A Wycheproof file: algorithm, schema and test groups, read as data.</summary>
public sealed class WycheproofFile
{
    public WycheproofFile(JsonElement root)
    {
        Root = root;
        Algorithm = root.GetProperty("algorithm").GetString() ?? "";
        Schema = root.GetProperty("schema").GetString() ?? "";
    }

    public JsonElement Root { get; }

    public string Algorithm { get; }

    public string Schema { get; }

    public IEnumerable<WycheproofCase> Cases()
    {
        foreach (JsonElement group in Root.GetProperty("testGroups").EnumerateArray())
        {
            foreach (JsonElement test in group.GetProperty("tests").EnumerateArray())
            {
                yield return new WycheproofCase(group, test);
            }
        }
    }

    public int CaseCount => Root.TryGetProperty("numberOfTests", out JsonElement n) ? n.GetInt32() : Cases().Count();
}

/// <summary>Runs the cases of one Wycheproof schema through the library's public API.</summary>
public interface IWycheproofSuite
{
    /// <summary>The schema file name the suite handles, such as <c>aead_test_schema_v1.json</c>.</summary>
    string Schema { get; }

    void Run(WycheproofFile file, FileResult result);
}

/// <summary>What suites share: running one case safely and classifying outcomes.</summary>
public static class Outcome
{
    /// <summary>Runs <paramref name="action"/> and returns the exception it threw, or null.</summary>
    public static Exception? Catch(Action action)
    {
        try
        {
            action();
            return null;
        }
#pragma warning disable CA1031 // A conformance runner must turn any exception into a reported outcome.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return ex;
        }
    }

    /// <summary>True when <paramref name="ex"/> is exactly an <see cref="ArgumentException"/> naming <paramref name="paramName"/>.</summary>
    public static bool IsRefusal(Exception? ex, params string[] paramName) =>
        ex is not null && ex.GetType() == typeof(ArgumentException) && paramName.Contains(((ArgumentException)ex).ParamName);

    /// <summary>
    /// Runs one case; an exception the case did not expect fails that case alone. Missing or
    /// malformed fields (a file that does not have its schema's shape) fail the whole file.
    /// </summary>
    public static void Guard(FileResult result, WycheproofCase test, Action run)
    {
        try
        {
            run();
        }
#pragma warning disable CA1031 // Any other exception is a library outcome to report, not to crash on.
        catch (Exception ex) when (ex is not (KeyNotFoundException or FormatException))
#pragma warning restore CA1031
        {
            result.Fail(test.Id, $"unexpected {Describe(ex)}");
        }
    }

    /// <summary>
    /// Runs every case of <paramref name="file"/> with <paramref name="offered"/>, or, when the file's
    /// algorithm is not offered (null), skips every case with <paramref name="notOfferedReason"/>.
    /// </summary>
    public static void RunOffered<T>(WycheproofFile file, FileResult result, T? offered, string notOfferedReason, Action<T, WycheproofCase, FileResult> run)
        where T : class
    {
        foreach (WycheproofCase test in file.Cases())
        {
            if (offered is null)
            {
                result.Skip(notOfferedReason);
            }
            else
            {
                Guard(result, test, () => run(offered, test, result));
            }
        }
    }

    public static string Describe(Exception? ex) => ex is null ? "no exception" : $"{ex.GetType().Name} ({ex.Message})";

    /// <summary>
    /// Policy for <c>acceptable</c> cases: either outcome passes, and which one happened is
    /// recorded in the file's line. A suite with a stricter documented policy (e.g. rejecting
    /// all-zero X25519 output) checks that policy instead.
    /// </summary>
    public static void Acceptable(FileResult result, Func<bool> accepted)
    {
        Exception? error = null;
        bool ok = false;
        try
        {
            ok = accepted();
        }
#pragma warning disable CA1031 // Rejection by exception is one of the two allowed outcomes.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            error = ex;
        }

        result.Pass(ok && error is null ? "acceptable, accepted" : "acceptable, rejected");
    }
}
