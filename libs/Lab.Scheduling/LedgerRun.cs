namespace Lab.Scheduling;

/// <summary>Where an admitted run stands in the pool.</summary>
public enum RunStanding
{
    /// <summary>In the queue, holding nothing.</summary>
    Waiting,

    /// <summary>Holds its devices and runs.</summary>
    Leased,

    /// <summary>Holds its devices while it checkpoints and steps aside; then it waits again.</summary>
    Stopping,

    /// <summary>Cancelled while holding devices: it holds them until its worker has stopped it, then leaves the pool.</summary>
    Cancelled,
}

/// <summary>
/// An admitted run as the <see cref="PoolLedger"/> keeps it: the policy's view of it and what its worker needs to run
/// it. Built by the caller for <see cref="PoolLedger.Admit"/>; from then on only the ledger changes it.
/// </summary>
public sealed class LedgerRun
{
    private PoolRun _run = null!;
    private int _attempt;
    private bool _cancelled;
    private int _step;
    private TimeSpan _heldBefore;
    private int _segmentStep;
    private DateTimeOffset? _segmentStart;
    private TimeSpan? _left;
    private TimeSpan _perStep;
    private DateTimeOffset _progressAt;

    /// <summary>The run as the policy sees it (its lease, whether it is stepping aside, its reservation, its estimate).</summary>
    public required PoolRun Run { get => _run; init => _run = value; }

    public Guid Id => _run.Id;

    /// <summary>The member who submitted it (a member may have only so many runs waiting).</summary>
    public Guid Owner { get; init; }

    /// <summary>What its worker runs, handed on in its orders.</summary>
    public string Config { get; init; } = "";

    /// <summary>Steps it runs in all; with the steps its worker reports, what its estimate is learned from (0: not learned).</summary>
    public int TotalSteps { get; init; }

    /// <summary>Placements so far; the current lease is this one, and reports of an earlier one are stale.</summary>
    public int Attempt { get => _attempt; init => _attempt = value; }

    /// <summary>Cancelled while holding devices: its worker is told to stop it, and then it leaves the pool.</summary>
    public bool Cancelled { get => _cancelled; init => _cancelled = value; }

    /// <summary>The last step its worker reported.</summary>
    public int Step { get => _step; init => _step = value; }

    /// <summary>Time its ended leases held devices (the lab bounds a run's time on the pool).</summary>
    public TimeSpan HeldBefore { get => _heldBefore; init => _heldBefore = value; }

    public RunStanding Standing => _run.Lease is null ? RunStanding.Waiting
        : _cancelled ? RunStanding.Cancelled
        : _run.Stopping ? RunStanding.Stopping
        : RunStanding.Leased;

    /// <summary>Time it has held devices up to <paramref name="now"/>: its ended leases and the one it holds.</summary>
    public TimeSpan HeldAt(DateTimeOffset now) =>
        _heldBefore + (_run.Lease is { } lease && now > lease.StartedAt ? now - lease.StartedAt : TimeSpan.Zero);

    /// <summary>Position in the ledger's list of runs handed to the policy.</summary>
    internal int Slot { get; set; } = -1;

    /// <summary>The generation of its lease's node when the lease was granted (see <see cref="LedgerNode.Generation"/>).</summary>
    internal int LeaseGeneration { get; set; }

    internal void Set(PoolRun run) => _run = run;

    internal void Place(PoolRun run, int generation)
    {
        _run = run;
        _attempt++;
        LeaseGeneration = generation;
        _segmentStart = null;
    }

    /// <summary>Its lease ends: what it held is counted, and what it still needs is what it had left at its pace, if learned.</summary>
    internal void EndLease(DateTimeOffset now)
    {
        _heldBefore = HeldAt(now);
        _segmentStart = null;
        if (_left is { } left)
        {
            _run = _run with { Estimate = left };
            _left = null;
        }
    }

    internal void Cancel() => _cancelled = true;

    internal void Started(int step, DateTimeOffset now)
    {
        _segmentStep = step;
        _segmentStart = now;
        _step = step;
    }

    /// <summary>
    /// Learns how fast the run goes, so that waiting runs get a better estimated start. The policy reads a running run's
    /// estimate from the start of its lease: the time it has run so far plus the steps left at its pace.
    /// </summary>
    internal void Progressed(int step, DateTimeOffset now)
    {
        _step = Math.Max(_step, step);
        if (TotalSteps > 0 && _run.Lease is { } lease && _segmentStart is { } since && _step > _segmentStep && now > since)
        {
            _perStep = (now - since) / (_step - _segmentStep);
            _progressAt = now;
            _left = _perStep * Math.Max(0, TotalSteps - _step);
            _run = _run with { Estimate = (now - lease.StartedAt) + _left };
        }
    }

    /// <summary>
    /// A run slower than its pace promised (its steps left should be done by now, and it has not ended) still needs at
    /// least a step at its pace: its estimate moves so that it ends no earlier than that, never in the past. Answers
    /// whether the estimate changed. Runs whose pace is not known keep the estimate they were given.
    /// </summary>
    internal bool Overdue(DateTimeOffset now)
    {
        if (_left is not { } left || _run.Lease is not { } lease || _segmentStart is null)
        {
            return false;
        }
        var soonest = now + _perStep;
        if (_progressAt + left >= soonest)
        {
            return false;
        }
        _run = _run with { Estimate = soonest - lease.StartedAt };
        return true;
    }
}
