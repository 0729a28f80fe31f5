using Orleans.Configuration;

namespace Lab.Clustering;

/// <summary>
/// How quickly the cluster decides that a silo is gone. Measured on loopback with three silos (README, "Running
/// beyond one machine"): after <c>kill -9</c> of one, calls to its grains failed for about 6 s, then the grains
/// reactivated on the survivors.
/// </summary>
public static class FailureDetection
{
    /// <summary>How often a silo writes its heartbeat into the membership table.</summary>
    public static readonly TimeSpan HeartbeatPeriod = TimeSpan.FromSeconds(5);

    public static void Apply(ClusterMembershipOptions options)
    {
        // Detection between live silos keeps Orleans' defaults: probes every 5 s, a silo that misses 3 is suspected, 2
        // votes declare it dead. A killed process refuses connections, so its probes fail at once and it is declared
        // dead within about two probe periods; one that goes silent takes up to three. Shorter probes would make a
        // false declaration (which stops a healthy silo) likelier on a loaded 2-core machine, and gain a few seconds.
        //
        // A silo that joins must reach every silo the table calls active, unless that silo's heartbeat is stale:
        // when every silo died at once (lab up killed, a whole cluster restarted), the joiner waits for the old
        // entries to go stale. With Orleans' 30 s heartbeat that was 90 s (seen: a restart after kill -9 took 103 s);
        // a 5 s heartbeat makes it 15 s, for one small UPDATE per silo every 5 s.
        options.IAmAliveTablePublishTimeout = HeartbeatPeriod;
        options.NumMissedTableIAmAliveLimit = 3;
    }
}
