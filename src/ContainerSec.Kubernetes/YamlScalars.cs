using System.Globalization;
using YamlDotNet.Core;

namespace ContainerSec.Kubernetes;

internal enum YamlScalarKind
{
    Null,
    Bool,
    Int,
    Float,
    String,
}

/// <summary>A scalar's resolved type and value.</summary>
internal readonly record struct YamlScalar(YamlScalarKind Kind, string Text, bool Bool = false, long Int = 0, double Float = 0)
{
    /// <summary>The kind in words for messages: "the boolean yes", "the number 8080".</summary>
    public string Describe() => Kind switch
    {
        YamlScalarKind.Null => "null",
        YamlScalarKind.Bool => $"the boolean {Text}",
        YamlScalarKind.Int or YamlScalarKind.Float => $"the number {Text}",
        _ => $"the string \"{Text}\"",
    };
}

/// <summary>
/// Resolves plain scalars as Kubernetes does: <c>kubectl</c> and the API server convert YAML to JSON
/// with sigs.k8s.io/yaml, whose parser follows YAML 1.1 (go-yaml v2). So, unquoted: <c>~</c>,
/// <c>null</c> and empty are null; <c>true/false</c>, <c>yes/no</c>, <c>on/off</c>, <c>y/n</c> (three
/// casings each) are booleans; integers may be decimal, <c>0x</c> hex, <c>0o</c> or leading-<c>0</c>
/// octal (<c>0644</c> is 420) or <c>0b</c> binary, with <c>_</c> separators; decimals and exponents are
/// floats. Quoted scalars and <c>!!str</c> are strings; <c>!!int</c>, <c>!!float</c>, <c>!!bool</c>,
/// <c>!!null</c> must resolve to their type; other tags are refused.
/// </summary>
internal static class YamlScalars
{
    private const string TagPrefix = "tag:yaml.org,2002:";

    /// <summary>
    /// Whether a mapping key whose YAML 1.1 reading is <paramref name="scalar"/> means the text
    /// <paramref name="written"/> to Kubernetes: strings, and booleans and integers already written
    /// as Kubernetes would turn them into text (<c>true</c>, <c>80</c>). Any other reading
    /// (<c>on</c> → "true", <c>010</c> → "8", <c>~</c>) would make the cluster's key differ from the text.
    /// </summary>
    public static bool IsVerbatimKey(string written, YamlScalar scalar) => scalar.Kind switch
    {
        YamlScalarKind.String => true,
        YamlScalarKind.Bool => written == (scalar.Bool ? "true" : "false"),
        YamlScalarKind.Int => written == scalar.Int.ToString(CultureInfo.InvariantCulture),
        _ => false,
    };

    public static YamlScalar Resolve(YamlText scalar)
    {
        string text = scalar.Value;
        if (scalar.Tag.IsEmpty && scalar.Style == ScalarStyle.Plain)
        {
            return ResolvePlain(text);
        }

        if (scalar.Tag.IsEmpty || scalar.Tag.IsNonSpecific || scalar.Tag.Value == TagPrefix + "str")
        {
            return new YamlScalar(YamlScalarKind.String, text);
        }

        YamlScalar plain = ResolvePlain(text);
        YamlScalarKind wanted = scalar.Tag.Value switch
        {
            TagPrefix + "int" => YamlScalarKind.Int,
            TagPrefix + "float" => YamlScalarKind.Float,
            TagPrefix + "bool" => YamlScalarKind.Bool,
            TagPrefix + "null" => YamlScalarKind.Null,
            _ => throw new FormatException($"the tag {scalar.Tag.Value} is not supported"),
        };
        return plain.Kind == wanted || (wanted == YamlScalarKind.Float && plain.Kind == YamlScalarKind.Int)
            ? plain
            : throw new FormatException($"\"{text}\" is not a valid !!{scalar.Tag.Value[TagPrefix.Length..]}");
    }

