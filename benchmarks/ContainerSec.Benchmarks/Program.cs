using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Perfolizer.Horology;

namespace ContainerSec.Benchmarks;

/// <summary>
/// Entry point. With no arguments, runs every benchmark once with a quick job (a first look in a
/// few minutes, not a measurement to publish). With arguments, hands them to BenchmarkDotNet's
/// command line: <c>--filter '*Aead*'</c>, <c>--job short|medium|long|default|dry</c>, <c>--list flat</c>,
/// <c>--help</c>, and so on.
/// </summary>
public static class Program
{
    /// <summary>
    /// The job for a run without arguments: BenchmarkDotNet's ShortRun (one launch, 3 warmup and
    /// 3 measured iterations) with shorter iterations. Enough to spot a regression or a wrong
    /// ratio; use <c>--job default</c> on a quiet machine for numbers to keep.
    /// </summary>
    private static readonly Job QuickJob = Job.ShortRun
        .WithIterationTime(TimeInterval.FromMilliseconds(250))
        .WithId("Quick");

    public static int Main(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var switcher = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly);
        ManualConfig config = CreateConfig();

        Summary[] summaries;
        if (args.Length == 0)
        {
            Console.WriteLine("No arguments: running every benchmark with the quick job (ShortRun, 250 ms iterations).");
            Console.WriteLine("Pass BenchmarkDotNet arguments for more, e.g. --filter '*Aead*' --job default; --help lists them.");
            summaries = [.. switcher.RunAll(config.AddJob(QuickJob))];
        }
        else
        {
            summaries = [.. switcher.Run(args, config)];
        }

        PrintResultLocations(summaries);
        return summaries.Any(HasFailures) ? 1 : 0;
    }

    /// <summary>
    /// The default configuration, with the artifacts (reports, logs) kept next to this project
    /// rather than in whatever directory the run started from. <c>--artifacts</c> overrides it.
    /// </summary>
    private static ManualConfig CreateConfig()
    {
        var config = ManualConfig.Create(DefaultConfig.Instance);
        string? projectDirectory = FindProjectDirectory();
        if (projectDirectory is not null)
        {
            config = config.WithArtifactsPath(Path.Combine(projectDirectory, "BenchmarkDotNet.Artifacts"));
        }

        return config;
    }

    /// <summary>The directory holding this project's .csproj, found from the build output; null when run from elsewhere.</summary>
    private static string? FindProjectDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ContainerSec.Benchmarks.csproj")))
            {
                return directory.FullName;
            }
        }

        return null;
    }

    private static bool HasFailures(Summary summary) =>
        summary.HasCriticalValidationErrors || summary.Reports.Any(report => !report.Success);

    private static void PrintResultLocations(Summary[] summaries)
    {
        if (summaries.Length == 0)
        {
            return;
        }

        Console.WriteLine();
        Console.WriteLine("Results:");
        foreach (string directory in summaries.Select(summary => summary.ResultsDirectoryPath).Distinct())
        {
            Console.WriteLine($"  reports (markdown, HTML, CSV): {directory}");
        }

        foreach (string logFile in summaries.Select(summary => summary.LogFilePath).Distinct())
        {
            Console.WriteLine($"  log: {logFile}");
        }

        foreach (Summary failed in summaries.Where(HasFailures))
        {
            Console.WriteLine($"  FAILED: {failed.Title} had validation errors or benchmarks that did not run; see its log.");
        }
    }
}
