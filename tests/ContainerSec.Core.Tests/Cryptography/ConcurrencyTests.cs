using System.Collections.Concurrent;
using System.Security.Cryptography;
using ContainerSec.Cryptography;

namespace ContainerSec.Tests.Cryptography;

/// <summary>
/// One key shared by several threads: the reused native contexts must never be used by two
/// calls at once, so every result must equal the single-threaded reference.
/// </summary>
public sealed class ConcurrencyTests
{
    private const int Workers = 8;
    private const int OperationsPerWorker = 2000;
    private const int Inputs = 64;

    [Theory]
    [MemberData(nameof(Algorithms.AeadData), MemberType = typeof(Algorithms))]
    public void AeadKey_SharedAcrossThreads_GivesTheReferenceResultEveryTime(AeadAlgorithm algorithm)
    {
        byte[] keyBytes = TestBytes.Random(algorithm.KeySizeInBytes);
        var inputs = new (byte[] Nonce, byte[] Plaintext, byte[] AssociatedData, byte[] Sealed)[Inputs];
        for (int i = 0; i < Inputs; i++)
        {
            byte[] nonce = TestBytes.Random(AeadAlgorithm.NonceSize);
            byte[] plaintext = TestBytes.Random(i * 17 % 300);
            byte[] associatedData = TestBytes.Random(i % 40);
            inputs[i] = (nonce, plaintext, associatedData, Reference.GcmEncrypt(algorithm, keyBytes, nonce, plaintext, associatedData));
        }

        using AeadKey key = AeadKey.Import(algorithm, keyBytes);
        int completed = RunConcurrently((worker, operation) =>
        {
            var (nonce, plaintext, associatedData, sealedBytes) = inputs[((worker * 31) + operation) % Inputs];
            switch (operation % 5)
            {
                case 0:
                    Assert.Equal(sealedBytes, key.Encrypt(nonce, plaintext, associatedData: associatedData));
                    break;
                case 1:
                    byte[] destination = new byte[sealedBytes.Length];
                    Assert.Equal(sealedBytes.Length, key.Encrypt(nonce, plaintext, destination, associatedData));
                    Assert.Equal(sealedBytes, destination);
                    break;
                case 2:
                    Assert.Equal(plaintext, key.Decrypt(nonce, sealedBytes, associatedData: associatedData));
                    break;
                case 3:
                    byte[] opened = new byte[plaintext.Length];
                    Assert.True(key.TryDecrypt(nonce, sealedBytes, opened, out int written, associatedData));
                    Assert.Equal(plaintext.Length, written);
                    Assert.Equal(plaintext, opened);
                    break;
                default:
                    // Failures interleaved with successes: a failed call must leave its context usable.
                    byte[] tampered = TestBytes.FlipBit(sealedBytes, operation % (sealedBytes.Length * 8));
                    Assert.Throws<AuthenticationTagMismatchException>(() => key.Decrypt(nonce, tampered, associatedData: associatedData));
                    break;
            }
        });

        Assert.Equal(Workers * OperationsPerWorker, completed);
    }

    [Theory]
    [MemberData(nameof(Algorithms.MacData), MemberType = typeof(Algorithms))]
    public void MacKey_SharedAcrossThreads_GivesTheReferenceResultEveryTime(MacAlgorithm algorithm)
    {
        byte[] keyBytes = TestBytes.Random(algorithm.KeySizeInBytes);
        var inputs = new (byte[] Message, byte[] Mac)[Inputs];
        for (int i = 0; i < Inputs; i++)
        {
            byte[] message = TestBytes.Random(i * 23 % 500);
            inputs[i] = (message, Reference.Hmac(algorithm.HashFunction, keyBytes, message));
        }

        using MacKey key = MacKey.Import(algorithm, keyBytes);
        int completed = RunConcurrently((worker, operation) =>
        {
            var (message, mac) = inputs[((worker * 31) + operation) % Inputs];
            switch (operation % 4)
            {
                case 0:
                    Assert.Equal(mac, key.Compute(message));
                    break;
                case 1:
                    byte[] destination = new byte[mac.Length];
                    Assert.True(key.TryCompute(message, destination, out _));
                    Assert.Equal(mac, destination);
                    break;
                case 2:
                    Assert.True(key.Verify(message, mac));
                    break;
                default:
                    Assert.False(key.Verify(message, TestBytes.FlipBit(mac, operation % (mac.Length * 8))));
                    break;
            }
        });

        Assert.Equal(Workers * OperationsPerWorker, completed);
    }

    [Theory]
    [MemberData(nameof(Algorithms.AeadData), MemberType = typeof(Algorithms))]
    public void AeadKey_DisposedWhileOtherThreadsEncrypt_EveryCallEitherThrowsOrUsesTheRightKey(AeadAlgorithm algorithm)
    {
        // Disposing a key that other threads still use is a race the caller should avoid, but it
        // must fail closed: each call either throws ObjectDisposedException or encrypts under the
        // key. It must never succeed with some other key (such as the zeroed key bytes).
        byte[] nonce = TestBytes.Random(AeadAlgorithm.NonceSize);
        byte[] plaintext = TestBytes.Random(32);
        byte[] underZeroKey = Reference.GcmEncrypt(algorithm, new byte[algorithm.KeySizeInBytes], nonce, plaintext, []);

        RaceDispose(
            () =>
            {
                byte[] keyBytes = TestBytes.Random(algorithm.KeySizeInBytes);
                byte[] expected = Reference.GcmEncrypt(algorithm, keyBytes, nonce, plaintext, []);
                AeadKey key = AeadKey.Import(algorithm, keyBytes);
                byte[] destination = new byte[expected.Length];
                Func<Outcome> call = () =>
                {
                    key.Encrypt(nonce, plaintext, destination.AsSpan());
                    return Classify(destination, expected, underZeroKey);
                };
                return (key, call);
            });
    }