    private static YamlScalar ResolvePlain(string text)
    {
        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return new YamlScalar(YamlScalarKind.Null, text);
            case "y" or "Y" or "yes" or "Yes" or "YES" or "true" or "True" or "TRUE" or "on" or "On" or "ON":
                return new YamlScalar(YamlScalarKind.Bool, text, Bool: true);
            case "n" or "N" or "no" or "No" or "NO" or "false" or "False" or "FALSE" or "off" or "Off" or "OFF":
                return new YamlScalar(YamlScalarKind.Bool, text, Bool: false);
            case ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF":
                return new YamlScalar(YamlScalarKind.Float, text, Float: double.PositiveInfinity);
            case "-.inf" or "-.Inf" or "-.INF":
                return new YamlScalar(YamlScalarKind.Float, text, Float: double.NegativeInfinity);
            case ".nan" or ".NaN" or ".NAN":
                return new YamlScalar(YamlScalarKind.Float, text, Float: double.NaN);
        }

        char first = text[0];
        if (!(char.IsAsciiDigit(first) || first is '+' or '-' or '.'))
        {
            return new YamlScalar(YamlScalarKind.String, text);
        }

        if (TryParseInteger(text.Replace("_", "", StringComparison.Ordinal), out long integer))
        {
            return new YamlScalar(YamlScalarKind.Int, text, Int: integer);
        }

        if (IsFloat(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double number))
        {
            return new YamlScalar(YamlScalarKind.Float, text, Float: number);
        }

        return new YamlScalar(YamlScalarKind.String, text);
    }

    /// <summary>Go's <c>strconv.ParseInt(s, 0, 64)</c>: sign, then <c>0x</c>, <c>0o</c>, <c>0b</c>, a leading <c>0</c> (octal) or decimal.</summary>
    private static bool TryParseInteger(string text, out long value)
    {
        value = 0;
        ReadOnlySpan<char> s = text;
        bool negative = false;
        if (s.Length > 0 && s[0] is '+' or '-')
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        int radix = 10;
        if (s.Length > 1 && s[0] == '0')
        {
            radix = s[1] switch
            {
                'x' or 'X' => 16,
                'o' or 'O' => 8,
                'b' or 'B' => 2,
                _ => 0, // A leading 0 alone: octal.
            };
            s = radix == 0 ? s[1..] : s[2..];
            radix = radix == 0 ? 8 : radix;
        }

        if (s.IsEmpty)
        {
            return false;
        }

        ulong magnitude = 0;
        foreach (char c in s)
        {
            int digit = char.IsAsciiDigit(c) ? c - '0' : char.IsAsciiLetter(c) ? (char.ToLowerInvariant(c) - 'a') + 10 : 99;
            if (digit >= radix)
            {
                return false;
            }

            if (magnitude > (ulong.MaxValue - (ulong)digit) / (ulong)radix)
            {
                return false;
            }

            magnitude = (magnitude * (ulong)radix) + (ulong)digit;
        }

        if (negative ? magnitude > (ulong)long.MaxValue + 1 : magnitude > long.MaxValue)
        {
            return false;
        }

        value = negative ? (long)(0 - magnitude) : (long)magnitude;
        return true;
    }

    /// <summary>go-yaml v2's float form: <c>[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?</c>.</summary>
    private static bool IsFloat(string text)
    {
        ReadOnlySpan<char> s = text;
        if (s.Length > 0 && s[0] is '+' or '-')
        {
            s = s[1..];
        }

        int digits = Digits(ref s);
        if (s.Length > 0 && s[0] == '.')
        {
            s = s[1..];
            int fraction = Digits(ref s);
            if (digits == 0 && fraction == 0)
            {
                return false;
            }
        }
        else if (digits == 0)
        {
            return false;
        }

        if (s.Length > 0 && s[0] is 'e' or 'E')
        {
            s = s[1..];
            if (s.Length > 0 && s[0] is '+' or '-')
            {
                s = s[1..];
            }

            if (Digits(ref s) == 0)
            {
                return false;
            }
        }

        return s.IsEmpty;
    }

    private static int Digits(ref ReadOnlySpan<char> s)
    {
        int n = 0;
        while (n < s.Length && char.IsAsciiDigit(s[n]))
        {
            n++;
        }

        s = s[n..];
        return n;
    }
}
