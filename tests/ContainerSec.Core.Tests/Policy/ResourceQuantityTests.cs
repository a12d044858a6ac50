using System.Globalization;
using ContainerSec.Policy;
using FsCheck;
using FsCheck.Fluent;

namespace ContainerSec.Tests.Policy;

public sealed class ResourceQuantityTests
{
    // From the Kubernetes documentation ("Resource units in Kubernetes") and apimachinery's quantity_test.go
    // (TestQuantityParse): input, the exact value, the format it keeps.
    [Theory]
    [InlineData("0", "0", ResourceQuantityFormat.DecimalSI)]
    [InlineData("0n", "0", ResourceQuantityFormat.DecimalSI)]
    [InlineData("0Ki", "0", ResourceQuantityFormat.BinarySI)]
    [InlineData("1", "1", ResourceQuantityFormat.DecimalSI)]
    [InlineData("1Ki", "1024", ResourceQuantityFormat.BinarySI)]
    [InlineData("8Ki", "8192", ResourceQuantityFormat.BinarySI)]
    [InlineData("7Mi", "7340032", ResourceQuantityFormat.BinarySI)]
    [InlineData("6Gi", "6442450944", ResourceQuantityFormat.BinarySI)]
    [InlineData("1Gi", "1073741824", ResourceQuantityFormat.BinarySI)]
    [InlineData("5Ti", "5497558138880", ResourceQuantityFormat.BinarySI)]
    [InlineData("4Pi", "4503599627370496", ResourceQuantityFormat.BinarySI)]
    [InlineData("3Ei", "3458764513820540928", ResourceQuantityFormat.BinarySI)]
    [InlineData("123Mi", "128974848", ResourceQuantityFormat.BinarySI)]
    [InlineData("5n", "0.000000005", ResourceQuantityFormat.DecimalSI)]
    [InlineData("4u", "0.000004", ResourceQuantityFormat.DecimalSI)]
    [InlineData("3m", "0.003", ResourceQuantityFormat.DecimalSI)]
    [InlineData("100m", "0.1", ResourceQuantityFormat.DecimalSI)]
    [InlineData("0.1", "0.1", ResourceQuantityFormat.DecimalSI)]
    [InlineData("8k", "8000", ResourceQuantityFormat.DecimalSI)]
    [InlineData("50k", "50000", ResourceQuantityFormat.DecimalSI)]
    [InlineData("7M", "7000000", ResourceQuantityFormat.DecimalSI)]
    [InlineData("128974848", "128974848", ResourceQuantityFormat.DecimalSI)]
    [InlineData("129M", "129000000", ResourceQuantityFormat.DecimalSI)]
    [InlineData("6G", "6000000000", ResourceQuantityFormat.DecimalSI)]
    [InlineData("40T", "40000000000000", ResourceQuantityFormat.DecimalSI)]
    [InlineData("2P", "2000000000000000", ResourceQuantityFormat.DecimalSI)]
    [InlineData("1E", "1000000000000000000", ResourceQuantityFormat.DecimalSI)]
    [InlineData("1E-3", "0.001", ResourceQuantityFormat.DecimalExponent)]
    [InlineData("1e3", "1000", ResourceQuantityFormat.DecimalExponent)]
    [InlineData("1E6", "1000000", ResourceQuantityFormat.DecimalExponent)]
    [InlineData("129e6", "129000000", ResourceQuantityFormat.DecimalExponent)]
    [InlineData("1E18", "1000000000000000000", ResourceQuantityFormat.DecimalExponent)]
    [InlineData("100.035k", "100035", ResourceQuantityFormat.DecimalSI)]
    [InlineData("0.0005k", "0.5", ResourceQuantityFormat.DecimalSI)]
    [InlineData("0.00500", "0.005", ResourceQuantityFormat.DecimalSI)]
    [InlineData("0.5e-2", "0.005", ResourceQuantityFormat.DecimalExponent)]
    [InlineData("10.035M", "10035000", ResourceQuantityFormat.DecimalSI)]
    [InlineData("1.3E+6", "1300000", ResourceQuantityFormat.DecimalExponent)]
    [InlineData("1.53E12", "1530000000000", ResourceQuantityFormat.DecimalExponent)]
    [InlineData("6.987654321G", "6987654321", ResourceQuantityFormat.DecimalSI)]
    [InlineData("1.01E", "1010000000000000000", ResourceQuantityFormat.DecimalSI)]
    [InlineData("3.001n", "0.000000004", ResourceQuantityFormat.DecimalSI)]        // rounds up to the next nano
    [InlineData("1.1E-9", "0.000000002", ResourceQuantityFormat.DecimalExponent)]
    [InlineData("0.0000000001", "0.000000001", ResourceQuantityFormat.DecimalSI)]
    [InlineData("0.9n", "0.000000001", ResourceQuantityFormat.DecimalSI)]
    [InlineData("0.00000012345", "0.000000124", ResourceQuantityFormat.DecimalSI)]
    [InlineData("100.035Ki", "102435.84", ResourceQuantityFormat.BinarySI)]
    [InlineData("0.5Mi", "524288", ResourceQuantityFormat.BinarySI)]
    [InlineData("0.5Gi", "536870912", ResourceQuantityFormat.BinarySI)]
    [InlineData("0.05Gi", "53687091.2", ResourceQuantityFormat.BinarySI)]
    [InlineData("0.000000000001Ki", "0.000000002", ResourceQuantityFormat.DecimalSI)] // rounds up, becomes decimal
    [InlineData(".001", "0.001", ResourceQuantityFormat.DecimalSI)]
    [InlineData("1.", "1", ResourceQuantityFormat.DecimalSI)]
    [InlineData("1.G", "1000000000", ResourceQuantityFormat.DecimalSI)]
    [InlineData("-1.025Ti", "-1126999418470.4", ResourceQuantityFormat.BinarySI)]
    [InlineData("+5", "5", ResourceQuantityFormat.DecimalSI)]
    [InlineData("9223372036854775807", "9223372036854775807", ResourceQuantityFormat.DecimalSI)]
    [InlineData("7.999999999Ei", "9223372035701854303.393153024", ResourceQuantityFormat.BinarySI)]
    public void Parse_KubernetesExamples_ExactValueAndFormat(string text, string value, ResourceQuantityFormat format)
    {
        ResourceQuantity q = ResourceQuantity.Parse(text);

        Assert.Equal(decimal.Parse(value, CultureInfo.InvariantCulture), q.ToDecimal());
        Assert.Equal(format, q.Format);
    }

