using System.Globalization;
using BenchmarkDotNet.Attributes;
using ContainerSec.Policy;

namespace ContainerSec.Benchmarks;

/// <summary>
/// Parsing the quantities of a typical container's resources (<c>250m</c>, <c>512Mi</c>, <c>1.5</c>,
/// <c>2Gi</c>) into exact values. The baseline is <see cref="decimal.Parse(string, IFormatProvider)"/> of the
/// same values written as plain decimals; the setup checks both give the same numbers.
/// </summary>
[MemoryDiagnoser]
public class ResourceQuantityBenchmarks
{
    private static readonly string[] Quantities = ["250m", "512Mi", "1.5", "2Gi"];
    private static readonly string[] Decimals = ["0.250", "536870912", "1.5", "2147483648"];

    [GlobalSetup]
    public void Setup()
    {
        for (int i = 0; i < Quantities.Length; i++)
        {
            if (ResourceQuantity.Parse(Quantities[i]).ToDecimal() != decimal.Parse(Decimals[i], CultureInfo.InvariantCulture))
            {
                throw new InvalidOperationException($"{Quantities[i]} and {Decimals[i]} disagree.");
            }
        }
    }

    [Benchmark(Baseline = true)]
    public decimal DecimalParse()
    {
        decimal sum = 0;
        foreach (string text in Decimals)
        {
            sum += decimal.Parse(text, CultureInfo.InvariantCulture);
        }

        return sum;
    }

    [Benchmark]
    public decimal Ours()
    {
        decimal sum = 0;
        foreach (string text in Quantities)
        {
            sum += ResourceQuantity.Parse(text).ToDecimal();
        }

        return sum;
    }
}
