using System.Text.RegularExpressions;
using ContainerSec.Policy;

namespace ContainerSec.Tests.Policy;

/// <summary>The repository-pattern matcher shared by the image rules: same answers as a regular expression, linear time, no line breaks in names.</summary>
public sealed class ImageRepositoryPatternTests
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Fact]
    public void Matches_RandomPatternsAndNames_SameAnswerAsRegex()
    {
        var random = new Random(20261128);
        string[] patternTokens = ["a", "b", "-", ".", "*", "*", "ab"];
        string[] nameTokens = ["a", "b", "ab", "ba"];
        string[] separators = ["-", ".", "--", "_"];
        int matched = 0;
        for (int i = 0; i < 3000; i++)
        {
            string pattern = string.Concat(Enumerable.Range(0, random.Next(1, 7)).Select(_ => patternTokens[random.Next(patternTokens.Length)]));
            string name = nameTokens[random.Next(nameTokens.Length)];
            for (int k = random.Next(0, 4); k > 0; k--)
            {
                name += separators[random.Next(separators.Length)] + nameTokens[random.Next(nameTokens.Length)];
            }

            bool expected = Regex.IsMatch(name, "^" + string.Join("[^/]*", pattern.Split('*').Select(Regex.Escape)) + @"\z", RegexOptions.CultureInvariant);
            bool actual = new ImagePolicy(["r.example/" + pattern], requireDigest: false).Evaluate($"r.example/{name}:1").Allowed;

            Assert.True(expected == actual, $"pattern '{pattern}', name '{name}': expected {expected}");
            matched += actual ? 1 : 0;
        }

        Assert.InRange(matched, 100, 2900); // both answers were exercised
    }

    [Fact]
    public async Task Evaluate_ManyStarsAndALongSegment_Terminates()
    {
        // A complexity guard, not a speed claim: the recursive matcher tried every split at every
        // star (n^k steps: 4,000^4 here) and would never answer; the bound is far above any machine's noise.
        var policy = new ImagePolicy(["ghcr.io/org/*-*-*-*-x"], requireDigest: false);
        string image = "ghcr.io/org/a" + new string('-', 4000) + "b:1";

        Task<ImagePolicyResult> work = Task.Run(() => policy.Evaluate(image));
        Task first = await Task.WhenAny(work, Task.Delay(TimeSpan.FromSeconds(30)));

        Assert.Same(work, first);
        Assert.False((await work).Allowed);
    }

    [Theory]
    [InlineData("ghcr.io/org/app\n@" + Digest)]
    [InlineData("ghcr.io\n/org/app@" + Digest)]
    [InlineData("ghcr.io/org/app:1\n@" + Digest)]
    [InlineData("ghcr.io/org/app@" + Digest + "\n")]
    public void ImageWithATrailingLineBreakInAPart_Refused(string image)
    {
        // In .NET '$' also matches before a final '\n'; the grammars end in '\z'.
        Assert.Equal("image", Assert.Throws<ArgumentException>(() => ImageSignaturePayload.Create(image)).ParamName);
        Assert.False(new ImagePolicy(["ghcr.io/org/*"], requireDigest: false).Evaluate(image).Allowed);
    }
}
