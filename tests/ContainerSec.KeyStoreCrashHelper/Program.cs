using ContainerSec.Cryptography;
using ContainerSec.KeyManagement;

// Usage: ContainerSec.KeyStoreCrashHelper <store path> <master key hex>
// Prints "saved <version count>" after every completed save, forever.
byte[] keyBytes = Convert.FromHexString(args[1]);
using var masterKey = AeadKey.Import(AeadAlgorithm.Aes256Gcm, keyBytes);
using var store = FileKeyStore.Open(args[0], masterKey);
using KeyRing ring = store.Load();
if (!ring.KeyNames.Contains("k"))
{
    ring.CreateKey("k");
}

Console.Out.Flush();
while (true)
{
    ring.Rotate("k");
    store.Save(ring);
    Console.WriteLine($"saved {ring.GetVersions("k").Count}");
}
