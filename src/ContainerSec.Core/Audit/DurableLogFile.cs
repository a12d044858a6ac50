using Microsoft.Win32.SafeHandles;

namespace ContainerSec.Audit;

/// <summary>
/// The file under a <see cref="DurableMerkleLog"/>: positional reads and writes on one handle
/// (thread-safe, no shared position), an explicit flush and truncation. The write side is virtual
/// so the tests can make a real file fail the way a full or broken disk does.
/// </summary>
internal class DurableLogFile : IDisposable
{
    private readonly SafeFileHandle _handle;

    public DurableLogFile(string path, bool writable = true)
    {
        Path = path;
        _handle = writable
            ? File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read)
            : File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
    }

    /// <summary>The path the file was opened at (it may since have been renamed).</summary>
    public string Path { get; }

    public long Length => RandomAccess.GetLength(_handle);

    public int Read(Span<byte> destination, long fileOffset) => RandomAccess.Read(_handle, destination, fileOffset);

    public void ReadExactly(Span<byte> destination, long fileOffset)
    {
        while (!destination.IsEmpty)
        {
            int read = Read(destination, fileOffset);
            if (read == 0)
            {
                throw new EndOfStreamException("The audit log file ended inside a record.");
            }

            destination = destination[read..];
            fileOffset += read;
        }
    }

    public virtual void Write(ReadOnlySpan<byte> source, long fileOffset) => RandomAccess.Write(_handle, source, fileOffset);

    /// <summary>Flushes written data to the storage device (fsync) when <paramref name="toDisk"/>; otherwise nothing (writes are unbuffered).</summary>
    public virtual void Flush(bool toDisk)
    {
        if (toDisk)
        {
            RandomAccess.FlushToDisk(_handle);
        }
    }

    public virtual void SetLength(long length) => RandomAccess.SetLength(_handle, length);

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _handle.Dispose();
        }
    }
}
