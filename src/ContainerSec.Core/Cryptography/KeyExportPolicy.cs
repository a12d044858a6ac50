namespace ContainerSec.Cryptography;

/// <summary>Whether the bytes of a secret key may leave the key object.</summary>
/// <remarks>
/// Keys are not exportable unless asked for at creation, so a key that only ever encrypts and
/// decrypts cannot be leaked through the API by a later change in the calling code.
/// </remarks>
public enum KeyExportPolicy
{
    /// <summary>The key's bytes can never be read back. This is the default.</summary>
    None = 0,

    /// <summary>The key's bytes can be exported in plaintext with <c>Export</c>.</summary>
    AllowPlaintextExport = 1,
}
