using ContainerSec.Conformance;

// Usage: ContainerSec.Conformance PATH...   (files or folders; folders are searched for *.json)
// Prints one line per file and closes with "N passed, N failed" alone on its line.
// Exit code: 0 when nothing failed, 1 on any failure or unreadable/unknown file, 2 on bad usage.
if (args.Length == 0 || args.Contains("--help") || args.Contains("-h"))
{
    Console.Error.WriteLine("usage: ContainerSec.Conformance PATH...  (JSON vector files or folders)");
    return 2;
}

IReadOnlyList<(string Path, string Name)> files;
try
{
    files = ConformanceRunner.Expand(args);
}
catch (FileNotFoundException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

int passed = 0, failed = 0, skipped = 0, pending = 0;
bool verbose = Environment.GetEnvironmentVariable("CONFORMANCE_VERBOSE") == "1";
foreach (var (path, name) in files)
{
    FileResult result = ConformanceRunner.RunFile(path, name);
    Console.WriteLine(result.Summary());
    foreach (string failure in verbose ? result.Failures : result.Failures.Take(20))
    {
        Console.WriteLine($"    FAILED {failure}");
    }

    passed += result.Passed;
    failed += result.FailedForTotals;
    skipped += result.Skipped;
    pending += result.Status == FileStatus.NotYetSupported ? 1 : 0;
}

Console.WriteLine($"({files.Count} files; {skipped} cases skipped with a stated reason; {pending} files not yet supported)");
Console.WriteLine($"{passed} passed, {failed} failed");
return failed == 0 ? 0 : 1;
