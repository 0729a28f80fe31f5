using Lab.Contracts.Runs;

namespace Lab.Contracts.Pool;

/// <param name="MemoryBytes">
/// Memory a run on this device can use: a GPU's own memory, or for the CPU the machine's memory (its cgroup limit when
/// lower); null when the worker cannot tell. Runs estimated to need more than the largest live device offers are refused.
/// </param>
[GenerateSerializer, Immutable, Alias("lab.device")]
public sealed record DeviceView(
    [property: Id(0)] string Id,
    [property: Id(1)] string Kind,
    [property: Id(2)] string Description,
    [property: Id(3)] long? MemoryBytes = null);

/// <summary>
/// How one device of a node is used, as its worker read it for a heartbeat: soft state, shown in the pool's view and
/// never recorded (a device's identity and memory are in <see cref="DeviceView"/>, which changes only when the node does).
/// </summary>
/// <param name="Id">The device, as in <see cref="DeviceView.Id"/>.</param>
/// <param name="MemoryUsedBytes">
/// Memory in use: a GPU's (every process on it, as NVML reports it); for a CPU device, the resident memory of the
/// training process on it (shared equally by the CPU devices of one run); 0 for an idle CPU device; null where it
/// cannot be read.
/// </param>
/// <param name="Utilization">A GPU's share of time busy, 0 to 1 (NVML); null for a CPU device.</param>
/// <param name="TokensPerS">Training tokens per second of the run's replica on the device, from its last progress line.</param>
/// <param name="RunId">The run training on the device; null when none is.</param>
[GenerateSerializer, Immutable, Alias("lab.device-usage")]
public sealed record DeviceUsage(
    [property: Id(0)] string Id,
    [property: Id(1)] long? MemoryUsedBytes = null,
    [property: Id(2)] double? Utilization = null,
    [property: Id(3)] double? TokensPerS = null,
    [property: Id(4)] Guid? RunId = null);

/// <summary>
/// What a worker says about its node every few seconds: that it is alive, which devices it offers, how they are used
/// now, and what its training processes reported since the last heartbeat that was answered.
/// </summary>
[GenerateSerializer, Immutable, Alias("lab.node-heartbeat")]
public sealed record NodeHeartbeat(
    [property: Id(0)] string Node,
    [property: Id(1)] IReadOnlyList<DeviceView> Devices,
    [property: Id(2)] string? WorkerUrl,
    [property: Id(3)] IReadOnlyList<RunReport>? Reports = null,
    [property: Id(4)] Guid? Incarnation = null,
    [property: Id(5)] IReadOnlyList<DeviceUsage>? Usage = null);

public enum RunReportKind
{
    /// <summary>The training process started (<see cref="RunReport.Resumed"/> from a checkpoint at <see cref="RunReport.Step"/>).</summary>
    Started,

    /// <summary>Training figures and/or a validation loss at a step (sampled by the worker).</summary>
    Progress,

    Checkpointed,

    /// <summary>The process reached its last step. Ends the lease.</summary>
    Finished,

    /// <summary>The process checkpointed and stopped when asked to (preemption, cancellation, worker shutdown). Ends the lease.</summary>
    Stopped,

    /// <summary>The process failed or could not start. Ends the lease.</summary>
    Failed,

    /// <summary>
    /// The process died without the engine saying why (killed, out of memory, a crash): not the run's fault, so it is
    /// started again from its last checkpoint, a bounded number of times. Ends the lease.
    /// </summary>
    Crashed,
}

/// <summary>One thing a run's training process did, as its worker saw it in the process' JSON lines.</summary>
/// <param name="Attempt">The placement it belongs to; reports of an older placement are ignored.</param>
[GenerateSerializer, Immutable, Alias("lab.run-report")]
public sealed record RunReport(
    [property: Id(0)] Guid RunId,
    [property: Id(1)] int Attempt,
    [property: Id(2)] RunReportKind Kind,
    [property: Id(3)] DateTimeOffset At,
    [property: Id(4)] int Step = 0,
    [property: Id(5)] bool Resumed = false,
    [property: Id(6)] double? Loss = null,
    [property: Id(7)] double? ValLoss = null,
    [property: Id(8)] double? TokensPerS = null,
    [property: Id(9)] double? ModelGflopsPerS = null,
    [property: Id(10)] double? ExpertLoadMaxOverMean = null,
    [property: Id(11)] string? Checkpoint = null,
    [property: Id(12)] string? Message = null,
    [property: Id(13)] TrainingFigures? Figures = null)
{
    public bool EndsLease => Kind is RunReportKind.Finished or RunReportKind.Stopped or RunReportKind.Failed or RunReportKind.Crashed;
}

