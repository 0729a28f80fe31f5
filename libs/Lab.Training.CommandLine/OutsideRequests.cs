using System.Runtime.InteropServices;
using Lab.Training.Engine;

namespace Lab.Training.CommandLine;

/// <summary>
/// Turns what the outside world asks of a running <c>lab train</c> into requests at the next step boundary:
/// SIGINT, SIGTERM or a line <c>stop</c> on standard input save a checkpoint and stop; SIGUSR1 or a line
/// <c>checkpoint</c> save one and carry on. With <c>stopWhenInputEnds</c>, standard input closing (the supervisor
/// holding the other end died) saves a checkpoint and stops too.
/// </summary>
internal sealed class OutsideRequests : IDisposable
{
    private const int InterruptedExitCode = 130;
    private const int TerminatedExitCode = 143;

    private readonly TrainingControl _control;
    private readonly List<PosixSignalRegistration> _signals = [];
    private volatile int _stoppedExitCode = InterruptedExitCode;

    private readonly bool _stopWhenInputEnds;

    public OutsideRequests(TrainingControl control, bool stopWhenInputEnds = false)
    {
        _control = control;
        _stopWhenInputEnds = stopWhenInputEnds;
        _signals.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, OnStopSignal));
        _signals.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnStopSignal));
        if (UserSignal1() is { } usr1)
        {
            _signals.Add(PosixSignalRegistration.Create(usr1, context =>
            {
                context.Cancel = true;
                _control.RequestCheckpoint();
            }));
        }
        new Thread(ReadStandardInput) { IsBackground = true, Name = "lab train stdin" }.Start();
    }

    /// <summary>The exit code of a run that stopped early: 128 + the signal, as shells report it.</summary>
    public int StoppedExitCode => _stoppedExitCode;

    public void Dispose()
    {
        foreach (var signal in _signals)
        {
            signal.Dispose();
        }
    }

    private void OnStopSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        _stoppedExitCode = context.Signal == PosixSignal.SIGTERM ? TerminatedExitCode : InterruptedExitCode;
        _control.RequestStop();
    }

    private void ReadStandardInput()
    {
        try
        {
            while (Console.In.ReadLine() is { } line)
            {
                switch (line.Trim().ToLowerInvariant())
                {
                    case "checkpoint":
                        _control.RequestCheckpoint();
                        break;
                    case "stop":
                        _control.RequestStop();
                        break;
                }
            }
            if (_stopWhenInputEnds)
            {
                _control.RequestStop();
            }
        }
        catch (IOException)
        {
            // No readable standard input: signals remain.
        }
    }

    /// <summary>SIGUSR1 by its raw number, which PosixSignal has no name for (Linux 10, macOS and BSD 30).</summary>
    private static PosixSignal? UserSignal1() =>
        OperatingSystem.IsLinux() ? (PosixSignal)10
        : OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD() ? (PosixSignal)30
        : null;
}
