namespace Lab.Scheduling.Policy;

/// <summary>Where a run stands during one pass.</summary>
internal enum RunFate : byte
{
    /// <summary>Holds its lease and keeps it.</summary>
    Running,

    /// <summary>Holds its lease while it steps aside (asked in an earlier pass).</summary>
    Stopping,

    /// <summary>Asked in this pass to step aside.</summary>
    Preempted,

    /// <summary>Started in this pass.</summary>
    Started,

    /// <summary>In the queue.</summary>
    Waiting,

    /// <summary>Waits for devices of its node that are being freed for it.</summary>
    Claimed,

    /// <summary>Waits for its reserved node to empty.</summary>
    Reserved,
}
