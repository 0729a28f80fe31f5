using Lab.Contracts.Pool;

namespace Lab.Grains.Tests;

/// <summary>What the pool says of a waiting run's start, as members read it: it follows the run ahead at its pace, and is never past.</summary>
public sealed class PoolEstimateTests
{
    private static readonly Guid Alice = Guid.CreateVersion7();

    [Fact]
    public async Task The_estimated_start_follows_the_pace_of_the_run_ahead_as_it_reports_and_never_lies_in_the_past()
    {
        await using var lab = await PoolLab.StartAsync(heartbeatTimeout: TimeSpan.FromDays(1));
        await lab.BeatAsync("n1");
        var idea = await lab.IdeaAsync("Long runs", Alice);
        var ahead = await lab.SubmitAsync(idea, Alice, steps: 1000);
        var next = await lab.SubmitAsync(idea, Alice);
        var start = lab.Clock.GetUtcNow();
        await lab.BeatAsync("n1", 1, new RunReport(ahead.Id, 1, RunReportKind.Started, start));

        // A hundred steps in the first minute: nine hundred to go at that pace. Only the heartbeat tells the pool; nothing
        // else is submitted or ends, and the waiting run's estimate moves all the same.
        lab.Clock.Advance(TimeSpan.FromMinutes(1));
        await lab.BeatAsync("n1", 1, new RunReport(ahead.Id, 1, RunReportKind.Progress, lab.Clock.GetUtcNow(), Step: 100, Loss: 3));
        Assert.Equal(start + TimeSpan.FromMinutes(10), await EstimatedStartAsync(lab, next.Id));

        // It slows down: by minute 5 it has done 200 steps, 800 to go at 1.5 s a step.
        lab.Clock.Advance(TimeSpan.FromMinutes(4));
        await lab.BeatAsync("n1", 1, new RunReport(ahead.Id, 1, RunReportKind.Progress, lab.Clock.GetUtcNow(), Step: 200, Loss: 2.5));
        Assert.Equal(start + TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1.5 * 800), await EstimatedStartAsync(lab, next.Id));

        // Read long after the pool last heard anything, the estimate says now at the earliest, never a moment already past.
        lab.Clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(lab.Clock.GetUtcNow(), await EstimatedStartAsync(lab, next.Id));

        // The next heartbeat measures its pace again (300 steps in 125 minutes): the run behind it is expected once the
        // 700 steps left are done at that pace.
        await lab.BeatAsync("n1", 1, new RunReport(ahead.Id, 1, RunReportKind.Progress, lab.Clock.GetUtcNow(), Step: 300, Loss: 2.4));
        Assert.Equal(lab.Clock.GetUtcNow() + TimeSpan.FromSeconds(25 * 700), await EstimatedStartAsync(lab, next.Id));
    }

    private static async Task<DateTimeOffset?> EstimatedStartAsync(PoolLab lab, Guid run) =>
        (await lab.Pool.Get()).Queue!.Single(q => q.RunId == run).EstimatedStart;
}