    [Theory]
    [InlineData("100m", "0.1")]
    [InlineData("1e3", "1k")]
    [InlineData("1Gi", "1073741824")]
    [InlineData("1Ki", "1.024k")]
    [InlineData("0.5Gi", "512Mi")]
    [InlineData("129e6", "129M")]
    [InlineData("123Mi", "128974848")]
    [InlineData("1.5Gi", "1536Mi")]
    [InlineData("0", "-0")]
    public void Equals_SameValueDifferentText_Equal(string a, string b)
    {
        ResourceQuantity x = ResourceQuantity.Parse(a), y = ResourceQuantity.Parse(b);

        Assert.Equal(x, y);
        Assert.True(x == y);
        Assert.Equal(0, x.CompareTo(y));
        Assert.Equal(x.GetHashCode(), y.GetHashCode());
    }

    [Theory]
    [InlineData("0", "0", 0)]
    [InlineData("100m", "50m", 1)]
    [InlineData("50m", "100m", -1)]
    [InlineData("10000T", "100Gi", 1)]   // quantity_test.go TestQuantityCmp
    [InlineData("1G", "1Gi", -1)]
    [InlineData("1n", "0", 1)]
    [InlineData("-1n", "0", -1)]
    [InlineData("9223372036854775807", "7.999999999Ei", 1)]
    public void CompareTo_KubernetesCmpTable_Exact(string a, string b, int expected) =>
        Assert.Equal(expected, Math.Sign(ResourceQuantity.Parse(a).CompareTo(ResourceQuantity.Parse(b))));

    // Canonical form (apimachinery's CanonicalizeBytes): largest suffix without losing precision or printing fractions.
    [Theory]
    [InlineData("0", "0")]
    [InlineData("0Gi", "0")]
    [InlineData("100m", "100m")]
    [InlineData("0.1", "100m")]
    [InlineData("1.5", "1500m")]
    [InlineData("1000", "1k")]
    [InlineData("1000m", "1")]
    [InlineData("1e3", "1e3")]
    [InlineData("1000e0", "1e3")]
    [InlineData("1.5e3", "1500")]
    [InlineData("129e6", "129e6")]
    [InlineData("1E-3", "1e-3")]
    [InlineData("1Gi", "1Gi")]
    [InlineData("1024Mi", "1Gi")]
    [InlineData("1.5Gi", "1536Mi")]
    [InlineData("0.5Gi", "512Mi")]
    [InlineData("123Mi", "123Mi")]
    [InlineData("1025Ki", "1025Ki")]
    [InlineData("1.1Ki", "1126400m")]
    [InlineData("0.5Ki", "512")]          // binary below 1024 is written decimal
    [InlineData("-1Gi", "-1Gi")]
    [InlineData("12345678n", "12345678n")]
    [InlineData("1200m", "1200m")]
    [InlineData("50k", "50k")]
    [InlineData("5.444T", "5444G")]
    [InlineData("3.001n", "4n")]
    [InlineData("9223372036854775807", "9223372036854775807")]
    public void ToString_Canonical(string text, string canonical) => Assert.Equal(canonical, ResourceQuantity.Parse(text).ToString());

