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
    private readonly Func<T> _factory;
    private T? _cached;
    private volatile bool _disposed;

    public ContextPool(Func<T> factory)
    {
        _factory = factory;
    }

    public T Rent() => Interlocked.Exchange(ref _cached, null) ?? _factory();

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
