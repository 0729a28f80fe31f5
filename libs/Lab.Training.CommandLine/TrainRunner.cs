using Lab.Training.Checkpoints;
using Lab.Training.Configuration;
using Lab.Training.Engine;

namespace Lab.Training.CommandLine;

/// <summary>Runs one <c>lab train</c> invocation: configuration, trainer, outside requests, exit code.</summary>
internal static class TrainRunner
{
    public const int Finished = 0;
    public const int Failed = 1;
    public const int Refused = 2;

    public static Task<int> RunAsync(TrainRequest request, ITrainOutput output, CancellationToken cancellationToken)
    {
        var control = new TrainingControl();
        var done = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        // A foreground thread: if the command line's own termination handling gives up waiting after a signal, the
        // process still lives until the checkpoint is on disk.
        var thread = new Thread(() => done.SetResult(Train(request, output, control, cancellationToken)))
        {
            IsBackground = false,
            Name = "lab train",
        };
        thread.Start();
        return done.Task;
    }

    private static int Train(TrainRequest request, ITrainOutput output, TrainingControl control, CancellationToken cancellationToken)
    {
        using var requests = new OutsideRequests(control, request.StopWhenInputEnds);
        using var cancellation = control.StopWhenCancelled(cancellationToken);
        try
        {
            var devices = request.DeviceIndexes();
            var config = request.Resolve(output.Report);
            using var trainer = request.Resume
                ? Trainer.Resume(config, request.Output, output.Report, devices)
                : Trainer.Start(config, request.Output, output.Report, devices);
            return output.Run(trainer, control) == TrainingOutcome.Finished ? Finished : requests.StoppedExitCode;
        }
        catch (Exception e) when (e is ConfigException or CheckpointException)
        {
            output.Error(e.Message);
            return Refused;
        }
        catch (Exception e)
        {
            output.Error(e is TrainingDivergedException ? e.Message : $"{e.GetType().Name}: {e.Message}");
            return Failed;
        }
    }
}
