using Lab.Training.Engine;
using Lab.Training.Protocol;

namespace Lab.Training.CommandLine;

/// <summary>How <c>lab train</c> shows a run: JSON lines for programs, a progress bar for people.</summary>
internal interface ITrainOutput
{
    /// <summary>Receives every event of the run, including warnings raised before it starts.</summary>
    void Report(TrainingEvent trainingEvent);

    TrainingOutcome Run(Trainer trainer, TrainingControl control);

    void Error(string message);
}
