using ContainerSec.Extensions;
using ContainerSec.KeyManagement;
using ContainerSec.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ContainerSec.Tests.Extensions;

public sealed class ContainerSecServiceCollectionTests
{
    [Fact]
    public void AddContainerSecStorage_CalledTwice_OneRingOneEncryptorBothConfiguresApplied()
    {
        ServiceCollection services = Services();
        services.AddContainerSecStorage(o => o.KeyName = "first");
        services.AddContainerSecStorage(o => o.MaxOperations = 1000);

        Assert.Single(services, d => d.ServiceType == typeof(KeyRing));
        Assert.Single(services, d => d.ServiceType == typeof(StorageEncryptor));
        using ServiceProvider provider = services.BuildServiceProvider();
        var storage = provider.GetRequiredService<StorageEncryptor>();
        Assert.Equal("first", storage.KeyName);
        Assert.Equal(1000, provider.GetRequiredService<KeyRing>().GetActiveVersion("first").RemainingOperations);
        Assert.Equal("x"u8.ToArray(), storage.Open(storage.Seal("x"u8, "c"u8), "c"u8));
    }

    [Fact]
    public void ValidateOnStart_OperationsAboveAesGcmBound_Fails()
    {
        ServiceCollection services = Services();
        services.AddContainerSecStorage(o => o.MaxOperations = (1L << 32) + 1);
        using ServiceProvider provider = services.BuildServiceProvider();

        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("2^32", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateOnStart_EmptyKeyName_Fails()
    {
        ServiceCollection services = Services();
        services.AddContainerSecStorage(o => o.KeyName = " ");
        using ServiceProvider provider = services.BuildServiceProvider();
        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
    }

    [Fact]
    public async Task HealthCheck_NearOperationLimit_DegradedThenHealthyAfterRotation()
    {
        ServiceCollection services = Services();
        services.AddContainerSecStorage(o => { o.KeyName = "h"; o.MaxOperations = 4; o.WarningThreshold = 0.5; });
        await using ServiceProvider provider = services.BuildServiceProvider();
        var health = provider.GetRequiredService<HealthCheckService>();
        var storage = provider.GetRequiredService<StorageEncryptor>();

        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync()).Status);
        storage.Seal("x"u8, "c"u8);
        storage.Seal("x"u8, "c"u8);
        Assert.Equal(HealthStatus.Degraded, (await health.CheckHealthAsync()).Status);
        provider.GetRequiredService<KeyRing>().Rotate("h");
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync()).Status);
    }

    [Fact]
    public async Task HealthCheck_StoreCannotBeOpened_Unhealthy()
    {
        ServiceCollection services = Services();
        services.AddContainerSecStorage(o =>
        {
            o.StorePath = Path.Combine(Path.GetTempPath(), $"containersec-{Guid.NewGuid():N}.store");
            o.PassphraseEnvironmentVariable = "CONTAINERSEC_TEST_VARIABLE_THAT_IS_NOT_SET";
        });
        await using ServiceProvider provider = services.BuildServiceProvider();

        HealthReport report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Unhealthy, report.Status);
    }

    [Fact]
    public void FileStore_ThroughDi_SavedOnStartAndOnRotation()
    {
        string dir = Directory.CreateTempSubdirectory("containersec-di-").FullName;
        string path = Path.Combine(dir, "keys.store");
        const string Variable = "CONTAINERSEC_TEST_DI_PASSPHRASE";
        Environment.SetEnvironmentVariable(Variable, "correct horse battery staple");
        try
        {
            ServiceCollection services = Services();
            services.AddContainerSecStorage(o => { o.KeyName = "f"; o.StorePath = path; o.PassphraseEnvironmentVariable = Variable; });
            using (ServiceProvider provider = services.BuildServiceProvider())
            {
                provider.GetRequiredService<KeyRing>().Rotate("f");
            }

            using var store = FileKeyStore.Open(path, "correct horse battery staple");
            using KeyRing loaded = store.Load();
            Assert.Equal(3, loaded.GetVersions("f").Count); // v1 created, v2 rotated, v3 from the load itself
        }
        finally
        {
            Environment.SetEnvironmentVariable(Variable, null);
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>A container with the null logger a host would otherwise provide (the health check service needs one).</summary>
    private static ServiceCollection Services()
    {
        var services = new ServiceCollection();
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        return services;
    }
}
