using System.Diagnostics;
using System.Text;

namespace ContainerSec.Kubernetes.Tests;

/// <summary>
/// The YAML reader's bounds on work: alias expansion per document and per stream, and duplicate-key
/// detection in linear time. Inputs are sized so that a regression takes many seconds or much memory.
/// </summary>
public sealed class YamlLimitsTests
{
    private const string PodHead = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n";

    /// <summary>A Pod whose first container (with <paramref name="args"/> arguments) is repeated by <paramref name="aliases"/> aliases.</summary>
    private static string AliasedPod(int args, int aliases)
    {
        var text = new StringBuilder(PodHead).Append("  - &c\n    name: c\n    image: x\n    args: [");
        text.Append(string.Join(",", Enumerable.Repeat("a", args))).Append("]\n");
        for (int i = 0; i < aliases; i++)
        {
            text.Append("  - *c\n");
        }

        return text.ToString();
    }

    /// <summary>A Pod with labels k0 … k(<paramref name="count"/> - 1), followed by <paramref name="tail"/>.</summary>
    private static string PodWithLabels(int count, string tail)
    {
        var text = new StringBuilder("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n");
        for (int i = 0; i < count; i++)
        {
            text.Append("    k").Append(i).Append(": v\n");
        }

        return text.Append(tail).ToString();
    }

    [Fact]
    public void Load_LargePlainDocumentThenAliasedDocument_LaterDocumentRefused()
    {
        // 100,000 plain nodes first: the old budget (nodes of ALL earlier documents) let the next document
        // expand to ~210,000 nodes; now it has its own ~1,300 nodes, so twice that plus 10,000.
        string padding = PodHead + "  - name: c\n    image: x\n    args: [" + string.Join(",", Enumerable.Repeat("a", 100_000)) + "]\n";
        string yaml = padding + "---\n" + AliasedPod(args: 100, aliases: 1000);

        var ex = Assert.Throws<ManifestException>(() => AdmissionManifestLoader.Load(yaml));

        Assert.Equal(1, ex.DocumentIndex);
        Assert.Contains("at most twice its", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ManyDocumentsEachWithinItsBudget_StreamCapRefuses()
    {
        // Each document (~1,100 characters) expands to ~8,700 nodes, within its own allowance (2 x ~225 + 10,000),
        // but 1,000 of them would be 8.7 million nodes (hundreds of MB of JSON) from 1.1 MB of text. The stream may
        // expand to one node per character (1.1 million): refused at about the 128th document.
        string document = AliasedPod(args: 50, aliases: 150);
        string yaml = string.Join("---\n", Enumerable.Repeat(document, 1000));
        var clock = Stopwatch.StartNew();

        var ex = Assert.Throws<ManifestException>(() => AdmissionManifestLoader.Load(yaml));

        Assert.Contains("per character of the text", ex.Problem, StringComparison.Ordinal);
        Assert.InRange(ex.DocumentIndex, 100, 150);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Load_ManyDocumentsWithModestAliases_Loaded()
    {
        // The per-document budget restarts at each document: 200 documents each sharing a container three times load.
        string yaml = string.Join("---\n", Enumerable.Repeat(AliasedPod(args: 5, aliases: 2), 200));

        AdmissionManifests loaded = AdmissionManifestLoader.Load(yaml);

        Assert.Equal(200, loaded.Workloads.Length);
        Assert.All(loaded.Workloads, w => Assert.Equal(3, w.Manifest.GetProperty("spec").GetProperty("containers").GetArrayLength()));
    }

    [Fact]
    public void Load_MappingWithManyKeys_LinearTime()
    {
        // 50,000 keys in one mapping: a linear scan per key (the old duplicate check) took ~17 s here (40,000: 11 s).
        string yaml = PodWithLabels(50_000, "spec:\n  containers:\n  - {name: c, image: x}\n");
        var clock = Stopwatch.StartNew();

        AdmissionManifests loaded = AdmissionManifestLoader.Load(yaml);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"took {clock.Elapsed}");
        Assert.Equal(50_000, loaded.Workloads[0].Labels.Count);
    }

    [Fact]
    public void Load_DuplicateKeyAmongManyKeys_Refused()
    {
        string yaml = PodWithLabels(10_000, "    k5000: w\n");

        var ex = Assert.Throws<ManifestException>(() => AdmissionManifestLoader.Load(yaml));

        Assert.Equal("metadata.labels.k5000", ex.Field);
        Assert.Contains("duplicate key", ex.Problem, StringComparison.Ordinal);
    }
}
