using System.Runtime.InteropServices;
using ContainerSec.KeyManagement;

namespace ContainerSec.Internal;

/// <summary>
/// Flushes a directory to the storage device (open, fsync, close), so a rename or a file created
/// in it survives a power loss: the last step of every atomic replace (temporary file, fsync,
/// rename, directory fsync) in the library.
/// </summary>
internal static class DirectorySync
{
    /// <summary>Flushes <paramref name="directory"/>; nothing on Windows (NTFS journals the rename's metadata; there is no directory fsync).</summary>
    /// <exception cref="IOException">The directory cannot be opened or flushed.</exception>
    public static void Flush(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        int fd = NativeMethods.Open(directory, 0);
        if (fd < 0)
        {
            throw new IOException($"Could not open the directory '{directory}' to flush it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (NativeMethods.Fsync(fd) != 0)
            {
                throw new IOException($"Could not flush the directory '{directory}' (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = NativeMethods.Close(fd);
        }
    }
}
