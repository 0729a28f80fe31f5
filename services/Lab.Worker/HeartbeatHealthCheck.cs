using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Lab.Worker;

/// <summary>The last heartbeat's outcome, so that a worker cut off from the pool shows as unhealthy.</summary>
public sealed class HeartbeatStatus
{
    private volatile string? _lastError = "No heartbeat sent yet.";
    private DateTimeOffset _lastSuccess;

    public void Succeeded()
    {
        _lastSuccess = DateTimeOffset.UtcNow;
        _lastError = null;
    }

    public void Failed(string reason) => _lastError = reason;

    public (bool Ok, string Description) Read() =>
        _lastError is null ? (true, $"Last heartbeat accepted at {_lastSuccess:O}") : (false, _lastError);
}

public sealed class HeartbeatHealthCheck(HeartbeatStatus status) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var (ok, description) = status.Read();
        return Task.FromResult(ok ? HealthCheckResult.Healthy(description) : HealthCheckResult.Degraded(description));
    }
}
