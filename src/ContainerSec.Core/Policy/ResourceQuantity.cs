using System.Globalization;
using System.Numerics;

namespace ContainerSec.Policy;

/// <summary>How a <see cref="ResourceQuantity"/> is written back (Kubernetes' <c>resource.Format</c>).</summary>
public enum ResourceQuantityFormat
{
    /// <summary>Decimal SI suffixes: <c>n u m "" k M G T P E</c> (<c>100m</c>, <c>1k</c>).</summary>
    DecimalSI,

    /// <summary>Binary SI suffixes: <c>Ki Mi Gi Ti Pi Ei</c> (<c>1Gi</c>).</summary>
    BinarySI,

    /// <summary>A decimal exponent: <c>1e3</c>, <c>129e6</c>.</summary>
    DecimalExponent,
}

/// <summary>
/// A Kubernetes resource quantity (<c>resource.Quantity</c>): an exact fixed-point number with nano
/// (10⁻⁹) resolution, never a floating-point value, plus the suffix style it is written back in.
/// </summary>
/// <remarks>
/// <para>
/// Grammar (as apimachinery): <c>[+|-](digits | digits. | digits.digits | .digits)(suffix)</c> where the
/// suffix is one of <c>n u m k M G T P E</c> (powers of 1000), <c>Ki Mi Gi Ti Pi Ei</c> (powers of 1024)
/// or <c>e</c>/<c>E</c> followed by a signed integer exponent. <c>100m</c> = <c>0.1</c>, <c>1e3</c> =
/// <c>1k</c>, <c>1Gi</c> = 1073741824, <c>0.5Gi</c> = <c>512Mi</c>.
/// </para>
/// <para>
/// As Kubernetes does, a non-zero value finer than 1n is rounded up (away from zero) to the next
/// nano (<c>0.1n</c> → <c>1n</c>, <c>3.001n</c> → <c>4n</c>); a binary quantity between 0 and 1
/// is written in decimal SI. Stricter than Kubernetes, and refused with <see cref="ArgumentException"/>:
/// a number without any digit (<c>"."</c>, <c>"-"</c>), values whose magnitude exceeds 2⁶³−1 (Kubernetes
/// caps <c>9Ei</c> silently and keeps decimal values above it), exponents beyond ±<see cref="MaxExponent"/>
/// and text longer than <see cref="MaxLength"/> characters. Whitespace is refused, as by <c>ParseQuantity</c>.
/// </para>
/// <para>
/// Equality and ordering compare the value only: <c>1e3</c> equals <c>1k</c>, though they are written back
/// differently. <see cref="ToString"/> gives Kubernetes' canonical form (<c>1.5Gi</c> → <c>1536Mi</c>,
/// <c>0.1</c> → <c>100m</c>, <c>1000</c> → <c>1k</c>), which parses back to an equal quantity.
/// </para>
/// </remarks>
public readonly struct ResourceQuantity : IEquatable<ResourceQuantity>, IComparable<ResourceQuantity>, IComparable
{
    /// <summary>The longest text <see cref="Parse(string)"/> accepts.</summary>
    public const int MaxLength = 64;

    /// <summary>The largest magnitude of a decimal exponent (<c>e</c> suffix) accepted.</summary>
    public const int MaxExponent = 64;

    private const long NanosPerUnit = 1_000_000_000;

    /// <summary>The largest magnitude in nano units: (2⁶³−1) · 10⁹.</summary>
    private static readonly Int128 MaxNanos = (Int128)long.MaxValue * NanosPerUnit;

    private static readonly BigInteger MaxNanosBig = (BigInteger)long.MaxValue * NanosPerUnit;

    private readonly Int128 _nanos;
    private readonly ResourceQuantityFormat _format;

    /// <summary>The exact value in nano units (for arithmetic that must not overflow, such as quota sums).</summary>
    internal Int128 Nanos => _nanos;

    private ResourceQuantity(Int128 nanos, ResourceQuantityFormat format)
    {
        _nanos = nanos;
        _format = format;
    }

    /// <summary>Zero (written <c>0</c>).</summary>
    public static ResourceQuantity Zero => default;

    /// <summary>The largest quantity: 2⁶³−1 (written <c>9223372036854775807</c>).</summary>
    public static ResourceQuantity MaxValue => new(MaxNanos, ResourceQuantityFormat.DecimalSI);

    /// <summary>The suffix style the quantity is written back in.</summary>
    public ResourceQuantityFormat Format => _format;

    /// <summary>-1, 0 or 1.</summary>
    public int Sign => _nanos.CompareTo(Int128.Zero);

    /// <summary>True when the value is zero.</summary>
    public bool IsZero => _nanos == Int128.Zero;

    /// <summary>The value rounded up (away from zero) to a whole number, as Kubernetes' <c>Value()</c>.</summary>
    public long Value => (long)CeilingDivide(_nanos, NanosPerUnit);

    /// <summary>The value in thousandths rounded up (away from zero), as Kubernetes' <c>MilliValue()</c>.</summary>
    /// <exception cref="OverflowException">The value exceeds <see cref="MaxMilliValue"/>/1000 (it has no 64-bit milli value).</exception>
    public long MilliValue => checked((long)CeilingDivide(_nanos, 1_000_000));

    /// <summary>The largest value whose <see cref="MilliValue"/> fits in 64 bits, in whole units (Kubernetes' <c>MaxMilliValue</c>).</summary>
    public const long MaxMilliValue = long.MaxValue / 1000;

    /// <summary>A whole-number quantity.</summary>
    /// <param name="value">The value.</param>
    /// <param name="format">How it is written back; <see cref="ResourceQuantityFormat.DecimalSI"/> by default.</param>
    /// <returns>The quantity.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="format"/> is undefined, or <paramref name="value"/> is <see cref="long.MinValue"/> (its magnitude exceeds 2⁶³−1).</exception>
    public static ResourceQuantity FromValue(long value, ResourceQuantityFormat format = ResourceQuantityFormat.DecimalSI)
    {
        ArgumentOutOfRangeException.ThrowIfEqual(value, long.MinValue);
        CheckFormat(format);
        return new ResourceQuantity((Int128)value * NanosPerUnit, format);
    }

    /// <summary>A quantity of <paramref name="milliValue"/> thousandths (<c>FromMilliValue(250)</c> = <c>250m</c>).</summary>
    /// <param name="milliValue">The value in thousandths.</param>
    /// <returns>The quantity, in <see cref="ResourceQuantityFormat.DecimalSI"/>.</returns>
    public static ResourceQuantity FromMilliValue(long milliValue) => new((Int128)milliValue * 1_000_000, ResourceQuantityFormat.DecimalSI);

    /// <summary>The exact value as a <see cref="decimal"/> (every quantity is representable: at most 19 integer and 9 fractional digits).</summary>
    /// <returns>The value.</returns>
    public decimal ToDecimal()
    {
        bool negative = _nanos < 0;
        UInt128 magnitude = negative ? (UInt128)(-_nanos) : (UInt128)_nanos;
        var value = new decimal((int)(uint)magnitude, (int)(uint)(magnitude >> 32), (int)(uint)(magnitude >> 64), negative, 9);
        return value;
    }

    /// <summary>Parses a quantity.</summary>
    /// <param name="s">The text, e.g. <c>100m</c>, <c>1.5Gi</c>, <c>129e6</c>.</param>
    /// <returns>The quantity.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="s"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The text is not a quantity, or is out of the accepted range (see the remarks of <see cref="ResourceQuantity"/>); the message says why.</exception>
    public static ResourceQuantity Parse(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return Parse(s.AsSpan());
    }

    /// <summary>Parses a quantity.</summary>
    /// <param name="s">The text.</param>
    /// <returns>The quantity.</returns>
    /// <exception cref="ArgumentException">The text is not a quantity, or is out of the accepted range; the message says why.</exception>
    public static ResourceQuantity Parse(ReadOnlySpan<char> s)
    {
        string? error = TryParseCore(s, out ResourceQuantity result);
        return error is null ? result : throw new ArgumentException($"'{Shorten(s)}' is not a valid resource quantity: {error}.", nameof(s));
    }

    /// <summary>Parses a quantity without throwing.</summary>
    /// <param name="s">The text.</param>
    /// <param name="result">The quantity, or zero when the text is refused.</param>
    /// <returns>True when <paramref name="s"/> is a valid quantity in the accepted range.</returns>
    public static bool TryParse(ReadOnlySpan<char> s, out ResourceQuantity result) => TryParseCore(s, out result) is null;

    /// <summary>The sum.</summary>
    /// <param name="other">The quantity to add.</param>
    /// <returns>The sum, written in this quantity's format (in <paramref name="other"/>'s when this one is zero, as Kubernetes).</returns>
    /// <exception cref="OverflowException">The sum's magnitude exceeds 2⁶³−1.</exception>
    public ResourceQuantity Add(ResourceQuantity other) => Checked(_nanos + other._nanos, IsZero ? other._format : _format);

    /// <summary>The difference.</summary>
    /// <param name="other">The quantity to subtract.</param>
    /// <returns>The difference, written in this quantity's format (in <paramref name="other"/>'s when this one is zero).</returns>
    /// <exception cref="OverflowException">The difference's magnitude exceeds 2⁶³−1.</exception>
    public ResourceQuantity Subtract(ResourceQuantity other) => Checked(_nanos - other._nanos, IsZero ? other._format : _format);

    /// <summary>The sum; see <see cref="Add"/>.</summary>
    /// <param name="left">The first quantity.</param>
    /// <param name="right">The second quantity.</param>
    /// <exception cref="OverflowException">The sum's magnitude exceeds 2⁶³−1.</exception>
    public static ResourceQuantity operator +(ResourceQuantity left, ResourceQuantity right) => left.Add(right);

    /// <summary>The difference; see <see cref="Subtract"/>.</summary>
    /// <param name="left">The first quantity.</param>
    /// <param name="right">The second quantity.</param>
    /// <exception cref="OverflowException">The difference's magnitude exceeds 2⁶³−1.</exception>
    public static ResourceQuantity operator -(ResourceQuantity left, ResourceQuantity right) => left.Subtract(right);

    /// <summary>Compares values exactly (the format is ignored).</summary>
    /// <param name="other">The other quantity.</param>
    /// <returns>Negative, zero or positive.</returns>
    public int CompareTo(ResourceQuantity other) => _nanos.CompareTo(other._nanos);

    /// <inheritdoc/>
    public int CompareTo(object? obj) => obj switch
    {
        null => 1,
        ResourceQuantity other => CompareTo(other),
        _ => throw new ArgumentException("The object is not a ResourceQuantity.", nameof(obj)),
    };

    /// <summary>Value equality (<c>1e3</c> equals <c>1k</c>).</summary>
    /// <param name="other">The other quantity.</param>
    /// <returns>True when the values are equal.</returns>
    public bool Equals(ResourceQuantity other) => _nanos == other._nanos;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is ResourceQuantity other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => _nanos.GetHashCode();

    /// <summary>Value equality.</summary>
    /// <param name="left">The first quantity.</param>
    /// <param name="right">The second quantity.</param>
    public static bool operator ==(ResourceQuantity left, ResourceQuantity right) => left.Equals(right);

    /// <summary>Value inequality.</summary>
    /// <param name="left">The first quantity.</param>
    /// <param name="right">The second quantity.</param>
    public static bool operator !=(ResourceQuantity left, ResourceQuantity right) => !left.Equals(right);

    /// <summary>Exact ordering.</summary>
    /// <param name="left">The first quantity.</param>
    /// <param name="right">The second quantity.</param>
    public static bool operator <(ResourceQuantity left, ResourceQuantity right) => left._nanos < right._nanos;

    /// <summary>Exact ordering.</summary>
    /// <param name="left">The first quantity.</param>
    /// <param name="right">The second quantity.</param>
    public static bool operator >(ResourceQuantity left, ResourceQuantity right) => left._nanos > right._nanos;

    /// <summary>Exact ordering.</summary>
    /// <param name="left">The first quantity.</param>
    /// <param name="right">The second quantity.</param>
    public static bool operator <=(ResourceQuantity left, ResourceQuantity right) => left._nanos <= right._nanos;

    /// <summary>Exact ordering.</summary>
    /// <param name="left">The first quantity.</param>
    /// <param name="right">The second quantity.</param>
    public static bool operator >=(ResourceQuantity left, ResourceQuantity right) => left._nanos >= right._nanos;

    /// <summary>Kubernetes' canonical text: the largest suffix that loses no precision and leaves no fractional digits.</summary>
    /// <returns>For example <c>100m</c>, <c>1536Mi</c>, <c>1e3</c>, <c>0</c>.</returns>
    public override string ToString()
    {
        if (_nanos == Int128.Zero)
        {
            return "0";
        }

        ResourceQuantityFormat format = _format;
        if (format == ResourceQuantityFormat.BinarySI)
        {
            Int128 limit = (Int128)1024 * NanosPerUnit;
            if ((_nanos > -limit && _nanos < limit) || _nanos % NanosPerUnit != 0)
            {
                format = ResourceQuantityFormat.DecimalSI;
            }
            else
            {
                Int128 units = _nanos / NanosPerUnit;
                int times = 0;
                while (Int128.Abs(units) >= 1024 && units % 1024 == 0)
                {
                    units /= 1024;
                    times++;
                }

                return units.ToString(CultureInfo.InvariantCulture) + times switch
                {
                    0 => "",
                    1 => "Ki",
                    2 => "Mi",
                    3 => "Gi",
                    4 => "Ti",
                    5 => "Pi",
                    _ => "Ei",
                };
            }
        }

        Int128 mantissa = _nanos;
        int exponent = -9;
        while (mantissa % 10 == 0)
        {
            mantissa /= 10;
            exponent++;
        }

        switch (exponent % 3)
        {
            case 1 or -2:
                mantissa *= 10;
                exponent -= 1;
                break;
            case 2 or -1:
                mantissa *= 100;
                exponent -= 2;
                break;
        }

        string number = mantissa.ToString(CultureInfo.InvariantCulture);
        if (format == ResourceQuantityFormat.DecimalExponent)
        {
            return exponent == 0 ? number : number + "e" + exponent.ToString(CultureInfo.InvariantCulture);
        }

        return number + exponent switch
        {
            -9 => "n",
            -6 => "u",
            -3 => "m",
            0 => "",
            3 => "k",
            6 => "M",
            9 => "G",
            12 => "T",
            15 => "P",
            _ => "E", // 18: larger exponents cannot occur below 2^63
        };
    }

    private static ResourceQuantity Checked(Int128 nanos, ResourceQuantityFormat format) =>
        nanos > MaxNanos || nanos < -MaxNanos
            ? throw new OverflowException("The resource quantity's magnitude would exceed 2^63-1.")
            : new ResourceQuantity(nanos, format);

    private static void CheckFormat(ResourceQuantityFormat format)
    {
        if (!Enum.IsDefined(format))
        {
            throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown quantity format.");
        }
    }

    /// <summary>Rounds <paramref name="value"/>/<paramref name="divisor"/> up in magnitude (away from zero), as Kubernetes' ScaledValue.</summary>
    private static Int128 CeilingDivide(Int128 value, long divisor)
    {
        Int128 quotient = Int128.DivRem(value, divisor).Quotient;
        Int128 remainder = value - (quotient * divisor);
        return remainder == 0 ? quotient : remainder > 0 ? quotient + 1 : quotient - 1;
    }

    private static string Shorten(ReadOnlySpan<char> s) => s.Length <= MaxLength ? s.ToString() : string.Concat(s[..MaxLength], "…");

    /// <summary>The parser: apimachinery's <c>parseQuantityString</c> and suffix interpretation, then exact arithmetic.</summary>
    internal static string? TryParseCore(ReadOnlySpan<char> s, out ResourceQuantity result)
    {
        result = default;
        if (s.IsEmpty)
        {
            return "it is empty";
        }

        if (s.Length > MaxLength)
        {
            return $"it is longer than {MaxLength} characters";
        }

        int pos = 0;
        bool negative = false;
        if (s[0] is '+' or '-')
        {
            negative = s[0] == '-';
            pos++;
        }

        int intStart = pos;
        while (pos < s.Length && char.IsAsciiDigit(s[pos]))
        {
            pos++;
        }

        ReadOnlySpan<char> integerDigits = s[intStart..pos];
        ReadOnlySpan<char> fractionDigits = default;
        if (pos < s.Length && s[pos] == '.')
        {
            pos++;
            int fracStart = pos;
            while (pos < s.Length && char.IsAsciiDigit(s[pos]))
            {
                pos++;
            }

            fractionDigits = s[fracStart..pos];
        }

        if (integerDigits.IsEmpty && fractionDigits.IsEmpty)
        {
            return "the number has no digits";
        }

        ReadOnlySpan<char> suffix = s[pos..];
        int exponent10 = 0;
        int exponent2 = 0;
        ResourceQuantityFormat format;
        switch (suffix)
        {
            case "": format = ResourceQuantityFormat.DecimalSI; break;
            case "n": exponent10 = -9; format = ResourceQuantityFormat.DecimalSI; break;
            case "u": exponent10 = -6; format = ResourceQuantityFormat.DecimalSI; break;
            case "m": exponent10 = -3; format = ResourceQuantityFormat.DecimalSI; break;
            case "k": exponent10 = 3; format = ResourceQuantityFormat.DecimalSI; break;
            case "M": exponent10 = 6; format = ResourceQuantityFormat.DecimalSI; break;
            case "G": exponent10 = 9; format = ResourceQuantityFormat.DecimalSI; break;
            case "T": exponent10 = 12; format = ResourceQuantityFormat.DecimalSI; break;
            case "P": exponent10 = 15; format = ResourceQuantityFormat.DecimalSI; break;
            case "E": exponent10 = 18; format = ResourceQuantityFormat.DecimalSI; break;
            case "Ki": exponent2 = 10; format = ResourceQuantityFormat.BinarySI; break;
            case "Mi": exponent2 = 20; format = ResourceQuantityFormat.BinarySI; break;
            case "Gi": exponent2 = 30; format = ResourceQuantityFormat.BinarySI; break;
            case "Ti": exponent2 = 40; format = ResourceQuantityFormat.BinarySI; break;
            case "Pi": exponent2 = 50; format = ResourceQuantityFormat.BinarySI; break;
            case "Ei": exponent2 = 60; format = ResourceQuantityFormat.BinarySI; break;
            default:
                if (suffix.Length < 2 || suffix[0] is not ('e' or 'E'))
                {
                    return $"unknown suffix '{suffix}' (expected n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei or an exponent e<integer>)";
                }

                ReadOnlySpan<char> digits = suffix[1..];
                int sign = 1;
                if (digits[0] is '+' or '-')
                {
                    sign = digits[0] == '-' ? -1 : 1;
                    digits = digits[1..];
                }

                if (digits.IsEmpty || digits.ContainsAnyExceptInRange('0', '9'))
                {
                    return $"malformed exponent '{suffix}'";
                }

                digits = digits.TrimStart('0');
                if (digits.Length > 3 || (digits.Length > 0 && int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture) > MaxExponent))
                {
                    return $"the exponent '{suffix}' is outside ±{MaxExponent}";
                }

                exponent10 = sign * (digits.IsEmpty ? 0 : int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture));
                format = ResourceQuantityFormat.DecimalExponent;
                break;
        }

        // value = digits · 10^(exponent10 - fractionDigits) · 2^exponent2, held in nanos (· 10^9), rounded up in magnitude.
        int scale = exponent10 - fractionDigits.Length + 9;
        Int128 value;
        if (integerDigits.Length + fractionDigits.Length <= 18 && scale is >= -38 and <= 38)
        {
            // Fast path without allocation: < 10^18 · 2^60 < 2^120 fits in Int128 before scaling.
            ulong digits = 0;
            foreach (char c in integerDigits)
            {
                digits = (digits * 10) + (uint)(c - '0');
            }

            foreach (char c in fractionDigits)
            {
                digits = (digits * 10) + (uint)(c - '0');
            }

            Int128 n = (Int128)digits << exponent2;
            if (scale >= 0)
            {
                if (n != 0 && n > MaxNanos / Pow10[scale])
                {
                    return "its magnitude exceeds 2^63-1";
                }

                value = n * Pow10[scale];
            }
            else
            {
                (Int128 quotient, Int128 remainder) = Int128.DivRem(n, Pow10[-scale]);
                value = remainder == 0 ? quotient : quotient + 1;
            }
        }
        else if (SlowNanos(integerDigits, fractionDigits, exponent2, scale, out value) is { } error)
        {
            return error;
        }

        if (value > MaxNanos)
        {
            return "its magnitude exceeds 2^63-1";
        }

        if (format == ResourceQuantityFormat.BinarySI && value != 0 && value < NanosPerUnit)
        {
            format = ResourceQuantityFormat.DecimalSI; // apimachinery: a binary amount in (0, 1) is kept as decimal SI
        }

        result = new ResourceQuantity(negative ? -value : value, format);
        return null;
    }

    /// <summary>Powers of ten that fit in Int128 (10^0 … 10^38).</summary>
    private static readonly Int128[] Pow10 = CreatePow10();

    private static Int128[] CreatePow10()
    {
        var table = new Int128[39];
        table[0] = 1;
        for (int i = 1; i < table.Length; i++)
        {
            table[i] = table[i - 1] * 10;
        }

        return table;
    }

    /// <summary>The general case (many digits or a large exponent), in BigInteger arithmetic.</summary>
    private static string? SlowNanos(ReadOnlySpan<char> integerDigits, ReadOnlySpan<char> fractionDigits, int exponent2, int scale, out Int128 value)
    {
        value = 0;
        Span<char> buffer = stackalloc char[MaxLength];
        integerDigits.CopyTo(buffer);
        fractionDigits.CopyTo(buffer[integerDigits.Length..]);
        var mantissa = BigInteger.Parse(buffer[..(integerDigits.Length + fractionDigits.Length)], NumberStyles.None, CultureInfo.InvariantCulture);
        BigInteger nanos = mantissa << exponent2;
        if (scale >= 0)
        {
            nanos *= BigInteger.Pow(10, scale);
        }
        else if (!nanos.IsZero)
        {
            nanos = BigInteger.DivRem(nanos, BigInteger.Pow(10, -scale), out BigInteger remainder);
            if (!remainder.IsZero)
            {
                nanos += 1;
            }
        }

        if (nanos > MaxNanosBig)
        {
            return "its magnitude exceeds 2^63-1";
        }

        value = (Int128)nanos;
        return null;
    }
}
