using System.Security.Claims;
using System.Text.Json;
using Lab.Api.Infrastructure;
using Lab.Contracts;
using Lab.Contracts.Pool;
using Lab.Contracts.Reading;
using Lab.Contracts.Runs;
using Lab.Knowledge.Datasets;
using Lab.Knowledge.Runs;
using Lab.Training.Configuration;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lab.Api.Apis;

public static class RunsApi
{
    public const int MaxPageSize = 100;

    private static readonly JsonSerializerOptions MetricsJson = new(ApiJson.Options)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static IEndpointRouteBuilder MapRunsApi(this IEndpointRouteBuilder app)
    {
        var runs = app.MapGroup("/api/v1/runs").WithTags("Runs");

        runs.MapPost("/", SubmitRun)
            .WithName(nameof(SubmitRun))
            .WithSummary("Put a training run for an idea on the shared pool (admitted at once, no approval)");
        runs.MapGet("/", ListRuns)
            .WithName(nameof(ListRuns))
            .WithSummary("Runs, newest first or sorted by a column (sort=submitted|name|status|step|loss|valLoss|deviceTime|modelDim|layers|experts|steps|data, order=asc|desc, unknown figures last); filter by idea, status, tag or text (q: a name or idea title holding it, or the tag)");
        runs.MapGet("/tags", ListRunTags)
            .WithName(nameof(ListRunTags))
            .WithSummary("The tags runs carry, most used first, with how many runs carry each");
        runs.MapGet("/accounting", GetAccounting)
            .WithName(nameof(GetAccounting))
            .WithSummary("Device time used per idea (information, never a quota)");
        runs.MapGet("/{id}", GetRun)
            .WithName(nameof(GetRun))
            .WithSummary("One run with its history (by its id or a start of it that no other run's id has)");
        runs.MapPost("/{id:guid}/cancel", CancelRun)
            .WithName(nameof(CancelRun))
            .WithSummary("Cancel a run (its submitter or a member of its idea's team); a running one checkpoints and stops");
        runs.MapPost("/{id:guid}/resume", ResumeRun)
            .WithName(nameof(ResumeRun))
            .WithSummary("Resume a cancelled run (its submitter): it waits for devices again and continues from its last checkpoint");
        runs.MapPut("/{id:guid}/name", NameRun)
            .WithName(nameof(NameRun))
            .WithSummary("Name a run, rename it, or clear its name with null (its submitter or a member of its idea's team); the change is in its history");
        runs.MapPost("/{id:guid}/tags", TagRun)
            .WithName(nameof(TagRun))
            .WithSummary("Put tags on a run (its submitter or a member of its idea's team); tags it carries already are left as they are");
        runs.MapDelete("/{id:guid}/tags", UntagRun)
            .WithName(nameof(UntagRun))
            .WithSummary("Take tags off a run (?tag=a&tag=b; its submitter or a member of its idea's team); tags it does not carry are ignored");
        runs.MapGet("/{id:guid}/metrics", GetRunMetrics)
            .WithName(nameof(GetRunMetrics))
            .WithSummary("The run's learning curve as newline-delimited JSON, followed live until the run is over (follow=false: what is there now; after=seq: only lines after that one)");
        runs.MapGet("/{id:guid}/checkpoint", DownloadCheckpoint)
            .WithName(nameof(DownloadCheckpoint))
            .WithSummary("The run's newest checkpoint (model, optimizer, schedule, data position), as the training engine wrote it; ranges supported")
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream");
        runs.MapGet("/{id:guid}/log", DownloadLog)
            .WithName(nameof(DownloadLog))
            .WithSummary("The run's training log: every line its training processes printed, placement after placement; ranges supported")
            .Produces(StatusCodes.Status200OK, contentType: "text/plain");
        return app;
    }

