using System.Text.Json.Serialization;

namespace Lab.Contracts;

/// <summary>
/// The limits that protect the lab's machines, in one place (configuration section <c>Lab:Bounds</c>, e.g.
/// <c>Lab__Bounds__MaxSteps=50000</c>). They are the same for every member: no approvals, no quotas on people. The API
/// refuses a run that exceeds them before anything is written, the pool stops a run that holds devices too long, and
/// everyone can read them (<c>GET /api/v1/bounds</c>, the portal's pool page). The defaults suit a small shared machine
/// like the one Lab is built on (2 cores, 24 GiB, no GPU) and leave plenty of room on a GPU node.
/// </summary>
[GenerateSerializer, Immutable, Alias("lab.bounds")]
public sealed record LabBounds
{
    public const string Section = "Lab:Bounds";

    private const double BytesPerGiB = 1024.0 * 1024 * 1024;

    /// <summary>
    /// Optimizer steps of one run. The small preset learns the synthetic corpus in a few hundred steps; 100,000 steps
    /// of it would take days here, so the run-time bound, not this one, ends such a run. This bound only refuses
    /// counts that mean nothing but "forever" (2^31-1 was accepted before).
    /// </summary>
    [Id(0)]
    public int MaxSteps { get; init; } = 100_000;

    /// <summary>
    /// Wall-clock time a run may hold devices, all its placements together (preempted, requeued, cancelled and resumed
    /// runs keep counting). A day: the small preset's 2,000 steps take under an hour on two CPU cores, and a run that
    /// never ends must not hold a device forever. The pool fails a run past it, with the reason in its history.
    /// </summary>
    [Id(1)]
    public TimeSpan MaxRunTime { get; init; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Training threads one run may ask for (<c>training.threads</c>; 0, one per core, is always allowed). More threads
    /// than cores only make the run and everything beside it slower, and each thread costs the node memory. The default is
    /// the cores of the machine the API runs on, which is the worker's machine under <c>lab up</c>; operators of bigger
    /// nodes set it to their nodes' cores.
    /// </summary>
    [Id(2)]
    public int MaxThreads { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Tokens of one optimizer step: batch_size × gradient_accumulation × context_length. A run can be checkpointed,
    /// preempted or cancelled only between steps, so a step must end within minutes: 262,144 tokens is 128 times the
    /// small preset's step, about three minutes of it on two CPU cores and a usual batch for models of this size on a GPU.
    /// </summary>
    [Id(3)]
    public long MaxTokensPerStep { get; init; } = 262_144;

    /// <summary>
    /// Memory one run may need, as estimated before it starts (weights, gradients and AdamW state in fp32, activations,
    /// the runtime): a third of this 24 GiB machine, so the services, PostgreSQL and a second run still fit. Runs are also
    /// refused when the largest live node of their kind offers less. Training processes may be held to it as well.
    /// </summary>
    [Id(4)]
    public double MaxRunMemoryGiB { get; init; } = 8;

    /// <summary>
    /// Runs one member may have waiting for devices at once. A sweep of 20 configurations fits; the next ones can be
    /// submitted as these start. Every waiting run costs the scheduler work on each decision, so 300 submitted in two
    /// seconds must not all wait.
    /// </summary>
    [Id(5)]
    public int MaxQueuedRunsPerMember { get; init; } = 20;

    /// <summary>
    /// Writes (POST, PUT, DELETE under <c>/api/v1</c>) one token may make per <see cref="WriteWindow"/>: 300 a minute,
    /// five a second sustained, is far above what a person or the <c>lab</c> client does, and keeps one runaway script
    /// from taking the API's cores from everyone else. Reads are not limited.
    /// </summary>
    [Id(6)]
    public int MaxWritesPerWindow { get; init; } = 300;

    /// <summary>The window <see cref="MaxWritesPerWindow"/> counts over (sliding, in six segments).</summary>
    [Id(7)]
    public TimeSpan WriteWindow { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Characters of a run's name (<c>PUT /api/v1/runs/{id}/name</c>): room for "small, 2 shared experts, lr 3e-3, seed 7"
    /// and a little more, short enough to fit a table's column and a chart's legend.
    /// </summary>
    [Id(8)]
    public int MaxRunNameLength { get; init; } = 120;

    /// <summary>Tags one run may carry: enough for a sweep's axes and a few labels; every run's tags are read with the run list.</summary>
    [Id(9)]
    public int MaxTagsPerRun { get; init; } = 20;

    /// <summary>Characters of one tag ("baseline", "sweep-lr", "mla:rank-32").</summary>
    [Id(10)]
    public int MaxTagLength { get; init; } = 40;

    /// <summary>
    /// Progress and evaluation lines one run keeps in its metrics (each a few hundred bytes with its expert load). 20,000
    /// keeps every line of a run that logs every 10 steps for 100,000 steps with an evaluation every 500, or of one that logs
    /// every step for 16,000 steps; a run that would report more keeps its training lines evenly spaced over its steps
    /// (every second, third... logged step), and its evaluations, within the bound.
    /// </summary>
    [Id(11)]
    public int MaxMetricsLinesPerRun { get; init; } = 20_000;

    /// <summary><see cref="MaxRunMemoryGiB"/> in bytes, for whoever enforces it on a process (an rlimit, a cgroup).</summary>
    [JsonIgnore]
    public long MaxRunMemoryBytes => (long)(MaxRunMemoryGiB * BytesPerGiB);

    /// <summary>An amount of memory as people read it: "512 MiB", "9.1 GiB", "24 GiB" (one decimal below ten GiB).</summary>
    public static string DescribeBytes(long bytes)
    {
        var gib = bytes / BytesPerGiB;
        return gib switch
        {
            < 1 => FormattableString.Invariant($"{bytes / (1024.0 * 1024):N0} MiB"),
            < 10 => FormattableString.Invariant($"{gib:0.0} GiB"),
            _ => FormattableString.Invariant($"{gib:N0} GiB"),
        };
    }

    /// <summary>A duration as people read a bound: "24 h", "90 min", "45 s".</summary>
    public static string Describe(TimeSpan duration)
    {
        if (duration.TotalHours >= 1 && duration.TotalHours == Math.Floor(duration.TotalHours))
        {
            return FormattableString.Invariant($"{duration.TotalHours:0} h");
        }
        return duration.TotalMinutes >= 1 && duration.TotalMinutes == Math.Floor(duration.TotalMinutes)
            ? FormattableString.Invariant($"{duration.TotalMinutes:0} min")
            : FormattableString.Invariant($"{duration.TotalSeconds:0.#} s");
    }

    /// <summary>The problems that make these bounds unusable (zero or negative), for a check at start-up.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        Positive(problems, nameof(MaxSteps), MaxSteps > 0, MaxSteps);
        Positive(problems, nameof(MaxRunTime), MaxRunTime > TimeSpan.Zero, MaxRunTime);
        Positive(problems, nameof(MaxThreads), MaxThreads > 0, MaxThreads);
        Positive(problems, nameof(MaxTokensPerStep), MaxTokensPerStep > 0, MaxTokensPerStep);
        Positive(problems, nameof(MaxRunMemoryGiB), MaxRunMemoryGiB > 0, MaxRunMemoryGiB);
        Positive(problems, nameof(MaxQueuedRunsPerMember), MaxQueuedRunsPerMember > 0, MaxQueuedRunsPerMember);
        Positive(problems, nameof(MaxWritesPerWindow), MaxWritesPerWindow > 0, MaxWritesPerWindow);
        Positive(problems, nameof(WriteWindow), WriteWindow > TimeSpan.Zero, WriteWindow);
        Positive(problems, nameof(MaxRunNameLength), MaxRunNameLength > 0, MaxRunNameLength);
        Positive(problems, nameof(MaxTagsPerRun), MaxTagsPerRun > 0, MaxTagsPerRun);
        Positive(problems, nameof(MaxTagLength), MaxTagLength > 0, MaxTagLength);
        Positive(problems, nameof(MaxMetricsLinesPerRun), MaxMetricsLinesPerRun > 0, MaxMetricsLinesPerRun);
        return problems;
    }

    private static void Positive(List<string> problems, string name, bool positive, object value)
    {
        if (!positive)
        {
            problems.Add($"{Section}:{name} must be positive, got {value}.");
        }
    }
}
