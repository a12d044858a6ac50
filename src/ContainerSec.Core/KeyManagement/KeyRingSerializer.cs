using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using ContainerSec.Cryptography;

namespace ContainerSec.KeyManagement;

/// <summary>
/// The plaintext form of a ring's state inside a key store (always encrypted before it is stored;
/// see docs/key-management.md). Little-endian integers; strings as UTF-8 with an int32 length.
/// </summary>
internal static class KeyRingSerializer
{
    private const int Magic = 0x52_4B_53_43; // "CSKR" little-endian
    private const int Version = 1;
    private const int MaxNameBytes = 1024;

    public static byte[] Serialize(KeyRing ring)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(Version);
            ManagedKey[] keys = [.. ring.Keys.OrderBy(k => k.Name, StringComparer.Ordinal)];
            writer.Write(keys.Length);
            Span<byte> id = stackalloc byte[KeyId.SizeInBytes];
            foreach (ManagedKey key in keys)
            {
                lock (key.Lock)
                {
                    writer.Write(key.Name);
                    writer.Write((byte)key.Kind);
                    writer.Write(key.Algorithm == AeadAlgorithm.Aes128Gcm ? (byte)1 : (byte)2);
                    writer.Write(key.Policy.MaxOperations);
                    writer.Write(key.Policy.MaxBytes);
                    writer.Write(key.Policy.MaxAge?.Ticks ?? -1);
                    writer.Write(key.Policy.WarningThreshold);
                    writer.Write(key.MinimumDecryptionVersion);
                    writer.Write(key.Versions.Count);
                    foreach (KeyVersion v in key.Versions)
                    {
                        v.KeyId.WriteTo(id);
                        writer.Write(id);
                        writer.Write((byte)v.State);
                        (long Operations, long Bytes)? pending = ring.PendingMarksFor(v);
                        writer.Write(pending?.Operations ?? v.SavedOperationCount);
                        writer.Write(pending?.Bytes ?? v.SavedByteCount);
                        writer.Write(v.CreatedAt.UtcTicks);
                        writer.Write(v.ActivatedAt?.UtcTicks ?? -1);
                        writer.Write(v.DeactivatedAt?.UtcTicks ?? -1);
                        writer.Write(v.DisabledAt?.UtcTicks ?? -1);
                        writer.Write(v.DestroyedAt?.UtcTicks ?? -1);
                        if (v.State == KeyVersionState.Destroyed)
                        {
                            writer.Write(new byte[KeyVersion.MaterialSizeInBytes]);
                        }
                        else
                        {
                            writer.Write(v.Material.Span);
                        }
                    }

                    writer.Write(key.History.Count);
                    foreach (KeyEvent e in key.History)
                    {
                        writer.Write(e.Timestamp.UtcTicks);
                        writer.Write((byte)e.Kind);
                        writer.Write(e.Version);
                    }
                }
            }
        }

        byte[] result = stream.ToArray();
        CryptographicOperations.ZeroMemory(stream.GetBuffer());
        return result;
    }

    /// <summary>Reads a state written by <see cref="Serialize"/> into a new ring. Dynamic keys are rotated at once (see remarks in docs): their unsaved usage is unknown.</summary>
    public static KeyRing Deserialize(ReadOnlySpan<byte> data, TimeProvider? timeProvider)
    {
        var ring = new KeyRing(timeProvider);
        try
        {
            var reader = new Reader(data);
            if (reader.Int32() != Magic || reader.Int32() != Version)
            {
                throw new CryptographicException("The key store's content is not a version-1 key ring.");
            }

            int keyCount = reader.Count(1 << 16);
            for (int k = 0; k < keyCount; k++)
            {
                string name = reader.String();
                var kind = (KeyKind)reader.Byte();
                AeadAlgorithm algorithm = reader.Byte() == 1 ? AeadAlgorithm.Aes128Gcm : AeadAlgorithm.Aes256Gcm;
                long maxOps = reader.Int64();
                long maxBytes = reader.Int64();
                long maxAge = reader.Int64();
                double threshold = reader.Double();
                var policy = new RotationPolicy(maxOps, maxBytes, maxAge < 0 ? null : TimeSpan.FromTicks(maxAge), threshold);
                ManagedKey key = ring.AddKey(name, kind, algorithm, policy);
                key.MinimumDecryptionVersion = reader.Int32();
                int versionCount = reader.Count(1 << 24);
                for (int n = 1; n <= versionCount; n++)
                {
                    KeyId id = KeyId.Read(reader.Bytes(KeyId.SizeInBytes));
                    var state = (KeyVersionState)reader.Byte();
                    long ops = reader.Int64();
                    long bytes = reader.Int64();
                    DateTimeOffset created = new(reader.Int64(), TimeSpan.Zero);
                    DateTimeOffset? activated = reader.Time();
                    DateTimeOffset? deactivated = reader.Time();
                    DateTimeOffset? disabled = reader.Time();
                    DateTimeOffset? destroyed = reader.Time();
                    KeyVersion version = ring.Restore(key, n, id, reader.Bytes(KeyVersion.MaterialSizeInBytes), state, ops, bytes, created, activated);
                    version.ActivatedAt = activated;
                    version.DeactivatedAt = deactivated;
                    version.DisabledAt = disabled;
                    version.DestroyedAt = destroyed;
                }

                int historyCount = reader.Count(1 << 26);
                for (int h = 0; h < historyCount; h++)
                {
                    key.History.Add(new KeyEvent(new DateTimeOffset(reader.Int64(), TimeSpan.Zero), (KeyEventKind)reader.Byte(), reader.Int32()));
                }
            }

            if (!reader.AtEnd)
            {
                throw new CryptographicException("The key store's content has trailing bytes.");
            }

            ring.RotateDynamicAfterRestart();
            return ring;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            ring.Dispose();
            throw new CryptographicException("The key store's content is not a valid key ring.", e);
        }
        catch
        {
            ring.Dispose();
            throw;
        }
    }

    private ref struct Reader
    {
        private ReadOnlySpan<byte> _data;

        public Reader(ReadOnlySpan<byte> data) => _data = data;

        public readonly bool AtEnd => _data.IsEmpty;

        public ReadOnlySpan<byte> Bytes(int count)
        {
            if (_data.Length < count)
            {
                throw new CryptographicException("The key store's content is truncated.");
            }

            ReadOnlySpan<byte> result = _data[..count];
            _data = _data[count..];
            return result;
        }

        public byte Byte() => Bytes(1)[0];

        public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Bytes(4));

        public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Bytes(8));

        public double Double() => BinaryPrimitives.ReadDoubleLittleEndian(Bytes(8));

        public DateTimeOffset? Time()
        {
            long ticks = Int64();
            return ticks < 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }

        public int Count(int max)
        {
            int count = Int32();
            if (count < 0 || count > max)
            {
                throw new CryptographicException("The key store's content has an impossible count.");
            }

            return count;
        }

        public string String()
        {
            // BinaryWriter.Write(string): 7-bit encoded length, then UTF-8.
            int length = 0;
            int shift = 0;
            byte b;
            do
            {
                if (shift > 28)
                {
                    throw new CryptographicException("The key store's content has a bad string length.");
                }

                b = Byte();
                length |= (b & 0x7F) << shift;
                shift += 7;
            }
            while ((b & 0x80) != 0);

            if (length is < 1 or > MaxNameBytes)
            {
                throw new CryptographicException("The key store's content has a bad key name.");
            }

            return Encoding.UTF8.GetString(Bytes(length));
        }
    }
}
