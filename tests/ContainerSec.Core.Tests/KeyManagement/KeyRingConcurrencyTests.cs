using System.Buffers.Binary;
using ContainerSec.KeyManagement;
using ContainerSec.Storage;

namespace ContainerSec.Tests.KeyManagement;

/// <summary>
/// Two threads seal concurrently across many forced rotations; every record is parsed and counted:
/// no (key id, nonce) pair repeats and no version encrypts more than its limit. The issue's
/// 2 × 10^6 seals (10,000 rotations at a limit of 200) took 13 s on the 2-core machine; set
/// CONTAINERSEC_QUICK_CONCURRENCY=1 for 2 × 200,000 (4 s).
/// </summary>
public sealed class KeyRingConcurrencyTests
{
    private const int Limit = 200;

    [Fact]
    public void Seal_TwoThreadsAcrossForcedRotations_NoNonceRepeatsNoVersionOverLimit()
    {
        int perThread = Environment.GetEnvironmentVariable("CONTAINERSEC_QUICK_CONCURRENCY") == "1" ? 200_000 : 1_000_000;
        using var ring = new KeyRing();
        ring.CreateKey("a", new RotationPolicy(maxOperations: Limit));
        var storage = new StorageEncryptor(ring, "a");
        var results = new (UInt128 KeyId, UInt128 Nonce)[2][];

        Parallel.For(0, 2, new ParallelOptions { MaxDegreeOfParallelism = 2 }, t =>
        {
            var mine = new (UInt128, UInt128)[perThread];
            byte[] record = new byte[Envelope.Overhead];
            byte[] context = [(byte)t];
            for (int i = 0; i < perThread; i++)
            {
                storage.Seal(ReadOnlySpan<byte>.Empty, context, record);
                mine[i] = (BinaryPrimitives.ReadUInt128BigEndian(record.AsSpan(4, 16)),
                    BinaryPrimitives.ReadUInt128BigEndian(record.AsSpan(24, 16)) & ((UInt128.One << 96) - 1));
            }

            results[t] = mine;
        });

        var pairs = new HashSet<(UInt128, UInt128)>(2 * perThread);
        var perVersion = new Dictionary<UInt128, int>();
        foreach ((UInt128 keyId, UInt128 nonce) in results.SelectMany(r => r))
        {
            Assert.True(pairs.Add((keyId, nonce)), "A (key id, nonce) pair repeated.");
            perVersion[keyId] = perVersion.GetValueOrDefault(keyId) + 1;
        }

        Assert.Equal(2 * perThread, pairs.Count);
        Assert.All(perVersion.Values, count => Assert.True(count <= Limit, $"A version encrypted {count} times; the limit is {Limit}."));
        Assert.True(perVersion.Count >= 2 * perThread / Limit, $"Only {perVersion.Count} versions: rotation did not happen as often as forced.");
        IReadOnlyList<KeyVersion> versions = ring.GetVersions("a");
        Assert.Equal(perVersion.Count, versions.Count(v => v.OperationCount > 0));
        Assert.All(versions, v => Assert.True(v.OperationCount <= Limit));
        Assert.Equal(2L * perThread, versions.Sum(v => v.OperationCount));
    }
}