    [Theory]
    [InlineData("")]
    [InlineData(" 1")]          // apimachinery: leading and trailing whitespace is forbidden
    [InlineData("1 ")]
    [InlineData("1.1.M")]
    [InlineData("1+1.0M")]
    [InlineData("0.1mi")]
    [InlineData("0.1am")]
    [InlineData("aoeu")]
    [InlineData(".5i")]
    [InlineData("1i")]
    [InlineData("-3.01i")]
    [InlineData("-3.01e-")]
    [InlineData("1e")]
    [InlineData("1ee3")]
    [InlineData("1Ki3")]
    [InlineData("1KI")]
    [InlineData("1gi")]
    [InlineData("1K")]
    [InlineData("1e4294967297")]  // exponent beyond int32 (apimachinery refuses it too)
    [InlineData("1e65")]          // beyond ±64: absurd
    [InlineData("1e-65")]
    [InlineData(".")]             // stricter than apimachinery: a number needs a digit
    [InlineData("-")]
    [InlineData("+")]
    [InlineData("-.")]
    [InlineData("++1")]
    [InlineData("0x10")]
    [InlineData("1,5")]
    [InlineData("١")]             // Arabic-Indic digit: only ASCII digits
    [InlineData("9223372036854775808")]   // 2^63: above the largest magnitude
    [InlineData("8Ei")]                   // apimachinery caps this silently; refused here
    [InlineData("12E")]
    [InlineData("-9223372036854775808")]
    [InlineData("1000000000000000000000000000000000000000000000000000000000000000000")] // longer than 64 characters
    public void Parse_Malformed_ThrowsArgumentExceptionWithReason(string text)
    {
        var e = Assert.Throws<ArgumentException>("s", () => ResourceQuantity.Parse(text));

        Assert.Contains("not a valid resource quantity", e.Message, StringComparison.Ordinal);
        Assert.False(ResourceQuantity.TryParse(text, out ResourceQuantity result));
        Assert.Equal(ResourceQuantity.Zero, result);
    }

    [Fact]
    public void Parse_Null_ThrowsArgumentNull() => Assert.Throws<ArgumentNullException>("s", () => ResourceQuantity.Parse(null!));

    [Fact]
    public void ValueAndMilliValue_RoundUpAwayFromZero_AsKubernetes()
    {
        Assert.Equal(1, ResourceQuantity.Parse("1m").Value);
        Assert.Equal(-1, ResourceQuantity.Parse("-1m").Value);
        Assert.Equal(2, ResourceQuantity.Parse("1001m").Value);
        Assert.Equal(1, ResourceQuantity.Parse("1n").MilliValue);
        Assert.Equal(1500, ResourceQuantity.Parse("1.5").MilliValue);
        Assert.Equal(1073741824, ResourceQuantity.Parse("1Gi").Value);
        Assert.Throws<OverflowException>(() => ResourceQuantity.MaxValue.MilliValue);
    }

    [Fact]
    public void Add_Overflow_Throws()
    {
        ResourceQuantity max = ResourceQuantity.MaxValue;

        Assert.Throws<OverflowException>(() => max + ResourceQuantity.Parse("1n"));
        Assert.Equal(ResourceQuantity.Parse("1536Mi"), ResourceQuantity.Parse("1Gi") + ResourceQuantity.Parse("512Mi"));
        Assert.Equal("1536Mi", (ResourceQuantity.Zero + ResourceQuantity.Parse("1.5Gi")).ToString()); // zero takes the other format
        Assert.Equal("-500m", (ResourceQuantity.Parse("1") - ResourceQuantity.Parse("1.5")).ToString());
    }

