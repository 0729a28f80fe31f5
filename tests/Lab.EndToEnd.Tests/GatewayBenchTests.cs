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
        // The rates are printed rounded to whole requests a second, the ratio from the unrounded ones: they agree to
        // within what that rounding moves the ratio (a lot on a slow, busy machine, where the rates are small).
        var direct = figures.GetProperty("direct_rps").GetDouble();
        var ratio = figures.GetProperty("gateway_rps").GetDouble() / direct;
        Assert.InRange(figures.GetProperty("gateway_over_direct").GetDouble() - ratio, -(0.001 + 1 / direct), 0.001 + 1 / direct);
        // Each figure is rounded to a thousandth of a millisecond on its own: the difference of two agrees with the
        // added latency to within two thousandths (comparing at one decimal place failed where 9.7495 met 9.75).
        Assert.InRange(figures.GetProperty("gateway_p99_ms").GetDouble() - figures.GetProperty("direct_p99_ms").GetDouble()
            - figures.GetProperty("added_p99_ms").GetDouble(), -0.002, 0.002);
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

/// <summary>The contract of <c>lab bench grains</c>: two silos of a lab of its own, three kinds of call, the last line JSON.</summary>
public sealed class GrainsBenchTests
{
    [Fact]
    public async Task The_grains_bench_measures_calls_in_a_silo_across_silos_and_through_the_api()
    {
        var result = await LabCommand.RunAsync(["bench", "grains", "--grains", "40", "--concurrency", "8", "--seconds", "1", "--json"],
            new Dictionary<string, string?>(), TimeSpan.FromMinutes(3));

        Assert.True(result.ExitCode == 0, result.ToString());
        var figures = JsonDocument.Parse(result.Stdout.Trim().Split('\n')[^1]).RootElement;
        foreach (var rate in new[] { "calls_per_s", "cross_silo_calls_per_s", "client_calls_per_s" })
        {
            Assert.True(figures.GetProperty(rate).GetDouble() > 0, $"{rate} in {figures}");
        }
        Assert.Equal(Math.Round(figures.GetProperty("cross_silo_calls_per_s").GetDouble() / figures.GetProperty("calls_per_s").GetDouble(), 3),
            figures.GetProperty("cross_over_local").GetDouble(), 2);
    }
}

/// <summary>The contract of <c>lab bench kb</c>: writes, rebuild and search in a lab of its own, the last line JSON.</summary>
public sealed class KnowledgeBenchTests
{
    [Fact]
    public async Task The_knowledge_bench_appends_rebuilds_and_searches_and_ends_with_its_figures_as_json()
    {
        var result = await LabCommand.RunAsync(["bench", "kb", "--entries", "600", "--seconds", "1", "--concurrency", "4", "--queries", "20", "--json"],
            new Dictionary<string, string?>(), TimeSpan.FromMinutes(4));

        Assert.True(result.ExitCode == 0, result.ToString());
        var figures = JsonDocument.Parse(result.Stdout.Trim().Split('\n')[^1]).RootElement;
        foreach (var figure in new[] { "appends_per_s", "append_cpu_ms_lab", "append_cpu_ms_postgres", "appends_per_s_without_index", "batch_events_per_s", "rebuild_events_per_s", "search_p50_ms", "search_p99_ms" })
        {
            Assert.True(figures.GetProperty(figure).GetDouble() > 0, $"{figure} in {figures}");
        }
        Assert.True(figures.GetProperty("entries").GetInt32() >= 600, figures.ToString());
        Assert.True(figures.GetProperty("search_p99_ms").GetDouble() >= figures.GetProperty("search_p50_ms").GetDouble());
    }

    [Fact]
    public async Task Too_few_entries_get_an_error_line_and_exit_code_2()
    {
        var result = await LabCommand.RunAsync(["bench", "kb", "--entries", "5", "--json"], new Dictionary<string, string?>());

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--entries", result.Stderr, StringComparison.Ordinal);
    }
}
