using System.Text.RegularExpressions;

namespace Lab.Contracts.Runs;

/// <summary>
/// Where a run's files lie under the root the workers share (<c>Worker:CheckpointRoot</c>; the API reads the same root
/// as <c>Lab:RunFiles:Root</c> to serve downloads): one folder per run, which its sandboxed training process owns, and
/// the training log beside it, which only the worker writes. Nothing a member sends becomes part of a path: only the
/// run's id (a GUID) and the name of its newest checkpoint as its stream recorded it.
/// </summary>
public static partial class RunFiles
{
    /// <summary>The run's own folder: its configuration, its data and its checkpoints.</summary>
    public static string FolderOf(string root, Guid run) => Path.Combine(root, "runs", run.ToString("D"));

    /// <summary>The folder of training logs, one file per run, out of every training process' reach.</summary>
    public static string LogsFolder(string root) => Path.Combine(root, "logs");

    /// <summary>What the run's training processes printed, every placement one after the other.</summary>
    public static string LogOf(string root, Guid run) => Path.Combine(LogsFolder(root), run.ToString("D") + ".log");

    /// <summary>The checkpoint <paramref name="fileName"/> of the run (its name as the engine writes it), or null for any other name.</summary>
    public static string? CheckpointOf(string root, Guid run, string fileName) =>
        CheckpointName().IsMatch(fileName) ? Path.Combine(FolderOf(root, run), "checkpoints", fileName) : null;

    /// <summary>The path's end that a checkpoint of <paramref name="run"/> must have once every link is followed.</summary>
    public static string CheckpointSuffix(Guid run, string fileName) =>
        string.Join(Path.DirectorySeparatorChar, "", "runs", run.ToString("D"), "checkpoints", fileName);

    /// <summary>The path's end that the training log of <paramref name="run"/> must have once every link is followed.</summary>
    public static string LogSuffix(Guid run) => string.Join(Path.DirectorySeparatorChar, "", "logs", run.ToString("D") + ".log");

    [GeneratedRegex(@"^step-[0-9]{1,10}\.ckpt$")]
    private static partial Regex CheckpointName();
}
