using Lab.Scheduling.Policy;

namespace Lab.Scheduling;

/// <summary>
/// The scheduling policy of the shared pool: a pure function from a <see cref="PoolState"/> to a
/// <see cref="Schedule"/>. Call <see cref="Decide"/> on every change (run submitted or finished, run stepped
/// aside, node joined or lost) and at <see cref="Schedule.WakeAt"/>, then apply the decisions.
/// One instance reuses its working memory between calls, so it is not thread-safe: a <see cref="PoolLedger"/> keeps one.
/// </summary>
/// <remarks>
/// One pass: requeue runs whose node is gone; compute each idea's weighted max-min fair share of the live devices;
/// serve reservations of large runs that waited too long; hand devices already being freed to ideas below their
/// share; start waiting runs on free devices, the idea with the fewest devices per weight first; ask over-share
/// ideas' runs to step aside for ideas still below their share; move runs into scattered idle devices to make
/// room for a large run; say why each remaining run waits and when it should start.
/// </remarks>
public sealed class PoolScheduler
{
    private readonly Pass _pass;
    private readonly Reservations _reservations;
    private readonly Preemption _preemption;
    private readonly Placement _placement;
    private readonly Projection _projection;

    public PoolScheduler(SchedulingOptions? options = null)
    {
        Options = options ?? SchedulingOptions.Default;
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.MinRunTime, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.PreemptAfter, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.ReservationAfter, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.NodesPerReservation, 1, nameof(options));
        _pass = new Pass(Options);
        _reservations = new Reservations(_pass);
        _preemption = new Preemption(_pass);
        _placement = new Placement(_pass);
        _projection = new Projection(_pass);
    }

    public SchedulingOptions Options { get; }

    /// <summary>Decide what the pool should do now.</summary>
    /// <exception cref="ArgumentException">The state is inconsistent (two leases on one device, a lease of the wrong size, duplicate node names, a non-positive weight).</exception>
    public Schedule Decide(PoolState state)
    {
        _pass.Load(state);
        if (Options.FairShare)
        {
            _reservations.Serve();
            _preemption.Run(allowVictims: false);
        }
        _placement.StartRuns();
        if (Options.FairShare)
        {
            _preemption.Run(allowVictims: true);
            _reservations.Defragment();
        }
        return _projection.Describe();
    }
}
