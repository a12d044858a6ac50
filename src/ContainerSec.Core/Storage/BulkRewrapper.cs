namespace ContainerSec.Storage;

/// <summary>One stored record for <see cref="BulkRewrapper"/>: an id the caller can resume from, the sealed bytes and their context.</summary>
/// <param name="Id">The caller's identifier (a path, a row key); ids must be unique and come in a stable order.</param>
/// <param name="SealedRecord">The sealed record.</param>
/// <param name="Context">The context it was sealed under.</param>
public sealed record StoredRecord(string Id, ReadOnlyMemory<byte> SealedRecord, ReadOnlyMemory<byte> Context);

/// <summary>Where a bulk rewrap stands.</summary>
/// <param name="Processed">Records looked at in this run (not counting those skipped to resume).</param>
/// <param name="Rewrapped">Records re-sealed under the active version and written back.</param>
/// <param name="AlreadyCurrent">Records already under the active version, left alone.</param>
/// <param name="LastCompletedId">The id of the last record fully handled: pass it as <c>resumeAfter</c> to continue after a stop.</param>
public readonly record struct RewrapProgress(long Processed, long Rewrapped, long AlreadyCurrent, string? LastCompletedId);

/// <summary>
/// Migrates stored records to a key's active version without exposing plaintext: each record is
/// rewrapped by <see cref="StorageEncryptor.Rewrap(ReadOnlySpan{byte}, ReadOnlySpan{byte})"/> and
/// handed to the caller's writer. Resumable two ways: records already under the active version are
/// skipped (a rerun only does what is left), and <c>resumeAfter</c> skips everything up to the
/// last checkpoint reported through <see cref="IProgress{T}"/>.
/// </summary>
public sealed class BulkRewrapper
{
    private readonly StorageEncryptor _encryptor;

    /// <summary>Creates a rewrapper that seals with <paramref name="encryptor"/>'s key.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="encryptor"/> is <see langword="null"/>.</exception>
    public BulkRewrapper(StorageEncryptor encryptor)
    {
        ArgumentNullException.ThrowIfNull(encryptor);
        _encryptor = encryptor;
    }

    /// <summary>How many records between two progress reports (default 100).</summary>
    public int ReportEvery { get; init; } = 100;

    /// <summary>Rewraps every record that is not under the active version.</summary>
    /// <param name="records">The records, in a stable order.</param>
    /// <param name="write">Stores a rewrapped record under its id (replace the old one atomically on your side).</param>
    /// <param name="progress">Receives a report every <see cref="ReportEvery"/> records and at the end.</param>
    /// <param name="resumeAfter">The <see cref="RewrapProgress.LastCompletedId"/> of an earlier run: records up to and including it are skipped.</param>
    /// <param name="cancellationToken">Stops between two records; the last report says where.</param>
    /// <returns>The final progress.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="records"/> or <paramref name="write"/> is <see langword="null"/>.</exception>
    /// <exception cref="System.Security.Cryptography.CryptographicException">A record cannot be opened (see <see cref="StorageEncryptor.Open(ReadOnlySpan{byte}, ReadOnlySpan{byte})"/>); progress up to the previous record was reported.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; progress up to the previous record was reported.</exception>
    public RewrapProgress RewrapAll(IEnumerable<StoredRecord> records, Action<string, byte[]> write, IProgress<RewrapProgress>? progress = null, string? resumeAfter = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(write);
        bool skipping = resumeAfter is not null;
        var state = new RewrapProgress(0, 0, 0, resumeAfter);
        try
        {
            foreach (StoredRecord record in records)
            {
                if (skipping)
                {
                    skipping = !string.Equals(record.Id, resumeAfter, StringComparison.Ordinal);
                    continue;
                }

                cancellationToken.ThrowIfCancellationRequested();
                if (_encryptor.NeedsRewrap(record.SealedRecord.Span))
                {
                    write(record.Id, _encryptor.Rewrap(record.SealedRecord.Span, record.Context.Span));
                    state = state with { Processed = state.Processed + 1, Rewrapped = state.Rewrapped + 1, LastCompletedId = record.Id };
                }
                else
                {
                    state = state with { Processed = state.Processed + 1, AlreadyCurrent = state.AlreadyCurrent + 1, LastCompletedId = record.Id };
                }

                if (state.Processed % Math.Max(1, ReportEvery) == 0)
                {
                    progress?.Report(state);
                }
            }
        }
        catch
        {
            progress?.Report(state);
            throw;
        }

        progress?.Report(state);
        return state;
    }
}
