using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lab.Testing;
using Microsoft.Playwright;

namespace Lab.EndToEnd.Tests;

/// <summary>
/// A run's page while it trains and when it ends, and the comparison of runs, in a real headless Chromium through the
/// gateway, with runs trained by lab up's worker. A failed check leaves a screenshot (<see cref="PortalScreenshots"/>).
/// </summary>
[Collection(RunningLabCollection.Name)]
public sealed class PortalMetricsTests(RunningLabFixture lab) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);

    private PortalBrowser? _portal;

    public async Task InitializeAsync() => _portal = await PortalBrowser.StartAsync();

    [Fact]
    public async Task A_run_page_updates_every_figure_charts_and_moe_telemetry_by_itself_and_ends_with_the_true_final_figures()
    {
        var idea = await IdeaAsync("Live run page");
        var page = await _portal!.LoggedInPageAsync(lab.Lab.Url, lab.Token);
        // Submitted now, so the page sees it wait, start, train and finish.
        var run = await SubmitAsync(idea, steps: 300, seed: 11);
        await PortalScreenshots.OnFailureAsync(page, "run-page-live", async () =>
        {
            await page.GotoAsync($"{lab.Lab.Url}/runs/{run}");
            await page.WaitForSelectorAsync("#chart-loss[data-ready=true]");
            await page.EvaluateAsync("() => { window.sameDocument = true; }");

            // While it trains: its step, loss, tokens/s and validation loss change in the page, and the charts grow.
            await WaitAsync(page, "Number(document.getElementById('run-step').textContent) >= 20 && document.getElementById('run-loss').textContent !== '–'");
            Assert.Matches(@"^\d+\.\d{3}$", await page.InnerTextAsync("#run-loss"));
            Assert.Matches(@"^\d+$", await page.InnerTextAsync("#run-tokens-per-s"));
            Assert.Matches(@"^\d+\.\d{3}$", await page.InnerTextAsync("#run-val-loss"));
            foreach (var chart in new[] { "chart-loss", "chart-lr", "chart-grad-norm", "chart-throughput", "chart-expert-load" })
            {
                await WaitAsync(page, $"Number(document.getElementById('{chart}').dataset.points) >= 2");
                Assert.NotNull(await page.QuerySelectorAsync($"#{chart} .chart-plot canvas"));
            }
            Assert.True(Number(await page.GetAttributeAsync("#chart-loss", "data-val-points")) >= 1, "the validation loss is drawn");
            // Max/mean over all layers, and one line for each of the tiny model's two MoE layers.
            Assert.Equal("3", await page.GetAttributeAsync("#chart-expert-load", "data-series"));
            // Hover values: the chart's legend shows the figures under the cursor.
            var plot = await page.QuerySelectorAsync("#chart-loss .u-over");
            await plot!.HoverAsync();
            Assert.Matches(@"\d", await page.InnerTextAsync("#chart-loss .u-legend"));
            // Log scale and smoothing redraw the same points.
            await page.CheckAsync("#chart-loss input.log-scale");
            await page.EvalOnSelectorAsync("#chart-loss input.smoothing", "e => { e.value = '0.6'; e.dispatchEvent(new Event('input')); }");
            Assert.Equal("0.60", await page.InnerTextAsync("#chart-loss output.smoothing-value"));
            Assert.True(Number(await page.GetAttributeAsync("#chart-loss", "data-points")) >= 2, "the chart redrawn on a log scale, smoothed");

            // Each MoE layer's expert load as a heatmap over the steps, and each domain's experts.
            await WaitAsync(page, "Number(document.getElementById('expert-heatmaps').dataset.columns) >= 2");
            Assert.Equal("2", await page.GetAttributeAsync("#expert-heatmaps", "data-layers"));
            Assert.Equal(2, (await page.QuerySelectorAllAsync("#expert-heatmaps figure.heatmap canvas")).Count);
            Assert.Equal("8", await page.GetAttributeAsync("#expert-heatmaps figure.heatmap[data-layer='1']", "data-experts"));
            await WaitAsync(page, "document.querySelectorAll('#affinity-matrix tbody tr').length >= 2");
            Assert.Equal(9, (await page.QuerySelectorAllAsync("#affinity-matrix thead th")).Count); // the domain, then 8 experts

            // Each device of the run at its latest line (lab up's worker offers the CPU as one device), and its rate over the steps.
            await WaitAsync(page, "document.querySelectorAll('#device-figures tbody tr').length >= 1");
            Assert.Equal("1", await page.GetAttributeAsync("#run-devices", "data-devices"));
            Assert.Equal("cpu:0", await page.InnerTextAsync("#device-figures tbody tr[data-device='cpu:0'] th"));
            var cells = await page.QuerySelectorAllAsync("#device-figures tbody tr td");
            Assert.Matches(@"^\d+$", await cells[0].InnerTextAsync());
            Assert.Matches(@"^\d+(\.\d)? (MiB|GiB)$", await cells[1].InnerTextAsync());
            Assert.True(await page.IsHiddenAsync("#run-devices .devices-empty"));
            await WaitAsync(page, "Number(document.getElementById('chart-device-throughput').dataset.points) >= 2");
            Assert.Equal("1", await page.GetAttributeAsync("#chart-device-throughput", "data-series"));
            var devices = await lab.Http.GetStringAsync($"/api/v1/runs/{run}/metrics?follow=false");
            Assert.Contains("\"perDevice\":[{\"id\":\"cpu:0\",\"tokensPerS\":", devices, StringComparison.Ordinal);

            // At its end: the true final figures, where it ran, its checkpoints summed up, its files; the page never reloaded.
            await page.WaitForSelectorAsync("#run-status:text-is('finished')", new PageWaitForSelectorOptions { Timeout = (float)Patience.TotalMilliseconds });
            await page.WaitForSelectorAsync("#outcome");
            var finished = await lab.Http.GetFromJsonAsync<JsonElement>($"/api/v1/runs/{run}");
            var outcome = finished.GetProperty("outcome");
            Assert.Equal(outcome.GetProperty("valLoss").GetDouble().ToString("0.000", CultureInfo.InvariantCulture), await page.InnerTextAsync("#final-val-loss"));
            Assert.Equal(outcome.GetProperty("loss").GetDouble().ToString("0.000", CultureInfo.InvariantCulture), await page.InnerTextAsync("#run-loss"));
            Assert.Equal("300", await page.InnerTextAsync("#run-step"));
            Assert.StartsWith("ran on ", await page.InnerTextAsync("#run-node"), StringComparison.Ordinal);
            var checkpoints = finished.GetProperty("checkpoints").GetInt32();
            Assert.True(checkpoints >= 6, finished.ToString());
            Assert.Equal($"{checkpoints} checkpoints, the last at step 300", await page.InnerTextAsync("#run-checkpoints"));
            Assert.Empty(await page.QuerySelectorAllAsync("#history li[data-event='checkpointed']"));
            Assert.NotNull(await page.QuerySelectorAsync("#history li[data-event='finished']"));
            Assert.Equal("over", await page.GetAttributeAsync("#run-live", "data-feed"));
            Assert.True(await page.EvaluateAsync<bool>("() => window.sameDocument === true"), "every figure changed in the page as it was");

            // Its checkpoint and training log through the portal's links, as the member.
            var checkpoint = await page.Context.APIRequest.GetAsync(lab.Lab.Url + await page.GetAttributeAsync("#download-checkpoint", "href"));
            Assert.Equal(200, checkpoint.Status);
            Assert.Contains($"run-{run}-step-300.ckpt", checkpoint.Headers["content-disposition"], StringComparison.Ordinal);
            Assert.True((await checkpoint.BodyAsync()).Length > 10_000);
            var log = await page.Context.APIRequest.GetAsync(lab.Lab.Url + await page.GetAttributeAsync("#download-log", "href"));
            Assert.Equal(200, log.Status);
            var text = await log.TextAsync();
            Assert.Contains("\"event\":\"finished\"", text, StringComparison.Ordinal);
            Assert.Equal(30, text.Split('\n').Count(l => l.StartsWith("{\"event\":\"progress\"", StringComparison.Ordinal)));
            Assert.DoesNotContain(lab.DataFolder, text, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Runs_of_several_ideas_are_compared_with_overlaid_curves_and_their_configurations_differences_marked()
    {
        var first = await IdeaAsync("Compared A");
        var second = await IdeaAsync("Compared B");
        var a = await SubmitAsync(first, steps: 60, seed: 1);
        var b = await SubmitAsync(first, steps: 60, seed: 2, learningRate: 0.001);
        var c = await SubmitAsync(second, steps: 60, seed: 3);
        foreach (var run in new[] { a, b, c })
        {
            await Polling.UntilAsync(lab.Http, $"/api/v1/runs/{run}", r => r.GetProperty("status").GetString() == "Finished", $"run {run} finished", Patience);
        }
        var page = await _portal!.LoggedInPageAsync(lab.Lab.Url, lab.Token);
        await PortalScreenshots.OnFailureAsync(page, "compare", async () =>
        {
            // From a run's page to its idea's other runs.
            await page.GotoAsync($"{lab.Lab.Url}/runs/{a}");
            await page.ClickAsync("#compare-link");
            await page.WaitForSelectorAsync("#compare-runs-table");
            Assert.Equal(new[] { a, b }.Select(r => r.ToString()).Order(), (await HeadersAsync(page)).Order());

            // Across ideas, by the address.
            await page.GotoAsync($"{lab.Lab.Url}/compare?runs={a},{b},{c}");
            Assert.Equal([a.ToString(), b.ToString(), c.ToString()], await HeadersAsync(page));
            await WaitAsync(page, "Number(document.getElementById('compare-loss').dataset.points) >= 2");
            Assert.Equal("6", await page.GetAttributeAsync("#compare-loss", "data-series")); // train and validation loss of each
            Assert.Equal("3", await page.GetAttributeAsync("#compare-lr", "data-series"));
            Assert.Contains("training.seed", await page.InnerTextAsync("#config-table tr.differs[data-field='training.seed']"), StringComparison.Ordinal);
            Assert.NotNull(await page.QuerySelectorAsync("#config-table tr.differs[data-field='training.learning_rate']"));
            Assert.Null(await page.QuerySelectorAsync("#config-table tr.differs[data-field='model.model_dim']"));
            Assert.NotNull(await page.QuerySelectorAsync("#config-table tr[data-field='model.model_dim']"));
            Assert.Equal("2", await page.InnerTextAsync("#differences-count"));

            await page.ClickAsync("#show-differences");
            await page.WaitForSelectorAsync("#show-all-fields");
            var fields = await page.EvalOnSelectorAllAsync<string[]>("#config-table tbody tr", "rows => rows.map(r => r.dataset.field)");
            Assert.Equal(["training.learning_rate", "training.seed"], fields.Order());

            // The runs table's form without JavaScript names each picked run on its own.
            await page.GotoAsync($"{lab.Lab.Url}/compare?runs={a}&runs={c}");
            Assert.Equal([a.ToString(), c.ToString()], await HeadersAsync(page));

            // What is not a run id is said so; an id no run has is named.
            await page.GotoAsync($"{lab.Lab.Url}/compare?runs={a},not-a-run");
            Assert.Contains("\"not-a-run\" is not a run id", await page.InnerTextAsync("#compare-problem"), StringComparison.Ordinal);
            var nobody = Guid.NewGuid();
            await page.GotoAsync($"{lab.Lab.Url}/compare?runs={a},{nobody}");
            Assert.Contains(nobody.ToString(), await page.InnerTextAsync("#compare-missing"), StringComparison.Ordinal);
            Assert.Equal([a.ToString()], await HeadersAsync(page));
        });
    }

    private static async Task<string[]> HeadersAsync(IPage page) =>
        await page.EvalOnSelectorAllAsync<string[]>("#compare-runs-table thead th[data-run-id]", "cells => cells.map(c => c.dataset.runId)");

    private static Task WaitAsync(IPage page, string condition) =>
        page.WaitForFunctionAsync($"() => {condition}", null, new PageWaitForFunctionOptions { Timeout = (float)Patience.TotalMilliseconds, PollingInterval = 250 });

    private static double Number(string? text) => double.Parse(text ?? "0", CultureInfo.InvariantCulture);

    private async Task<Guid> IdeaAsync(string title)
    {
        using var proposed = await lab.Http.PostAsJsonAsync("/api/v1/ideas", new { title = $"{title} {Guid.NewGuid():N}"[..(title.Length + 9)], hypothesis = "Curves tell." });
        Assert.Equal(HttpStatusCode.Created, proposed.StatusCode);
        return (await proposed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    /// <summary>A tiny run logging every 10 steps, evaluating every 50 and checkpointing every 50.</summary>
    private async Task<Guid> SubmitAsync(Guid idea, int steps, int seed, double learningRate = 0.003)
    {
        using var submitted = await lab.Http.PostAsJsonAsync("/api/v1/runs", new
        {
            ideaId = idea,
            config = new
            {
                preset = "tiny",
                training = new { steps, seed, learning_rate = learningRate, log_every = 10, eval_every = 50, checkpoint_every = 50, threads = 1 },
            },
        });
        Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
        return (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    public async Task DisposeAsync()
    {
        if (_portal is not null)
        {
            await _portal.DisposeAsync();
        }
    }
}
