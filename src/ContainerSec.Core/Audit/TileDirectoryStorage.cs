using System.Security.Cryptography;

namespace ContainerSec.Audit;

/// <summary>
/// <see cref="ITileStorage"/> in a local directory, laid out exactly as the tlog-tiles URLs, so
/// any static HTTP server pointed at the directory serves the log.
/// </summary>
/// <remarks>
/// <para>A write goes to a temporary file <c>.tmp-&lt;random&gt;</c> in the target directory, is
/// flushed to the device (fsync), renamed over the target and then the directory is flushed, so a
/// crash leaves the old resource or the new one and the rename itself survives. Directories
/// created on the way are flushed into their parents. With <c>flushToDisk: false</c> (tests,
/// benchmarks) the same steps run without the fsyncs: atomic, not durable.</para>
/// <para>Paths are validated before any file-system call (see <see cref="ITileStorage"/>): no
/// absolute paths, no <c>..</c>, no backslashes, no names starting with a dot, at most 512
/// characters, and the resolved path must lie under the root. The root itself is trusted: symbolic
/// links placed inside it by someone with write access are not detected.</para>
/// </remarks>
public sealed class TileDirectoryStorage : ITileStorage
{
    private const int MaxPathLength = 512;
    private const string TempPrefix = ".tmp-";

    private readonly string _root;
    private readonly bool _flushToDisk;

    /// <summary>Uses (and creates, if needed) the directory <paramref name="rootDirectory"/>.</summary>
    /// <param name="rootDirectory">The log's directory.</param>
    /// <param name="flushToDisk">Whether writes are flushed to the device (fsync of file and directory). Default true.</param>
    /// <exception cref="ArgumentException"><paramref name="rootDirectory"/> is empty.</exception>
    /// <exception cref="IOException">The directory cannot be created.</exception>
    public TileDirectoryStorage(string rootDirectory, bool flushToDisk = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootDirectory);
        _root = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(rootDirectory));
        _flushToDisk = flushToDisk;
        Directory.CreateDirectory(_root);
    }

    /// <summary>The full path of the root directory.</summary>
    public string RootDirectory => _root;

    /// <inheritdoc/>
    public byte[]? Read(string path, int maxBytes)
    {
        string full = Resolve(path, nameof(path));
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        FileStream file;
        try
        {
            file = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException && !File.Exists(full))
        {
            return null;
        }

        using (file)
        {
            long length = file.Length;
            if (length > maxBytes)
            {
                throw new InvalidDataException($"The resource '{path}' is {length} bytes; at most {maxBytes} are accepted.");
            }

            byte[] contents = new byte[length];
            file.ReadExactly(contents);
            return contents;
        }
    }

    /// <inheritdoc/>
    public void Write(string path, ReadOnlySpan<byte> contents)
    {
        string full = Resolve(path, nameof(path));
        string directory = System.IO.Path.GetDirectoryName(full)!;
        var created = new List<string>();
        for (string? d = directory; d is not null && d.Length > _root.Length && !Directory.Exists(d); d = System.IO.Path.GetDirectoryName(d))
        {
            created.Add(d);
        }

        Directory.CreateDirectory(directory);
        string temp = System.IO.Path.Combine(directory, TempPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)));
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.None))
            {
                file.Write(contents);
                file.Flush(flushToDisk: _flushToDisk);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDeleteFile(temp);
            throw;
        }

        if (_flushToDisk)
        {
            Internal.DirectorySync.Flush(directory);
            foreach (string d in created)
            {
                Internal.DirectorySync.Flush(System.IO.Path.GetDirectoryName(d)!);
            }
        }
    }

    /// <inheritdoc/>
    public bool Delete(string path)
    {
        string full = Resolve(path, nameof(path));
        if (!File.Exists(full))
        {
            return false;
        }

        File.Delete(full);
        string directory = System.IO.Path.GetDirectoryName(full)!;

        // Remove directories left empty (a partial tile's ".p" directory), never the root.
        for (string d = directory; d.Length > _root.Length && !Directory.EnumerateFileSystemEntries(d).Any(); d = System.IO.Path.GetDirectoryName(d)!)
        {
            Directory.Delete(d);
            directory = System.IO.Path.GetDirectoryName(d)!;
        }

        if (_flushToDisk)
        {
            Internal.DirectorySync.Flush(directory);
        }

        return true;
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> List(string directory)
    {
        string full = Resolve(directory, nameof(directory));
        if (!Directory.Exists(full))
        {
            return [];
        }

        var paths = new List<string>();
        foreach (string file in Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories))
        {
            string relative = System.IO.Path.GetRelativePath(_root, file).Replace(System.IO.Path.DirectorySeparatorChar, '/');
            if (IsValidPath(relative))
            {
                paths.Add(relative); // temporary files (a leading dot) are not resources
            }
        }

        paths.Sort(StringComparer.Ordinal);
        return paths;
    }

    /// <inheritdoc/>
    public override string ToString() => $"TileDirectoryStorage({_root})";

    /// <summary>Whether <paramref name="path"/> is a valid relative storage path.</summary>
    internal static bool IsValidPath(string? path)
    {
        if (string.IsNullOrEmpty(path) || path.Length > MaxPathLength)
        {
            return false;
        }

        foreach (string segment in path.Split('/'))
        {
            if (segment.Length == 0 || segment[0] == '.')
            {
                return false; // empty, ".", "..", hidden and temporary names
            }

            foreach (char c in segment)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-'))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static void TryDeleteFile(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: a leftover temporary file is ignored by List and never read.
        }
    }

    private string Resolve(string path, string paramName)
    {
        if (!IsValidPath(path))
        {
            throw new ArgumentException(
                "A storage path is relative, '/'-separated, at most 512 characters, of [A-Za-z0-9._-] segments that are not '.' or '..' and do not start with a dot.",
                paramName);
        }

        string full = System.IO.Path.GetFullPath(System.IO.Path.Combine(_root, path.Replace('/', System.IO.Path.DirectorySeparatorChar)));
        if (!full.StartsWith(_root + System.IO.Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException("The path resolves outside the storage root.", paramName);
        }

        return full;
    }
}
