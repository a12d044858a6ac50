namespace ContainerSec.Audit;

/// <summary>The outcome of <see cref="TiledLogVerifier.Verify"/>.</summary>
/// <param name="IsValid">Whether the checkpoint verified and every tile, bundle and kept partial tile matches it.</param>
/// <param name="TreeSize">The checkpoint's tree size (0 when the checkpoint itself failed).</param>
/// <param name="FailedPath">The first resource that does not match (<c>checkpoint</c>, a tile or a bundle path), or <see langword="null"/>.</param>
/// <param name="FailedEntryIndex">The first log entry the failure concerns (the entry itself in a bundle, or the first entry under the bad tile hash), or <see langword="null"/>.</param>
/// <param name="Problem">What does not match, or <see langword="null"/>.</param>
/// <param name="MinimumIndex">The tlog-tiles minimum index: entries below it were pruned (their bundles are absent, their hashes verified).</param>
/// <param name="FilesChecked">The number of resources read and checked.</param>
/// <param name="UncoveredFiles">Resources the checkpoint does not cover (tiles beyond its size after an interrupted publication, unknown names): not checked, not an error.</param>
public sealed record TiledLogVerificationResult(
    bool IsValid,
    ulong TreeSize,
    string? FailedPath,
    ulong? FailedEntryIndex,
    string? Problem,
    ulong MinimumIndex,
    int FilesChecked,
    int UncoveredFiles);

/// <summary>
/// The offline verifier of a c2sp.org/tlog-tiles log: checks the signed checkpoint, recomputes
/// every leaf hash from the entry bundles and every tile level from the level below, checks the
/// root against the checkpoint, checks kept partial tiles against the full ones, and names the
/// first resource that does not match.
/// </summary>
/// <remarks>
/// <para>Order: the checkpoint; then level 0 (bundle and leaf tile, tile by tile); then each level
/// above; then the root; then the kept partial tiles and bundles. When an entry disagrees with its
/// leaf hash, the hash one level up decides which of the two is wrong: if the entries reproduce it
/// the tile is named, otherwise the bundle; the same rule names a tile or the tile below it at
/// higher levels, and the checkpoint root decides at the right edge of the tree. A tree whose tiles
/// all agree with each other but not with the checkpoint names <c>checkpoint</c>.</para>
/// <para>Pruning (tlog-tiles): by default every entry bundle must be present. The minimum index is
/// not signed, so deleting the oldest bundles is indistinguishable from retention; a caller whose
/// retention policy prunes opts in with <c>allowPruning: true</c>: full entry bundles missing from
/// the start of the log are then accepted as a pruned prefix, the result reports the minimum index
/// (check it against the retention you expect), and the leaf hashes of those entries are still
/// checked through the tiles above. A missing bundle after a present one, a missing partial bundle
/// or any missing hash tile is always an error.</para>
/// <para>Signatures on the checkpoint must be canonical base64 (<see cref="SignedNote"/> refuses any other spelling), so no bit of the checkpoint can change
/// without being found. Reads are bounded (8 KiB per tile, 16 MiB per bundle).</para>
/// </remarks>
public static class TiledLogVerifier
{
    private const int H = TileMath.H;
    private const int Width = TileMath.Width;