    public static async Task<Results<Created<RunView>, ValidationProblem>> SubmitRun(
        RunSubmission submission, ClaimsPrincipal user, IGrainFactory grains, IQuerySession session, Microsoft.Extensions.Options.IOptions<LabBounds> bounds, CancellationToken cancellationToken)
    {
        var (run, errors) = Resolve(submission, await RunLimits.NowAsync(bounds, grains));
        if (run is not null && RunConfig.FromJson(run.Config, "config").Data.DatasetId is { } dataset && await session.LoadAsync<Dataset>(dataset, cancellationToken) is null)
        {
            errors["config"] = [$"data.source names the data set {dataset}, which the lab does not hold (see /api/v1/datasets)."];
        }
        if (errors.Count > 0 || run is null)
        {
            return TypedResults.ValidationProblem(errors, title: "The run cannot be submitted as it is");
        }
        var view = await grains.GetGrain<IPoolGrain>(0).Submit(Guid.CreateVersion7(), run, user.MemberId());
        return TypedResults.Created($"/api/v1/runs/{view.Id}", view);
    }

    /// <summary>Checks the submission with the training engine's own validation and the lab's bounds, and resolves the configuration (presets merged).</summary>
    public static (SubmitRun? Run, Dictionary<string, string[]> Errors) Resolve(RunSubmission? submission, RunLimits limits)
    {
        var errors = new Dictionary<string, string[]>();
        if (submission is null)
        {
            errors["body"] = ["A JSON body describing the run is required."];
            return (null, errors);
        }
        if (submission.Config is not { ValueKind: JsonValueKind.Object } config)
        {
            errors["config"] = ["The training configuration (config) must be a JSON object, for example {\"preset\":\"tiny\",\"training\":{\"steps\":200}}."];
            return (null, errors);
        }
        if (config.TryGetProperty("preset", out var preset) && preset.ValueKind != JsonValueKind.String)
        {
            errors["config.preset"] = ["The preset is the name of one of the engine's presets, such as \"tiny\"."];
            return (null, errors);
        }
        RunConfig resolved;
        try
        {
            resolved = RunConfig.FromJson(config.GetRawText(), "config").EnsureValid();
        }
        catch (ConfigException e) when (e.InnerException is JsonException json)
        {
            // The engine's reader names its .NET types; the caller gets the field and what it should be.
            var (field, detail) = RequestProblems.Describe(json, "config");
            errors[field] = [detail];
            return (null, errors);
        }
        catch (ConfigException e)
        {
            errors["config"] = [.. e.Problems];
            return (null, errors);
        }
        if (resolved.Data.ProblemsOnThePool() is { Count: > 0 } dataProblems)
        {
            errors["config"] = [.. dataProblems];
            return (null, errors);
        }
        var run = new SubmitRun(submission.IdeaId ?? Guid.Empty, resolved.ToJson(), resolved.Training.Steps, submission.Devices ?? 1, submission.Kind);
        errors = RunRules.Validate(run);
        limits.Check(resolved, run, errors);
        return (errors.Count == 0 ? run : null, errors);
    }

    public static async Task<Results<Ok<Page<RunView>>, ValidationProblem>> ListRuns(IQuerySession session, TimeProvider clock, Microsoft.Extensions.Options.IOptions<LabBounds> bounds,
        Guid? ideaId, string? status, string? tag, string? q, string? sort, string? order, int? offset, int? limit, CancellationToken cancellationToken)
    {
        var paging = Paging.Validate(offset, limit, MaxPageSize);
        var only = QueryChoice.Parse<RunStatus>(status, "status", paging.Errors);
        var column = QueryChoice.Parse<RunSort>(sort, "sort", paging.Errors);
        var direction = QueryChoice.Parse<SortDirection>(order, "order", paging.Errors);
        if (tag is not null && RunLabels.ProblemOf(tag, bounds.Value) is { } problem)
        {
            paging.Errors["tag"] = [problem];
        }
        Text.Optional(paging.Errors, "q", q, MaxTextFilterLength);
        if (paging.Errors.Count > 0)
        {
            return TypedResults.ValidationProblem(paging.Errors);
        }
        var filter = new RunQuery(ideaId, only, tag is null ? null : RunLabels.Tag(tag), string.IsNullOrWhiteSpace(q) ? null : q.Trim(), column, direction);
        var (rows, total) = await RunList.ReadAsync(session, filter, paging.Offset, paging.Limit, cancellationToken);
        var now = clock.GetUtcNow();
        return TypedResults.Ok(new Page<RunView>([.. rows.Select(r => r.ToView(now))], total, paging.Offset, paging.Limit));
    }

