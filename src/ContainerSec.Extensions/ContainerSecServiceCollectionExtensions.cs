using ContainerSec.KeyManagement;
using ContainerSec.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ContainerSec.Extensions;

/// <summary>Registers the key ring and storage encryption.</summary>
public static class ContainerSecServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="KeyRingOptions"/> (validated at start), a singleton <see cref="KeyRing"/>
    /// (loaded from a <see cref="FileKeyStore"/> when <see cref="KeyRingOptions.StorePath"/> is set),
    /// a singleton <see cref="StorageEncryptor"/> for <see cref="KeyRingOptions.KeyName"/>, and the
    /// <c>containersec-keyring</c> health check. Safe to call more than once: services are added
    /// only if missing; each call's <paramref name="configure"/> is applied in order.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    public static IServiceCollection AddContainerSecStorage(this IServiceCollection services, Action<KeyRingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        OptionsBuilder<KeyRingOptions> options = services.AddOptions<KeyRingOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        if (services.Any(d => d.ServiceType == typeof(KeyRingHolder)))
        {
            return services;
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KeyRingOptions>, KeyRingOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<KeyRingHolder>();
        services.TryAddSingleton(sp => sp.GetRequiredService<KeyRingHolder>().Ring);
        services.TryAddSingleton(sp => new StorageEncryptor(sp.GetRequiredService<KeyRing>(), sp.GetRequiredService<IOptions<KeyRingOptions>>().Value.KeyName));
        services.AddHealthChecks().AddCheck<KeyRingHealthCheck>("containersec-keyring", tags: ["containersec"]);
        return services;
    }
}

/// <summary>Owns the ring (and its store) for the container's lifetime; disposed with it.</summary>
internal sealed partial class KeyRingHolder : IDisposable
{
    private readonly Lazy<(KeyRing Ring, IKeyStore? Store)> _state;
    private readonly ILogger _logger;

    public KeyRingHolder(IOptions<KeyRingOptions> options, TimeProvider timeProvider, ILoggerFactory? loggerFactory = null)
    {
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("ContainerSec.KeyManagement");
        KeyRingOptions o = options.Value;
        _state = new Lazy<(KeyRing, IKeyStore?)>(() => Open(o, timeProvider), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public KeyRing Ring => _state.Value.Ring;

    public void Dispose()
    {
        if (_state.IsValueCreated)
        {
            _state.Value.Ring.Dispose();
            _state.Value.Store?.Dispose();
        }
    }

    private (KeyRing, IKeyStore?) Open(KeyRingOptions o, TimeProvider time)
    {
        FileKeyStore? store = null;
        KeyRing ring;
        if (o.StorePath is { } path)
        {
            string passphrase = Environment.GetEnvironmentVariable(o.PassphraseEnvironmentVariable)
                ?? throw new InvalidOperationException($"The key store passphrase variable {o.PassphraseEnvironmentVariable} is not set.");
            store = FileKeyStore.Open(path, passphrase);
            ring = store.Load(time);
        }
        else
        {
            ring = new KeyRing(time);
        }

        if (!ring.KeyNames.Contains(o.KeyName))
        {
            ring.CreateKey(o.KeyName, o.ToPolicy());
        }

        ring.Rotated += (_, v) =>
        {
            LogRotated(_logger, v.KeyName, v.Number, v.KeyId.ToString());
            store?.Save(ring);
        };
        ring.UsageWarning += (_, e) => LogUsageWarning(_logger, e.Version.KeyName, e.Version.Number, e.Limit, e.Reached);
        if (store is not null)
        {
            ring.EnableDurableCounters(store);
            store.Save(ring);
        }

        return (ring, store);
    }

    // Names, numbers and ids only: never material.
    [LoggerMessage(1, LogLevel.Information, "Key {KeyName} rotated to version {Version} (id {KeyId}).")]
    private static partial void LogRotated(ILogger logger, string keyName, int version, string keyId);

    [LoggerMessage(2, LogLevel.Warning, "Key {KeyName} version {Version} {Limit} limit: reached = {Reached}.")]
    private static partial void LogUsageWarning(ILogger logger, string keyName, int version, KeyUsageLimit limit, bool reached);
}

/// <summary>
/// Healthy while the active version has budget left; Degraded when it is past the warning
/// threshold of a limit or of its age; Unhealthy when the ring (or its store) cannot be opened.
/// </summary>
internal sealed class KeyRingHealthCheck(KeyRingHolder holder, IOptions<KeyRingOptions> options, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        KeyRingOptions o = options.Value;
        KeyVersion active;
        try
        {
            active = holder.Ring.GetActiveVersion(o.KeyName);
        }
        catch (Exception e) when (e is IOException or System.Security.Cryptography.CryptographicException or InvalidOperationException or UnauthorizedAccessException or KeyNotFoundException)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The key ring or its store cannot be read.", e));
        }

        var data = new Dictionary<string, object>
        {
            ["key"] = o.KeyName,
            ["version"] = active.Number,
            ["remainingOperations"] = active.RemainingOperations,
            ["remainingBytes"] = active.RemainingBytes,
        };
        double usedOps = (double)active.OperationCount / (active.OperationCount + active.RemainingOperations);
        double usedBytes = (double)active.ByteCount / (active.ByteCount + active.RemainingBytes);
        double usedAge = active.ActivatedAt is { } at ? (time.GetUtcNow() - at) / o.MaxAge : 0;
        return Task.FromResult(Math.Max(usedOps, Math.Max(usedBytes, usedAge)) >= o.WarningThreshold
            ? HealthCheckResult.Degraded("The active key version is near a usage or age limit.", data: data)
            : HealthCheckResult.Healthy(data: data));
    }
}
