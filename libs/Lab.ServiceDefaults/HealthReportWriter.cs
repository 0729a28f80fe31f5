using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Lab.ServiceDefaults;

/// <summary>Writes a health report as JSON so that a person (or the gateway) can see which part is unwell and why.</summary>
public static class HealthReportWriter
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Only whether all is well (<c>{"status":"Healthy"}</c>): what anyone may know, without names, addresses or timings.</summary>
    public static Task WriteStatusAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new HealthStatusDto(report.Status.ToString()), Json));
    }

    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = new HealthReportDto(
            report.Status.ToString(),
            report.TotalDuration.TotalMilliseconds,
            report.Entries.ToDictionary(
                entry => entry.Key,
                entry => new HealthEntryDto(
                    entry.Value.Status.ToString(),
                    entry.Value.Description ?? entry.Value.Exception?.Message,
                    entry.Value.Duration.TotalMilliseconds,
                    entry.Value.Data.Count == 0 ? null : entry.Value.Data.ToDictionary(d => d.Key, d => d.Value))));
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, Json));
    }

    public sealed record HealthStatusDto(string Status);

    public sealed record HealthReportDto(string Status, double DurationMs, IReadOnlyDictionary<string, HealthEntryDto> Entries);

    public sealed record HealthEntryDto(string Status, string? Description, double DurationMs, IReadOnlyDictionary<string, object>? Data);
}