    /// <summary>The longest text the run list looks for: an idea's title.</summary>
    public const int MaxTextFilterLength = Contracts.Ideas.IdeaRules.TitleMaxLength;

    public static async Task<Ok<IReadOnlyList<RunTagCount>>> ListRunTags(IQuerySession session, CancellationToken cancellationToken) =>
        TypedResults.Ok(await RunTags.ReadAsync(session, cancellationToken));

    public static async Task<Results<Ok<RunView>, ValidationProblem, ProblemHttpResult>> NameRun(
        Guid id, NameRun body, ClaimsPrincipal user, IQuerySession session, IGrainFactory grains, Microsoft.Extensions.Options.IOptions<LabBounds> bounds, CancellationToken cancellationToken)
    {
        var errors = body is null ? new() { ["body"] = ["A JSON body with the run's name (or null to clear it) is required."] } : RunLabels.ValidateName(body.Name, bounds.Value);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The run cannot be named like that");
        }
        if (await session.LoadAsync<RunSummary>(id, cancellationToken) is null)
        {
            return Problems.NotFound($"No run has the id {id}.");
        }
        return TypedResults.Ok(await grains.GetGrain<IRunGrain>(id).Name(body!.Name, user.MemberId()));
    }

    public static async Task<Results<Ok<RunView>, ValidationProblem, ProblemHttpResult>> TagRun(
        Guid id, TagRun body, ClaimsPrincipal user, IQuerySession session, IGrainFactory grains, Microsoft.Extensions.Options.IOptions<LabBounds> bounds, CancellationToken cancellationToken)
    {
        var run = await session.LoadAsync<RunSummary>(id, cancellationToken);
        var errors = RunLabels.ValidateTags(body?.Tags, run?.Tags ?? [], bounds.Value);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The run cannot be tagged like that");
        }
        if (run is null)
        {
            return Problems.NotFound($"No run has the id {id}.");
        }
        return TypedResults.Ok(await grains.GetGrain<IRunGrain>(id).Tag(body!.Tags!, user.MemberId()));
    }

    public static async Task<Results<Ok<RunView>, ValidationProblem, ProblemHttpResult>> UntagRun(
        Guid id, string[]? tag, ClaimsPrincipal user, IQuerySession session, IGrainFactory grains, Microsoft.Extensions.Options.IOptions<LabBounds> bounds, CancellationToken cancellationToken)
    {
        var errors = RunLabels.ValidateUntag(tag, bounds.Value);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Those tags cannot be taken off");
        }
        if (await session.LoadAsync<RunSummary>(id, cancellationToken) is null)
        {
            return Problems.NotFound($"No run has the id {id}.");
        }
        return TypedResults.Ok(await grains.GetGrain<IRunGrain>(id).Untag(tag!, user.MemberId()));
    }

    public static async Task<Results<Ok<RunView>, ProblemHttpResult>> GetRun(string id, IQuerySession session, TimeProvider clock, CancellationToken cancellationToken)
    {
        var (runId, problem) = await IdLookup.ResolveAsync(session, Lab.Knowledge.Reading.IdPrefixes.Run, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var run = await session.LoadAsync<RunSummary>(runId, cancellationToken);
        return run is null ? Problems.NotFound($"No run has the id {runId}.") : TypedResults.Ok(run.ToView(clock.GetUtcNow()));
    }

    public static async Task<Results<Ok<RunView>, ProblemHttpResult>> CancelRun(Guid id, ClaimsPrincipal user, IQuerySession session, IGrainFactory grains, CancellationToken cancellationToken)
    {
        if (await session.LoadAsync<RunSummary>(id, cancellationToken) is null)
        {
            return Problems.NotFound($"No run has the id {id}.");
        }
        return TypedResults.Ok(await grains.GetGrain<IPoolGrain>(0).Cancel(id, user.MemberId()));
    }

    public static async Task<Results<Ok<RunView>, ProblemHttpResult>> ResumeRun(Guid id, ClaimsPrincipal user, IQuerySession session, IGrainFactory grains, CancellationToken cancellationToken)
    {
        if (await session.LoadAsync<RunSummary>(id, cancellationToken) is null)
        {
            return Problems.NotFound($"No run has the id {id}.");
        }
        return TypedResults.Ok(await grains.GetGrain<IPoolGrain>(0).Resume(id, user.MemberId()));
    }

    public static async Task<Ok<IReadOnlyList<IdeaCompute>>> GetAccounting(IQuerySession session, TimeProvider clock, Guid? ideaId, CancellationToken cancellationToken)
    {
        var query = session.Query<RunSummary>().AsQueryable();
        if (ideaId is { } idea)
        {
            query = query.Where(r => r.IdeaId == idea);
        }
        var runs = await query.Select(r => new { r.IdeaId, r.Status, r.DeviceSeconds, r.Devices, r.LeaseStartedAt }).ToListAsync(cancellationToken);
        var now = clock.GetUtcNow();
        IReadOnlyList<IdeaCompute> perIdea = [.. runs
            .GroupBy(r => r.IdeaId)
            .Select(g => new IdeaCompute(g.Key, g.Count(), g.Count(r => r.Status == RunStatus.Finished),
                Math.Round(g.Sum(r => RunSummary.DeviceSecondsAt(now, r.DeviceSeconds, r.Devices, r.LeaseStartedAt)), 3)))
            .OrderByDescending(c => c.DeviceSeconds)];
        return TypedResults.Ok(perIdea);
    }

    public static async Task<Results<PushStreamHttpResult, ValidationProblem, ProblemHttpResult>> GetRunMetrics(
        Guid id, bool? follow, long? after, ClaimsPrincipal user, IDocumentStore store, RunEventsFeed feed, CancellationToken cancellationToken)
    {
        if (after < 0)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["after"] = ["after is the seq of a line already read: 0 or more."] });
        }
        RunSummary? run;
        await using (var session = store.QuerySession())
        {
            run = await session.LoadAsync<RunSummary>(id, cancellationToken);
        }
        if (run is null)
        {
            return Problems.NotFound($"No run has the id {id}.");
        }
        // A run that is already over has all its lines stored: one read, wherever the reader starts.
        RunEventsFeed.Follower? follower = null;
        if ((follow ?? true) && !RunRules.IsOver(run.Status))
        {
            follower = await feed.FollowAsync(id, user.MemberId(), cancellationToken);
            if (follower is null)
            {
                return Problems.TooMany($"You follow {RunEventsFeed.MaxFollowersPerMember} runs' metrics already; close a stream (or read with follow=false) first.");
            }
        }
        return TypedResults.Stream(stream => StreamMetricsAsync(id, after ?? 0, follower, store, stream, cancellationToken), "application/x-ndjson");
    }

    /// <summary>The lines stored after <paramref name="after"/>, then, while following, each new one as the shared feed finds it.</summary>
    private static async Task StreamMetricsAsync(Guid id, long after, RunEventsFeed.Follower? follower, IDocumentStore store, Stream stream, CancellationToken cancellationToken)
    {
        using (follower)
        {
            try
            {
                var (version, over) = await WriteStoredAsync(id, after, upTo: 0, store, stream, cancellationToken);
                while (!over && follower is not null && await follower.Events.WaitToReadAsync(cancellationToken))
                {
                    while (!over && follower.Events.TryRead(out var e))
                    {
                        if (e.Version <= version)
                        {
                            continue;
                        }
                        if (e.Version > version + 1)
                        {
                            // Lines the stream missed (it fell behind): read them from the store.
                            (version, over) = await WriteStoredAsync(id, version, upTo: e.Version - 1, store, stream, cancellationToken);
                        }
                        over |= await WriteLineAsync(e, stream, cancellationToken);
                        version = e.Version;
                    }
                    await stream.FlushAsync(cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The reader went away.
            }
        }
    }

    /// <summary>Writes the run's stored lines after <paramref name="after"/> (up to <paramref name="upTo"/>, or all); the last version read and whether the run is over.</summary>
    private static async Task<(long Version, bool Over)> WriteStoredAsync(Guid id, long after, long upTo, IDocumentStore store, Stream stream, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var events = await session.Events.FetchStreamAsync(id, version: upTo, fromVersion: after + 1, token: cancellationToken);
        var (version, over) = (after, false);
        foreach (var e in events)
        {
            over |= await WriteLineAsync(e, stream, cancellationToken);
            version = e.Version;
        }
        await stream.FlushAsync(cancellationToken);
        return (version, over);
    }

    /// <summary>Writes the event's metrics line, if it has one; whether the run is over with it.</summary>
    private static async Task<bool> WriteLineAsync(JasperFx.Events.IEvent e, Stream stream, CancellationToken cancellationToken)
    {
        if (LineFor(e.Data) is not { } found)
        {
            return false;
        }
        var line = found with { Seq = e.Version };
        await JsonSerializer.SerializeAsync(stream, line, MetricsJson, cancellationToken);
        await stream.WriteAsync("\n"u8.ToArray(), cancellationToken);
        return line.Status is { } status && RunRules.IsOver(status);
    }

    public static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> DownloadCheckpoint(
        Guid id, ClaimsPrincipal user, IQuerySession session, RunFileStore files, HttpContext http, CancellationToken cancellationToken)
    {
        var run = await session.LoadAsync<RunSummary>(id, cancellationToken);
        if (run is null)
        {
            return Problems.NotFound($"No run has the id {id}.");
        }
        if (run.CheckpointFileName() is not { } name)
        {
            return Problems.NotFound($"Run {id} has no checkpoint yet: it writes one every training.checkpoint_every steps, when it stops and at its end.");
        }
        return Download(http, files, user.MemberId(), () => files.OpenCheckpoint(id, name), "application/octet-stream", $"run-{id}-step-{run.CheckpointStep}.ckpt",
            $"Run {id}'s checkpoint at step {run.CheckpointStep} is not in the folder this API shares with the workers (Lab:RunFiles:Root), or no longer there.");
    }

    public static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> DownloadLog(
        Guid id, ClaimsPrincipal user, IQuerySession session, RunFileStore files, HttpContext http, CancellationToken cancellationToken)
    {
        if (await session.LoadAsync<RunSummary>(id, cancellationToken) is null)
        {
            return Problems.NotFound($"No run has the id {id}.");
        }
        return Download(http, files, user.MemberId(), () => files.OpenLog(id), "text/plain; charset=utf-8", $"run-{id}.log",
            $"Run {id} has no training log in the folder this API shares with the workers (Lab:RunFiles:Root): it has not started yet, or it ran on a worker that keeps its files elsewhere.");
    }

    /// <summary>A file of a run as an attachment, streamed (with ranges), within the member's share of downloads at once.</summary>
    private static Results<FileStreamHttpResult, ProblemHttpResult> Download(HttpContext http, RunFileStore files, Guid member, Func<FileStream?> open,
        string contentType, string name, string missing)
    {
        var place = files.TakeDownloadPlace(member);
        if (place is null)
        {
            return Problems.TooMany($"You download {files.MaxDownloadsPerMember} run files at once already; let one finish first.");
        }
        var file = open();
        if (file is null)
        {
            place.Dispose();
            return Problems.NotFound(missing);
        }
        http.Response.RegisterForDispose(place);
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.File(file, contentType, name, lastModified: File.GetLastWriteTimeUtc(file.Name), enableRangeProcessing: true);
    }

    /// <summary>Each run event says its own metrics line (or that it has none).</summary>
    private static RunMetricsLine? LineFor(object change) => (change as IRunEvent)?.MetricsLine;
}