/// <summary>What the pool wants a node to run now: the answer to every heartbeat.</summary>
/// <param name="Runs">Every run leased on the node. A run the worker has that is not listed must be stopped at once (its lease is gone).</param>
[GenerateSerializer, Immutable, Alias("lab.node-orders")]
public sealed record NodeOrders(
    [property: Id(0)] string Node,
    [property: Id(1)] IReadOnlyList<RunOrder> Runs);

/// <param name="Stop">Checkpoint and stop (preempted or cancelled) rather than run.</param>
[GenerateSerializer, Immutable, Alias("lab.run-order")]
public sealed record RunOrder(
    [property: Id(0)] Guid RunId,
    [property: Id(1)] int Attempt,
    [property: Id(2)] string Config,
    [property: Id(3)] IReadOnlyList<int> DeviceIndexes,
    [property: Id(4)] bool Stop);

[GenerateSerializer, Immutable, Alias("lab.node")]
public sealed record NodeView(
    [property: Id(0)] string Name,
    [property: Id(1)] IReadOnlyList<DeviceView> Devices,
    [property: Id(2)] DateTimeOffset FirstSeen,
    [property: Id(3)] DateTimeOffset LastSeen,
    [property: Id(4)] bool Alive,
    [property: Id(5)] int DevicesInUse = 0,
    [property: Id(6)] string? WorkerUrl = null,
    [property: Id(7)] IReadOnlyList<DeviceUsage>? Usage = null);

/// <summary>A run that holds devices now.</summary>
[GenerateSerializer, Immutable, Alias("lab.pool-lease")]
public sealed record LeaseView(
    [property: Id(0)] Guid RunId,
    [property: Id(1)] Guid IdeaId,
    [property: Id(2)] string Node,
    [property: Id(3)] IReadOnlyList<int> DeviceIndexes,
    [property: Id(4)] DateTimeOffset Since,
    [property: Id(5)] bool Stopping);

/// <summary>A waiting run, why it waits and roughly when it should start (null: no live node can take it).</summary>
[GenerateSerializer, Immutable, Alias("lab.pool-waiting")]
public sealed record QueuedRunView(
    [property: Id(0)] Guid RunId,
    [property: Id(1)] Guid IdeaId,
    [property: Id(2)] int Devices,
    [property: Id(3)] string? Kind,
    [property: Id(4)] DateTimeOffset SubmittedAt,
    [property: Id(5)] string Reason,
    [property: Id(6)] DateTimeOffset? EstimatedStart);

/// <summary>An idea's part of the pool: what it asks for, what it holds, what weighted max-min fairness owes it.</summary>
[GenerateSerializer, Immutable, Alias("lab.pool-share")]
public sealed record IdeaShareView(
    [property: Id(0)] Guid IdeaId,
    [property: Id(1)] double Weight,
    [property: Id(2)] int Demand,
    [property: Id(3)] int Allocated,
    [property: Id(4)] double FairShare);

[GenerateSerializer, Immutable, Alias("lab.pool")]
public sealed record PoolView(
    [property: Id(0)] IReadOnlyList<NodeView> Nodes,
    [property: Id(1)] int LiveDevices,
    [property: Id(2)] int DevicesInUse = 0,
    [property: Id(3)] double Utilization = 0,
    [property: Id(4)] IReadOnlyList<LeaseView>? Running = null,
    [property: Id(5)] IReadOnlyList<QueuedRunView>? Queue = null,
    [property: Id(6)] IReadOnlyList<IdeaShareView>? Shares = null);

public static class PoolRules
{
    public const int NodeNameMaxLength = 100;
    public const int MaxDevicesPerNode = 64;
    public const int MaxReportsPerHeartbeat = 1000;
    public const int WorkerUrlMaxLength = 2048;
    public const int DeviceIdMaxLength = 100;

    /// <summary>A node that has not heart-beaten for this long is considered gone (the pool's default; configurable).</summary>
    public static readonly TimeSpan HeartbeatTimeout = TimeSpan.FromSeconds(30);

