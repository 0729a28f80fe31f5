using System.Runtime.CompilerServices;
using System.Text.Json;
using Lab.Contracts;
using Lab.Contracts.Pool;
using Lab.Contracts.Reading;
using Lab.Contracts.Runs;

namespace Lab.Client;

// Runs on the shared pool, their metrics stream, and the pool itself (as members read it and as workers beat to it).
public sealed partial class LabClient
{
    /// <summary>How long to wait before opening a run's metrics stream again after it broke off.</summary>
    public static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(1);

    public Task<RunView> SubmitRunAsync(RunSubmission submission, CancellationToken cancellationToken = default) =>
        PostAsync<RunView>("runs", submission, cancellationToken);

    /// <summary>Runs, newest first; only an idea's, or only those with a status, when given.</summary>
    public Task<Page<RunView>> ListRunsAsync(Guid? idea = null, RunStatus? status = null, int? offset = null, int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<Page<RunView>>(PathOf("runs", ("offset", offset), ("limit", limit), ("ideaId", idea), ("status", status)), cancellationToken);

    /// <summary>
    /// Runs as a table shows them: only those <paramref name="filter"/> keeps (idea, status, tag, text in a name or idea
    /// title), sorted by one of its columns (unknown figures last), one page.
    /// </summary>
    public Task<Page<RunView>> ListRunsAsync(RunQuery filter, int? offset = null, int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<Page<RunView>>(PathOf("runs", ("offset", offset), ("limit", limit), ("ideaId", filter.IdeaId), ("status", filter.Status), ("tag", filter.Tag),
            ("q", filter.Text), ("sort", filter.Order), ("order", filter.Direction?.ToString().ToLowerInvariant())), cancellationToken);

    /// <summary>The tags runs carry, most used first.</summary>
    public Task<IReadOnlyList<RunTagCount>> ListRunTagsAsync(CancellationToken cancellationToken = default) =>
        GetAsync<IReadOnlyList<RunTagCount>>("runs/tags", cancellationToken);

    /// <summary>Names the run (null clears its name): its submitter or a member of its idea's team.</summary>
    public Task<RunView> NameRunAsync(Guid run, string? name, CancellationToken cancellationToken = default) =>
        PutAsync<RunView>($"runs/{run}/name", new NameRun(name), cancellationToken);

    /// <summary>Puts tags on the run: its submitter or a member of its idea's team.</summary>
    public Task<RunView> TagRunAsync(Guid run, IEnumerable<string> tags, CancellationToken cancellationToken = default) =>
        PostAsync<RunView>($"runs/{run}/tags", new TagRun([.. tags]), cancellationToken);

    /// <summary>Takes tags off the run (those it does not carry are ignored): its submitter or a member of its idea's team.</summary>
    public Task<RunView> UntagRunAsync(Guid run, IEnumerable<string> tags, CancellationToken cancellationToken = default) =>
        SendAsync<RunView>(HttpMethod.Delete, PathOf($"runs/{run}/tags", [.. tags.Select(t => ("tag", (object?)t))]), null, cancellationToken);

    public Task<RunView> GetRunAsync(Guid run, CancellationToken cancellationToken = default) =>
        GetAsync<RunView>($"runs/{run}", cancellationToken);

    public Task<RunView> CancelRunAsync(Guid run, CancellationToken cancellationToken = default) =>
        PostAsync<RunView>($"runs/{run}/cancel", null, cancellationToken);

    public Task<RunView> ResumeRunAsync(Guid run, CancellationToken cancellationToken = default) =>
        PostAsync<RunView>($"runs/{run}/resume", null, cancellationToken);

    /// <summary>Device time used per idea (only <paramref name="idea"/>'s when given), most first.</summary>
    public Task<IReadOnlyList<IdeaCompute>> GetComputeAsync(Guid? idea = null, CancellationToken cancellationToken = default) =>
        GetAsync<IReadOnlyList<IdeaCompute>>(PathOf("runs/accounting", ("ideaId", idea)), cancellationToken);

    /// <summary>
    /// Opens a run's metrics stream (NDJSON, one <see cref="RunMetricsLine"/> a line) and answers as soon as the
    /// headers arrive, whatever the status: for a relay that passes the stream on as it is. The caller disposes it.
    /// </summary>
    public Task<HttpResponseMessage> OpenRunMetricsAsync(Guid run, long? after = null, bool follow = true, CancellationToken cancellationToken = default) =>
        TrySendAsync(MetricsRequest(run, after, follow), HttpCompletionOption.ResponseHeadersRead, cancellationToken);

    /// <summary>
    /// A run's metrics lines after <paramref name="after"/> (a line's <see cref="RunMetricsLine.Seq"/>): what is there
    /// now, and with <paramref name="follow"/> each new one as it happens until the run is over. A stream that breaks
    /// off ends with an <see cref="IOException"/> or <see cref="HttpRequestException"/>.
    /// </summary>
    public async IAsyncEnumerable<RunMetricsLine> ReadRunMetricsAsync(Guid run, long? after = null, bool follow = true,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var request = MetricsRequest(run, after, follow);
        using var response = await SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        while (await reader.ReadLineAsync(cancellationToken) is { } text)
        {
            if (MetricsLine(text, request) is { } line)
            {
                yield return line;
            }
        }
    }

    /// <summary>
    /// Follows a run to its end: its metrics lines after <paramref name="after"/>, then each new one as it happens,
    /// until a line says the run is over. A stream that breaks off is opened again after the last line read, so no
    /// line is missed or repeated; a lab that cannot be reached ends it with a <see cref="LabClientException"/>.
    /// </summary>
    public async IAsyncEnumerable<RunMetricsLine> FollowRunMetricsAsync(Guid run, long? after = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (true)
        {
            await using (var lines = ReadRunMetricsAsync(run, after, follow: true, cancellationToken).GetAsyncEnumerator(cancellationToken))
            {
                while (await NextOrBrokenOffAsync(lines) is { } line)
                {
                    after = line.Seq ?? after;
                    yield return line;
                    if (line.Status is { } status && RunRules.IsOver(status))
                    {
                        yield break;
                    }
                }
            }
            await Task.Delay(ReconnectDelay, cancellationToken);
        }
    }

    /// <summary>Which of a run's files <see cref="OpenRunFileAsync"/> downloads.</summary>
    public enum RunFile
    {
        /// <summary>Its newest checkpoint, as the training engine wrote it.</summary>
        Checkpoint,

        /// <summary>Its training log: what its training processes printed.</summary>
        Log,
    }

    /// <summary>
    /// Opens the download of one of a run's files and answers as soon as the headers arrive, whatever the status (a relay
    /// passes it on as it is; <see cref="DownloadRunFileAsync"/> for everyone else). The caller disposes it.
    /// </summary>
    public Task<HttpResponseMessage> OpenRunFileAsync(Guid run, RunFile file, CancellationToken cancellationToken = default) =>
        TrySendAsync(new HttpRequestMessage(HttpMethod.Get, Root + RunFilePath(run, file)), HttpCompletionOption.ResponseHeadersRead, cancellationToken);

    /// <summary>Copies one of a run's files into <paramref name="destination"/>; its name as the API offers it (<c>run-ID-step-N.ckpt</c>).</summary>
    public async Task<string> DownloadRunFileAsync(Guid run, RunFile file, Stream destination, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Root + RunFilePath(run, file));
        using var response = await SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await using var content = await response.Content.ReadAsStreamAsync(cancellationToken);
        await content.CopyToAsync(destination, cancellationToken);
        return response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName?.Trim('"')
            ?? (file == RunFile.Log ? $"run-{run}.log" : $"run-{run}.ckpt");
    }

    private static string RunFilePath(Guid run, RunFile file) => file == RunFile.Log ? $"runs/{run}/log" : $"runs/{run}/checkpoint";

    /// <summary>The pool: nodes and devices, what runs where, the queue with reasons, and each idea's fair share.</summary>
    public Task<PoolView> GetPoolAsync(CancellationToken cancellationToken = default) =>
        GetAsync<PoolView>("pool", cancellationToken);

    /// <summary>A worker's heartbeat: its node, its devices and its runs' reports; answers what the node should run and stop.</summary>
    public Task<NodeOrders> HeartbeatAsync(NodeHeartbeat heartbeat, CancellationToken cancellationToken = default) =>
        PostAsync<NodeOrders>("pool/heartbeats", heartbeat, cancellationToken);

    private static HttpRequestMessage MetricsRequest(Guid run, long? after, bool follow) =>
        new(HttpMethod.Get, Root + PathOf($"runs/{run}/metrics", ("follow", follow), ("after", after)));

    /// <summary>The next line, or null when the stream ended or broke off.</summary>
    private static async Task<RunMetricsLine?> NextOrBrokenOffAsync(IAsyncEnumerator<RunMetricsLine> lines)
    {
        try
        {
            return await lines.MoveNextAsync() ? lines.Current : null;
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            return null;
        }
    }

    private static RunMetricsLine? MetricsLine(string text, HttpRequestMessage request)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<RunMetricsLine>(text, ApiJson.Options);
        }
        catch (JsonException e)
        {
            throw new LabClientException(System.Net.HttpStatusCode.OK, $"GET {request.RequestUri} sent a line that is not what Lab's API sends: {e.Message}", e);
        }
    }
}
