using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Lab.Grains;

public static class GrainsRegistration
{
    /// <summary>What the grains need from the host besides Orleans and Marten.</summary>
    public static IServiceCollection AddLabGrains(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<Pool.PoolOptions>().BindConfiguration(Pool.PoolOptions.Section);
        services.TryAddSingleton<Pool.HeartbeatRouter>();
        services.AddOptions<Contracts.LabBounds>().BindConfiguration(Contracts.LabBounds.Section)
            .Validate(bounds => bounds.Validate().Count == 0, $"Every bound under {Contracts.LabBounds.Section} must be positive.")
            .ValidateOnStart();
        return services;
    }
}