    public static Dictionary<string, string[]> Validate(NodeHeartbeat? heartbeat)
    {
        var errors = new Dictionary<string, string[]>();
        if (heartbeat is null)
        {
            errors["body"] = ["A JSON body describing the node is required."];
            return errors;
        }
        if (string.IsNullOrWhiteSpace(heartbeat.Node) || heartbeat.Node.Length > NodeNameMaxLength ||
            !heartbeat.Node.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_'))
        {
            errors["node"] = [$"The node name must be 1 to {NodeNameMaxLength} letters, digits, '-', '.' or '_'."];
        }
        if (heartbeat.WorkerUrl is { } url && (url.Length > WorkerUrlMaxLength || !Uri.TryCreate(url, UriKind.Absolute, out var address) ||
            (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps)))
        {
            errors["workerUrl"] = [$"The worker's address is an http or https URL of at most {WorkerUrlMaxLength} characters."];
        }
        if (heartbeat.Devices is null || heartbeat.Devices.Count is 0 or > MaxDevicesPerNode)
        {
            errors["devices"] = [$"A node offers 1 to {MaxDevicesPerNode} devices."];
        }
        else if (heartbeat.Devices.Any(d => d is null || !RunRules.Kinds.Contains(d.Kind)) ||
                 heartbeat.Devices.Select(d => d.Kind).Distinct().Count() > 1)
        {
            errors["devices"] = [$"A node's devices are all of one kind: {string.Join(" or ", RunRules.Kinds)}."];
        }
        else if (heartbeat.Devices.Any(d => d.MemoryBytes is < 0))
        {
            errors["devices"] = ["A device's memory is a number of bytes, 0 or more (or left out when unknown)."];
        }
        if (heartbeat.Usage is { } usage && (usage.Count > MaxDevicesPerNode || usage.Any(u => u is null
                || string.IsNullOrEmpty(u.Id) || u.Id.Length > DeviceIdMaxLength
                || u.MemoryUsedBytes is < 0
                || u.Utilization is { } busy && !(busy is >= 0 and <= 1)
                || u.TokensPerS is { } rate && !(double.IsFinite(rate) && rate >= 0))))
        {
            errors["usage"] = [$"At most {MaxDevicesPerNode} device readings, each naming a device (up to {DeviceIdMaxLength} characters), with memory from 0 bytes, utilisation from 0 to 1 and a finite rate from 0."];
        }
        if (heartbeat.Reports is { Count: > MaxReportsPerHeartbeat })
        {
            errors["reports"] = [$"A heartbeat carries at most {MaxReportsPerHeartbeat} reports."];
        }
        else if (heartbeat.Reports?.Any(r => r is null || r.RunId == Guid.Empty || r.Attempt < 1 || r.Step < 0 ||
                     (r.Message?.Length ?? 0) > 4000 || (r.Checkpoint?.Length ?? 0) > 4000) == true)
        {
            errors["reports"] = ["Every report names a run, an attempt from 1, a step from 0, and short texts."];
        }
        return errors;
    }
}

/// <summary>The shared pool of devices (one grain for the whole lab, key 0): nodes, the queue, and the scheduling policy.</summary>
[Alias("lab.IPoolGrain")]
public interface IPoolGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// A worker's heartbeat: records its node and the leases its reports end; answers what the node should run. Other
    /// reports only tell the pool how far a run is: the heartbeat endpoint records them with their runs first
    /// (<c>HeartbeatRouter</c>), so that progress never waits behind the one pool.
    /// </summary>
    [Alias("heartbeat")]
    Task<NodeOrders> Heartbeat(NodeHeartbeat heartbeat);

    [Alias("get"), Orleans.Concurrency.AlwaysInterleave]
    Task<PoolView> Get();

    /// <summary>Admits a run at once (no approval); it starts now if devices are free.</summary>
    [Alias("submit")]
    Task<RunView> Submit(Guid runId, SubmitRun run, Guid submittedBy);

    /// <summary>Cancels a run (only its submitter or a member of its idea's team may); a running one is stopped by its worker.</summary>
    [Alias("cancel")]
    Task<RunView> Cancel(Guid runId, Guid by);

    /// <summary>Resumes a cancelled run (only its submitter may): it waits again and continues from its last checkpoint.</summary>
    [Alias("resume")]
    Task<RunView> Resume(Guid runId, Guid by);
}
