using System.Diagnostics.Metrics;
using ContainerSec.KeyManagement;
using ContainerSec.Storage;

namespace ContainerSec.Tests.KeyManagement;

public sealed class KeyRingMetricsTests
{
    // Other tests' rings publish on the same meter name at the same time: count only this key.
    private const string Key = "metrics-test-key";

    [Fact]
    public void Metrics_SealOpenRotate_CountedPerKeyAndBudgetObserved()
    {
        using var ring = new KeyRing();
        ring.CreateKey(Key, new RotationPolicy(maxOperations: 100));
        var storage = new StorageEncryptor(ring, Key);
        var totals = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == KeyRing.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (tags.Length != 1 || !Equals(tags[0].Value, Key))
            {
                return;
            }

            lock (totals)
            {
                totals[instrument.Name] = instrument is ObservableGauge<long> ? value : totals.GetValueOrDefault(instrument.Name) + value;
            }
        });
        listener.Start();

        byte[] record = storage.Seal("x"u8, "c"u8);
        storage.Seal("y"u8, "c"u8);
        storage.Open(record, "c"u8);
        listener.RecordObservableInstruments();
        ring.Rotate(Key);

        Assert.Equal(2, totals["containersec.keyring.encryptions"]);
        Assert.Equal(1, totals["containersec.keyring.decryptions"]);
        Assert.Equal(1, totals["containersec.keyring.rotations"]);
        Assert.Equal(98, totals["containersec.keyring.remaining_operations"]);
    }
}
