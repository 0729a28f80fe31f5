namespace Lab.Scheduling;

/// <summary>What a <see cref="PoolLedger"/> holds the pool to, besides the policy's knobs.</summary>
public sealed record LedgerOptions
{
    public static LedgerOptions Default { get; } = new();

    public SchedulingOptions Policy { get; init; } = SchedulingOptions.Default;

    /// <summary>Weight of each idea in the fair share (the policy's default for the others).</summary>
    public IReadOnlyDictionary<Guid, double>? Weights { get; init; }

    /// <summary>A live node not heard from for longer than this is silent (see <see cref="PoolLedger.Silent"/>); null: a node is lost only when told.</summary>
    public TimeSpan? HeartbeatTimeout { get; init; }

    /// <summary>A run that has held devices longer than this, over all its leases, is over time (see <see cref="PoolLedger.OverTime"/>); null: no bound.</summary>
    public TimeSpan? MaxRunTime { get; init; }
}
