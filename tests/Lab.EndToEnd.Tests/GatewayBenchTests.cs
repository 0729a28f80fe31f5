using System.Text.Json;
using Lab.Testing;

namespace Lab.EndToEnd.Tests;

/// <summary>The contract of <c>lab bench gateway</c>: a lab of its own, both paths measured in one run, the last line JSON.</summary>
public sealed class GatewayBenchTests
{
    [Fact]
    public async Task The_gateway_bench_measures_both_paths_and_ends_with_its_figures_as_json()
    {
        var result = await LabCommand.RunAsync(["bench", "gateway", "--connections", "4", "--seconds", "1", "--rounds", "1", "--json"],
            new Dictionary<string, string?>(), TimeSpan.FromMinutes(3));

        Assert.True(result.ExitCode == 0, result.ToString());
        var figures = JsonDocument.Parse(result.Stdout.Trim().Split('\n')[^1]).RootElement;
        foreach (var rate in new[] { "direct_rps", "gateway_rps", "stream_direct_rps", "stream_gateway_rps" })
        {
            Assert.True(figures.GetProperty(rate).GetDouble() > 0, $"{rate} in {figures}");
        }
        var ratio = figures.GetProperty("gateway_rps").GetDouble() / figures.GetProperty("direct_rps").GetDouble();
        Assert.Equal(Math.Round(ratio, 3), figures.GetProperty("gateway_over_direct").GetDouble(), 2);
        Assert.Equal(figures.GetProperty("gateway_p99_ms").GetDouble() - figures.GetProperty("direct_p99_ms").GetDouble(),
            figures.GetProperty("added_p99_ms").GetDouble(), 1);
        Assert.Equal(0, figures.GetProperty("errors").GetInt64());
        Assert.Equal(4, figures.GetProperty("connections").GetInt32());
    }

    [Fact]
    public async Task Bad_options_get_an_error_line_and_exit_code_2()
    {
        var result = await LabCommand.RunAsync(["bench", "gateway", "--connections", "0", "--json"], new Dictionary<string, string?>());

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--connections", result.Stderr, StringComparison.Ordinal);
    }
}
