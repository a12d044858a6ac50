namespace ContainerSec.Internal;

/// <summary>
/// Keeps one native context (an <c>AesGcm</c>, a keyed <c>IncrementalHash</c>) for reuse across
/// calls. Creating the native context is most of the cost of a small operation, and the contexts
/// are not thread-safe, so a call takes the cached one with a single atomic exchange and gives it
/// back afterwards. Concurrent callers that find the slot empty create a private context, and the
/// extra one is disposed when the slot is already full again. No locks, no per-call allocation on
/// the uncontended path.
/// </summary>
internal sealed class ContextPool<T> : IDisposable
    where T : class, IDisposable
{
    private readonly SecretBytes _key;
    private readonly Func<ReadOnlySpan<byte>, T> _factory;
    private T? _cached;
    private volatile bool _disposed;

    /// <param name="key">The key every context is made from.</param>
    /// <param name="factory">Makes a context from the key bytes; a static lambda, so nothing is captured.</param>
    public ContextPool(SecretBytes key, Func<ReadOnlySpan<byte>, T> factory)
    {
        _key = key;
        _factory = factory;
    }

    /// <summary>Takes a context made from the key.</summary>
    /// <exception cref="ObjectDisposedException">The key was disposed, before or during the call.</exception>
    public T Rent(object owner)
    {
        ObjectDisposedException.ThrowIf(_key.IsDisposed, owner);
        T context = Interlocked.Exchange(ref _cached, null) ?? _factory(_key.Span);

        // Dispose may have run since the check above: a context made now may hold a zeroed (or
        // half-zeroed) key, and using it would encrypt or MAC under a known key. The key is
        // marked disposed before it is zeroed, so checking again after creation is enough.
        if (_key.IsDisposed)
        {
            context.Dispose();
            throw new ObjectDisposedException(owner.GetType().FullName);
        }

        return context;
    }

    /// <summary>Gives a context back; it is disposed if the slot is taken or the pool is disposed.</summary>
    public void Return(T context)
    {
        if (Interlocked.CompareExchange(ref _cached, context, null) is not null)
        {
            context.Dispose();
        }
        else if (_disposed)
        {
            // Dispose ran while this context was out: make sure nothing stays cached.
            Interlocked.Exchange(ref _cached, null)?.Dispose();
        }
    }

    public void Dispose()
    {
        _disposed = true;
        Interlocked.Exchange(ref _cached, null)?.Dispose();
    }
}