    /// <summary>Verifies the log in <paramref name="storage"/>.</summary>
    /// <param name="storage">The log's storage.</param>
    /// <param name="origin">The origin the checkpoint must carry.</param>
    /// <param name="verifiers">The trusted keys; at least one must have signed the checkpoint.</param>
    /// <param name="allowPruning">Whether full entry bundles missing from the start of the log are accepted as pruned (default <see langword="false"/>: any missing bundle is an error). The minimum index is not signed: opt in only when the log is pruned by policy, and check <see cref="TiledLogVerificationResult.MinimumIndex"/>.</param>
    /// <returns>The outcome; a bad log is a value, not an exception.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="IOException">The storage cannot be read.</exception>
    public static TiledLogVerificationResult Verify(ITileStorage storage, string origin, IEnumerable<NoteVerifier> verifiers, bool allowPruning = false)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(origin);
        ArgumentNullException.ThrowIfNull(verifiers);
        using var run = new Run(storage, origin, verifiers, allowPruning);
        return run.Execute();
    }

    private sealed class Run(ITileStorage storage, string origin, IEnumerable<NoteVerifier> verifiers, bool allowPruning) : IDisposable
    {
        private readonly MerkleHasher _hasher = new();
        private readonly HashSet<string> _checked = new(StringComparer.Ordinal);
        private readonly List<byte[]> _computed = []; // _computed[l] = every hash of level l ≥ 1, recomputed from below
        private ulong _size;
        private byte[] _root = [];
        private byte[] _edge0 = []; // recomputed hashes of the partial level-0 tile
        private ulong _minimumIndex;
        private StoredTileHashes _stored = null!;

        public void Dispose() => _hasher.Dispose();

        public TiledLogVerificationResult Execute()
        {
            return CheckCheckpoint() ?? CheckLevelZero() ?? CheckUpperLevels() ?? CheckRoot() ?? CheckKeptFiles()!;
        }

        private TiledLogVerificationResult Fail(string path, ulong? entry, string problem) =>
            new(false, _size, path, entry, problem, _minimumIndex, _checked.Count, 0);

        private TiledLogVerificationResult? CheckCheckpoint()
        {
            const string Path = TileCoordinate.CheckpointPath;
            byte[]? note = storage.Read(Path, TileMath.MaxCheckpointBytes);
            if (note is null)
            {
                return Fail(Path, null, "the checkpoint is missing");
            }

            _checked.Add(Path);
            NoteOpenStatus status = SignedNote.Open(note, verifiers, out SignedNote? signed);
            if (status != NoteOpenStatus.Verified)
            {
                return Fail(Path, null, $"the checkpoint does not open with the trusted keys: {status}");
            }

            if (!Checkpoint.TryParse(signed!.Text, origin, out Checkpoint? checkpoint))
            {
                return Fail(Path, null, $"the signed text is not a checkpoint of '{origin}'");
            }

            _size = checkpoint!.TreeSize;
            _root = checkpoint.RootHash;
            _stored = new StoredTileHashes(storage, _size) { CacheLeafTiles = false };
            return null;
        }

        private TiledLogVerificationResult? CheckLevelZero()
        {
            ulong fullTiles = _size / Width;
            int partial = TileMath.PartialWidth(_size, 0);
            byte[] parents = new byte[fullTiles * H];
            _computed.Add([]); // level 0 is streamed, not kept
            _computed.Add(parents);
            bool prunedPrefix = allowPruning;
            byte[] leaves = new byte[Width * H];
            for (ulong k = 0; k < fullTiles + (partial > 0 ? 1UL : 0); k++)
            {
                int width = k < fullTiles ? Width : partial;
                ulong first = k * Width;
                if (!TryTile(0, k, out byte[] stored, out string tilePath, out TiledLogVerificationResult? missing))
                {
                    return missing;
                }

                Span<byte> computed = leaves.AsSpan(0, width * H);
                TileCoordinate bundleAt = TileCoordinate.EntryBundle(k, width);
                string bundlePath = bundleAt.Path;
                byte[]? bundle = storage.Read(bundlePath, TileMath.MaxBundleBytes);
                bool fallback = false;
                if (bundle is null && bundleAt.IsPartial)
                {
                    bundlePath = bundleAt.Full.Path;
                    bundle = storage.Read(bundlePath, TileMath.MaxBundleBytes);
                    fallback = true;
                }

                if (bundle is null)
                {
                    if (!prunedPrefix || bundleAt.IsPartial)
                    {
                        return Fail(bundleAt.Path, first, "the entry bundle is missing" + (allowPruning ? " (not part of a pruned prefix)" : ""));
                    }

                    stored.CopyTo(computed); // pruned: the leaf hashes are checked from above only
                    _minimumIndex = first + Width;
                }
                else
                {
                    prunedPrefix = false;
                    _checked.Add(bundlePath);
                    int offset = 0;
                    for (int i = 0; i < width; i++)
                    {
                        if (!TileMath.TryNextEntry(bundle, ref offset, out ReadOnlySpan<byte> entry))
                        {
                            return Fail(bundlePath, first + (ulong)i, $"the bundle ends inside entry {first + (ulong)i} (or its length prefix)");
                        }

                        _hasher.HashLeaf(entry, computed.Slice(i * H, H));
                    }

                    if (!fallback && offset != bundle.Length)
                    {
                        return Fail(bundlePath, first + (ulong)width, $"the bundle has {bundle.Length - offset} bytes after its {width} entries");
                    }
                }

                int bad = FirstDifference(computed, stored);
                if (width == Width)
                {
                    TileMath.RootOfRun(_hasher, computed, parents.AsSpan((int)k * H, H));
                }
                else
                {
                    _edge0 = computed.ToArray();
                }

                if (bad >= 0)
                {
                    ulong entryIndex = first + (ulong)bad;
                    TiledLogVerificationResult? parentMissing = null;
                    bool tileIsWrong = width == Width ? ParentConfirms(1, k, parents.AsSpan((int)k * H, H), out parentMissing) : RecomputedRootMatches();
                    if (parentMissing is not null)
                    {
                        return parentMissing;
                    }

                    return tileIsWrong
                        ? Fail(tilePath, entryIndex, $"leaf hash {bad} of the tile differs from the hash of entry {entryIndex}, whose entries the level above confirms")
                        : Fail(bundlePath, entryIndex, $"entry {entryIndex} does not hash to leaf hash {bad} of {tilePath}, which the level above confirms");
                }
            }

            return null;
        }

        private TiledLogVerificationResult? CheckUpperLevels()
        {
            int top = TileMath.TopLevel(_size);
            BuildUpperLevels();
            for (int level = 1; level <= top; level++)
            {
                byte[] here = _computed[level];
                ulong count = TileMath.HashesAt(_size, level);
                for (ulong k = 0; k * Width < count; k++)
                {
                    int width = (int)Math.Min(Width, count - (k * Width));
                    if (!TryTile(level, k, out byte[] stored, out string tilePath, out TiledLogVerificationResult? missing))
                    {
                        return missing;
                    }

                    int bad = FirstDifference(here.AsSpan((int)k * Width * H, width * H), stored);
                    if (bad < 0)
                    {
                        continue;
                    }

                    ulong position = (k * Width) + (ulong)bad;
                    ulong entryIndex = position << (8 * level);
                    bool tileIsWrong;
                    if (width == Width)
                    {
                        tileIsWrong = ParentConfirms(level + 1, k, _computed[level + 1].AsSpan((int)k * H, H), out TiledLogVerificationResult? parentMissing);
                        if (parentMissing is not null)
                        {
                            return parentMissing;
                        }
                    }
                    else
                    {
                        tileIsWrong = RecomputedRootMatches();
                    }

                    string below = TileCoordinate.HashTile(level - 1, position).Path;
                    return tileIsWrong
                        ? Fail(tilePath, entryIndex, $"hash {bad} of the tile differs from the root of {below}, which the level above confirms")
                        : Fail(below, entryIndex, $"the tile's hashes do not hash to hash {bad} of {tilePath}, which the level above confirms");
                }
            }

            return null;
        }

        private TiledLogVerificationResult? CheckRoot() =>
            RecomputedRootMatches()
                ? null
                : Fail(TileCoordinate.CheckpointPath, null, "the tiles and entries agree with each other, but their root is not the checkpoint's root");

        /// <summary>Kept partial tiles and bundles must be prefixes of the (verified) current ones; anything else is counted, not checked.</summary>
        private TiledLogVerificationResult? CheckKeptFiles()
        {
            int uncovered = 0;
            foreach (string path in storage.List("tile"))
            {
                if (_checked.Contains(path))
                {
                    continue;
                }

                if (!TileCoordinate.TryParse(path, out TileCoordinate at)
                    || (at.Index * Width) + (ulong)at.Width > TileMath.HashesAt(_size, at.Level))
                {
                    uncovered++; // beyond the checkpoint, or not a tile name
                    continue;
                }

                if (!at.IsPartial)
                {
                    // A full tile or bundle not read above: only a full bundle in a pruned prefix... which would have been read.
                    uncovered++;
                    continue;
                }

                TiledLogVerificationResult? problem = at.IsEntryBundle ? CheckKeptBundle(at) : CheckKeptTile(at);
                if (problem is not null)
                {
                    return problem;
                }
            }

            return new TiledLogVerificationResult(true, _size, null, null, null, _minimumIndex, _checked.Count, uncovered);
        }

        private TiledLogVerificationResult? CheckKeptTile(TileCoordinate at)
        {
            byte[]? kept = storage.Read(at.Path, TileMath.FullTileBytes);
            _checked.Add(at.Path);
            ReadOnlySpan<byte> truth = at.Level == 0
                ? _stored.Tile(0, at.Index) // verified against the entries and the level above
                : _computed[at.Level].AsSpan((int)at.Index * Width * H, at.Width * H);
            if (kept is null || kept.Length != at.Width * H)
            {
                return Fail(at.Path, at.Index * Width << (8 * at.Level), "the kept partial tile has the wrong length");
            }

            int bad = FirstDifference(truth[..(at.Width * H)], kept);
            return bad < 0 ? null : Fail(at.Path, ((at.Index * Width) + (ulong)bad) << (8 * at.Level), $"hash {bad} of the kept partial tile differs from the current tile");
        }

        private TiledLogVerificationResult? CheckKeptBundle(TileCoordinate at)
        {
            byte[]? kept = storage.Read(at.Path, TileMath.MaxBundleBytes);
            _checked.Add(at.Path);
            ReadOnlySpan<byte> leaves = _stored.Tile(0, at.Index);
            Span<byte> leaf = stackalloc byte[H];
            int offset = 0;
            for (int i = 0; i < at.Width; i++)
            {
                ulong entryIndex = (at.Index * Width) + (ulong)i;
                if (kept is null || !TileMath.TryNextEntry(kept, ref offset, out ReadOnlySpan<byte> entry))
                {
                    return Fail(at.Path, entryIndex, "the kept partial bundle ends inside an entry");
                }

                _hasher.HashLeaf(entry, leaf);
                if (!leaf.SequenceEqual(leaves.Slice(i * H, H)))
                {
                    return Fail(at.Path, entryIndex, $"entry {entryIndex} of the kept partial bundle does not match its leaf hash");
                }
            }

            return offset == kept!.Length ? null : Fail(at.Path, (at.Index * Width) + (ulong)at.Width, "the kept partial bundle has trailing bytes");
        }

        private bool TryTile(int level, ulong tileIndex, out byte[] tile, out string path, out TiledLogVerificationResult? problem)
        {
            problem = null;
            try
            {
                tile = _stored.Tile(level, tileIndex, out path);
                _checked.Add(path);
                return true;
            }
            catch (InvalidDataException ex)
            {
                int width = (int)Math.Min(Width, TileMath.HashesAt(_size, level) - (tileIndex * Width));
                path = TileCoordinate.HashTile(level, tileIndex, width).Path;
                problem = Fail(path, tileIndex * Width << (8 * level), ex.Message);
                tile = [];
                return false;
            }
        }

        /// <summary>Whether the stored hash above (level, position) equals the recomputed one, i.e. the recomputed tile is the true one.</summary>
        private bool ParentConfirms(int level, ulong position, ReadOnlySpan<byte> recomputed, out TiledLogVerificationResult? problem)
        {
            if (!TryTile(level, position / Width, out byte[] tile, out _, out problem))
            {
                return false;
            }

            return tile.AsSpan((int)(position % Width) * H, H).SequenceEqual(recomputed);
        }

        /// <summary>Recomputes every level above 1 from the level below (full tiles only), up to the top.</summary>
        private void BuildUpperLevels()
        {
            for (int level = _computed.Count - 1; level < TileMath.TopLevel(_size); level++)
            {
                byte[] here = _computed[level];
                ulong nextCount = TileMath.HashesAt(_size, level + 1);
                byte[] next = new byte[nextCount * H];
                for (ulong j = 0; j < nextCount; j++)
                {
                    TileMath.RootOfRun(_hasher, here.AsSpan((int)j * Width * H, Width * H), next.AsSpan((int)j * H, H));
                }

                _computed.Add(next);
            }
        }

        private bool RecomputedRootMatches()
        {
            BuildUpperLevels();
            ulong fullLeaves = _size / Width * Width;
            return TileMath.TreeRoot(_hasher, (level, index, destination) =>
            {
                ReadOnlySpan<byte> source = level == 0 ? _edge0.AsSpan((int)(index - fullLeaves) * H, H) : _computed[level].AsSpan((int)index * H, H);
                source.CopyTo(destination);
            }, _size).AsSpan().SequenceEqual(_root);
        }

        private static int FirstDifference(ReadOnlySpan<byte> computed, ReadOnlySpan<byte> stored)
        {
            for (int i = 0; i * H < computed.Length; i++)
            {
                if (!computed.Slice(i * H, H).SequenceEqual(stored.Slice(i * H, H)))
                {
                    return i;
                }
            }

            return -1;
        }
    }
}