    [Theory]
    [MemberData(nameof(Algorithms.MacData), MemberType = typeof(Algorithms))]
    public void MacKey_DisposedWhileOtherThreadsCompute_EveryCallEitherThrowsOrUsesTheRightKey(MacAlgorithm algorithm)
    {
        byte[] message = TestBytes.Random(32);
        byte[] underZeroKey = Reference.Hmac(algorithm.HashFunction, new byte[algorithm.KeySizeInBytes], message);

        RaceDispose(
            () =>
            {
                byte[] keyBytes = TestBytes.Random(algorithm.KeySizeInBytes);
                byte[] expected = Reference.Hmac(algorithm.HashFunction, keyBytes, message);
                MacKey key = MacKey.Import(algorithm, keyBytes);
                byte[] destination = new byte[expected.Length];
                Func<Outcome> call = () =>
                {
                    key.Compute(message, destination);
                    return Classify(destination, expected, underZeroKey);
                };
                return (key, call);
            });
    }

    private static Outcome Classify(byte[] actual, byte[] expected, byte[] underZeroKey) =>
        actual.AsSpan().SequenceEqual(expected) ? Outcome.Right
        : actual.AsSpan().SequenceEqual(underZeroKey) ? Outcome.ZeroKey
        : Outcome.Wrong;

    private enum Outcome
    {
        Right,
        ZeroKey,
        Wrong,
    }

    /// <summary>
    /// Repeatedly: three threads call an operation on a fresh key in a loop while this thread
    /// disposes the key at a random moment. Stops at the first call that succeeded with a wrong
    /// result, or after a bounded number of rounds.
    /// </summary>
    private static void RaceDispose(Func<(IDisposable Key, Func<Outcome> Call)> setUp)
    {
        const int Rounds = 600;
        const int Racers = 3;
        int succeeded = 0;
        int zeroKey = 0;
        int wrong = 0;
        var unexpected = new ConcurrentQueue<Exception>();
        int round = 0;
        for (; round < Rounds && zeroKey + wrong == 0 && unexpected.IsEmpty; round++)
        {
            (IDisposable key, Func<Outcome> call) = setUp();
            using var go = new ManualResetEventSlim();
            var threads = new Thread[Racers];
            for (int r = 0; r < Racers; r++)
            {
                threads[r] = new Thread(() =>
                {
                    go.Wait();
                    while (true)
                    {
                        Outcome outcome;
                        try
                        {
                            outcome = call();
                        }
                        catch (ObjectDisposedException)
                        {
                            return;
                        }
                        catch (Exception ex) when (ex is not OutOfMemoryException)
                        {
                            unexpected.Enqueue(ex);
                            return;
                        }

                        switch (outcome)
                        {
                            case Outcome.Right:
                                Interlocked.Increment(ref succeeded);
                                break;
                            case Outcome.ZeroKey:
                                Interlocked.Increment(ref zeroKey);
                                break;
                            default:
                                Interlocked.Increment(ref wrong);
                                break;
                        }
                    }
                });
                threads[r].Start();
            }

            int before = Volatile.Read(ref succeeded);
            go.Set();

            // Under load the racers may start late; dispose only once at least one call has
            // succeeded in this round, so Dispose really races calls in flight.
            SpinWait.SpinUntil(() => Volatile.Read(ref succeeded) > before, TimeSpan.FromSeconds(5));
            Thread.SpinWait(Random.Shared.Next(50, 5000));
            key.Dispose();
            foreach (Thread thread in threads)
            {
                thread.Join();
            }
        }

        Assert.True(unexpected.IsEmpty, $"A call failed with something other than ObjectDisposedException: {(unexpected.TryPeek(out Exception? first) ? first : null)}");
        Assert.True(
            zeroKey + wrong == 0,
            $"In round {round} of {Rounds}, {zeroKey} call(s) succeeded under the all-zero key and {wrong} under another wrong key " +
            $"(after {succeeded} right results): a call that raced Dispose built a fresh native context from the already-zeroed key bytes.");
        Assert.True(succeeded > 0);
    }

    /// <summary>Runs the operations on <see cref="Workers"/> dedicated threads released together; returns how many succeeded.</summary>
    private static int RunConcurrently(Action<int, int> operation)
    {
        var failures = new ConcurrentQueue<Exception>();
        int completed = 0;
        using var start = new Barrier(Workers);
        var threads = new Thread[Workers];
        for (int w = 0; w < Workers; w++)
        {
            int worker = w;
            threads[w] = new Thread(() =>
            {
                start.SignalAndWait();
                for (int i = 0; i < OperationsPerWorker; i++)
                {
                    try
                    {
                        operation(worker, i);
                        Interlocked.Increment(ref completed);
                    }
                    catch (Exception ex) when (ex is not OutOfMemoryException)
                    {
                        failures.Enqueue(ex);
                    }
                }
            });
            threads[w].Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        Assert.True(failures.IsEmpty, $"{failures.Count} concurrent operations failed; first: {(failures.TryPeek(out Exception? first) ? first : null)}");
        return completed;
    }
}
