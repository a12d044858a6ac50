namespace ContainerSec.Audit;

/// <summary>
/// Where a tiled log keeps its static resources (<c>checkpoint</c>, <c>tile/…</c>): a local
/// directory (<see cref="TileDirectoryStorage"/>), an object store or anything an HTTP server or
/// CDN can serve. Paths are relative, <c>/</c>-separated and made of <c>[A-Za-z0-9._-]</c>
/// segments that neither are <c>.</c> or <c>..</c> nor start with a dot.
/// </summary>
/// <remarks>
/// Implementations must make <see cref="Write"/> atomic (a reader sees the old contents or the new,
/// never a mix) and durable before it returns, and must refuse paths outside the storage root.
/// Contents read from storage are untrusted: the log code checks every byte against hashes and the
/// signed checkpoint.
/// </remarks>
public interface ITileStorage
{
    /// <summary>Reads a whole resource.</summary>
    /// <param name="path">The resource path.</param>
    /// <param name="maxBytes">The largest resource accepted.</param>
    /// <returns>The contents, or <see langword="null"/> when the resource does not exist.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is not a valid storage path.</exception>
    /// <exception cref="InvalidDataException">The resource is longer than <paramref name="maxBytes"/>.</exception>
    /// <exception cref="IOException">Reading failed.</exception>
    byte[]? Read(string path, int maxBytes);

    /// <summary>Creates or replaces a resource atomically and durably.</summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is not a valid storage path.</exception>
    /// <exception cref="IOException">Writing failed; the old contents (or absence) remain.</exception>
    void Write(string path, ReadOnlySpan<byte> contents);

    /// <summary>Deletes a resource.</summary>
    /// <returns>Whether the resource existed.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is not a valid storage path.</exception>
    /// <exception cref="IOException">Deleting failed.</exception>
    bool Delete(string path);

    /// <summary>Lists every resource under a directory prefix, recursively, in ordinal order.</summary>
    /// <param name="directory">A directory path such as <c>tile</c> or <c>tile/0/123.p</c>.</param>
    /// <returns>The full paths of the resources (empty when the directory does not exist).</returns>
    /// <exception cref="ArgumentException"><paramref name="directory"/> is not a valid storage path.</exception>
    /// <exception cref="IOException">Listing failed.</exception>
    IReadOnlyList<string> List(string directory);
}
