namespace Lab.Training.Engine;

/// <summary>
/// Requests from outside the training thread (signals, stdin, cancellation, tests). Both are honoured at the next
/// step boundary, so a checkpoint never holds half a step.
/// </summary>
public sealed class TrainingControl
{
    private volatile bool _stop;
    private int _checkpoint;

    public bool StopRequested => _stop;

    /// <summary>Save a checkpoint and stop at the next step boundary.</summary>
    public void RequestStop() => _stop = true;

    /// <summary>Save a checkpoint at the next step boundary and carry on.</summary>
    public void RequestCheckpoint() => Interlocked.Exchange(ref _checkpoint, 1);

    /// <summary>Turns cancellation of <paramref name="token"/> into a stop request (checkpoint, then stop).</summary>
    public CancellationTokenRegistration StopWhenCancelled(CancellationToken token) => token.Register(RequestStop);

    internal bool TakeCheckpointRequest() => Interlocked.Exchange(ref _checkpoint, 0) == 1;
}