    [Fact]
    public void FromValueAndMilliValue_MatchParse()
    {
        Assert.Equal(ResourceQuantity.Parse("250m"), ResourceQuantity.FromMilliValue(250));
        Assert.Equal("2Gi", ResourceQuantity.FromValue(2L << 30, ResourceQuantityFormat.BinarySI).ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => ResourceQuantity.FromValue(long.MinValue));
        Assert.Throws<ArgumentOutOfRangeException>(() => ResourceQuantity.FromValue(1, (ResourceQuantityFormat)7));
    }

    private static readonly string[] Suffixes = ["", "n", "u", "m", "k", "M", "G", "T", "Ki", "Mi", "Gi", "Ti", "e-4", "e2", "E5", "e+1"];

    private static Gen<string> QuantityText() =>
        from negative in Gen.Elements(false, false, true)
        from integer in Gen.Choose(0, 99999)
        from hasFraction in Gen.Elements(false, true)
        from fraction in Gen.Choose(0, 999999)
        from fractionDigits in Gen.Choose(1, 6)
        from suffix in Gen.Elements(Suffixes)
        select (negative ? "-" : "") + integer.ToString(CultureInfo.InvariantCulture)
            + (hasFraction ? "." + fraction.ToString(CultureInfo.InvariantCulture).PadLeft(6, '0')[..fractionDigits] : "") + suffix;

    /// <summary>An independent model: System.Decimal arithmetic, rounded up to the nano as Kubernetes does.</summary>
    private static decimal Model(string text)
    {
        int end = text.Length;
        while (end > 0 && !char.IsAsciiDigit(text[end - 1]) && text[end - 1] != '.')
        {
            end--;
        }

        int e = text.IndexOfAny(['e', 'E']);
        string number = e >= 0 ? text[..e] : text[..end];
        string suffix = e >= 0 ? text[e..] : text[end..];
        decimal value = decimal.Parse(number, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        decimal factor = suffix switch
        {
            "" => 1m, "n" => 1e-9m, "u" => 1e-6m, "m" => 1e-3m, "k" => 1e3m, "M" => 1e6m, "G" => 1e9m, "T" => 1e12m,
            "Ki" => 1024m, "Mi" => 1048576m, "Gi" => 1073741824m, "Ti" => 1099511627776m,
            _ => (decimal)Math.Pow(10, int.Parse(suffix[1..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)),
        };
        decimal nanos = value * factor * 1_000_000_000m;
        decimal rounded = nanos >= 0 ? Math.Ceiling(nanos) : Math.Floor(nanos);
        return rounded / 1_000_000_000m;
    }

    [Fact]
    public void Parse_RandomText_AgreesWithDecimalModel()
    {
        var property = Prop.ForAll(QuantityText().ToArbitrary(), text =>
        {
            decimal expected = Model(text);
            decimal actual = ResourceQuantity.Parse(text).ToDecimal();
            return actual == expected ? true : throw new InvalidOperationException($"{text}: expected {expected}, got {actual}");
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2000), property);
    }

    [Fact]
    public void ToString_RandomQuantities_RoundTripsAndIsStable()
    {
        var property = Prop.ForAll(QuantityText().ToArbitrary(), text =>
        {
            ResourceQuantity q = ResourceQuantity.Parse(text);
            string canonical = q.ToString();
            ResourceQuantity back = ResourceQuantity.Parse(canonical);
            bool ok = back == q && back.ToString() == canonical && !canonical.Contains('.', StringComparison.Ordinal);
            return ok ? true : throw new InvalidOperationException($"{text} -> {canonical} -> {back}");
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2000), property);
    }

    [Fact]
    public void CompareTo_RandomPairs_AgreesWithDecimalOrder()
    {
        var property = Prop.ForAll(QuantityText().ToArbitrary(), QuantityText().ToArbitrary(), (a, b) =>
        {
            ResourceQuantity x = ResourceQuantity.Parse(a), y = ResourceQuantity.Parse(b);
            return Math.Sign(x.CompareTo(y)) == Math.Sign(Model(a).CompareTo(Model(b))) && (x < y) == (Model(a) < Model(b));
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(1000), property);
    }

    [Fact]
    public void FromValue_RandomLongs_RoundTripThroughCanonicalText()
    {
        var property = Prop.ForAll(ArbMap.Default.ArbFor<long>(), value =>
        {
            if (value == long.MinValue)
            {
                return true;
            }

            foreach (ResourceQuantityFormat format in Enum.GetValues<ResourceQuantityFormat>())
            {
                ResourceQuantity q = ResourceQuantity.FromValue(value, format);
                if (ResourceQuantity.Parse(q.ToString()) != q || q.Value != value)
                {
                    return false;
                }
            }

            return true;
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(1000), property);
    }
}
