using Lab.Training.Engine;
using Lab.Training.Protocol;

namespace Lab.Training.CommandLine;

/// <summary>
/// <c>--json</c>: one JSON object per line on standard output, flushed as it happens, <c>event</c> first
/// (started, progress, eval, checkpoint, warning, then finished or stopped; error on failure).
/// </summary>
internal sealed class JsonTrainOutput : ITrainOutput
{
    private readonly TextWriter _out = Console.Out;

    public void Report(TrainingEvent trainingEvent) => Write(trainingEvent);

    public TrainingOutcome Run(Trainer trainer, TrainingControl control) => trainer.Run(control);

    public void Error(string message) => Write(new ErrorEvent(message));

    private void Write(TrainingEvent trainingEvent)
    {
        _out.WriteLine(trainingEvent.ToJson());
        _out.Flush();
    }
}
