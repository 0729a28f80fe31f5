using System.Text;
using Lab.Contracts.Runs;

namespace Lab.Worker;

/// <summary>
/// A run's training log: every line its training processes printed (standard output as the engine wrote it, standard
/// error marked as such), placement after placement, with the run's folder named as such and no other path of the
/// machine. Kept beside the run folders (<see cref="RunFiles.LogOf"/>), where only the worker writes, and served by
/// the API to members. It stops growing at <see cref="WorkerOptions.TrainingLogMaxBytes"/>, saying so.
/// </summary>
public sealed class TrainingLog : IDisposable
{
    private readonly Lock _lock = new();
    private readonly FileStream? _file;
    private readonly long _maxBytes;
    private bool _full;

    private TrainingLog(FileStream? file, long maxBytes) => (_file, _maxBytes) = (file, maxBytes);

    /// <summary>
    /// Opens the run's log for appending. A log that cannot be written (a read-only root, a full disk) is no reason to
    /// fail the run: it trains without one, and <paramref name="problem"/> says why.
    /// </summary>
    public static TrainingLog Open(string root, Guid run, long maxBytes, out string? problem)
    {
        problem = null;
        try
        {
            // The worker's own (mode 0700): a training process, whatever its user, reads no other run's log.
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(RunFiles.LogsFolder(root));
            }
            else
            {
                Directory.CreateDirectory(RunFiles.LogsFolder(root), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            var file = new FileStream(RunFiles.LogOf(root, run), FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            return new TrainingLog(file, maxBytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = e.Message;
            return new TrainingLog(null, maxBytes);
        }
    }

    public void Write(string line)
    {
        lock (_lock)
        {
            if (_file is null || _full)
            {
                return;
            }
            var bytes = Encoding.UTF8.GetBytes(line.ReplaceLineEndings(" ") + "\n");
            try
            {
                if (_file.Length + bytes.Length > _maxBytes)
                {
                    _full = true;
                    bytes = Encoding.UTF8.GetBytes($"# the log stops here: it reached {_maxBytes} bytes (Worker:TrainingLogMaxBytes); the run's metrics go on\n");
                }
                _file.Write(bytes);
                _file.Flush();
            }
            catch (IOException)
            {
                _full = true; // a full disk: the run goes on without its log
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _file?.Dispose();
        }
    }
}
