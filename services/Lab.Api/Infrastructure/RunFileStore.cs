using System.Collections.Concurrent;
using Lab.Contracts;
using Lab.Contracts.Runs;
using Microsoft.Extensions.Options;

namespace Lab.Api.Infrastructure;

/// <summary>Where the API finds the files of runs: the folder the workers keep them in (shared with them).</summary>
public sealed class RunFilesOptions
{
    public const string Section = "Lab:RunFiles";

    /// <summary>
    /// The workers' <c>Worker:CheckpointRoot</c> as this API process sees it (a shared volume in Kubernetes); the same
    /// default as the worker's: the <c>checkpoints</c> folder of Lab's data folder.
    /// </summary>
    public string? Root { get; set; }

    /// <summary>Downloads one member may have running at once on this process (a checkpoint can be large).</summary>
    public int MaxDownloadsPerMember { get; set; } = 4;
}

/// <summary>
/// Opens a run's newest checkpoint and its training log for download, from nothing but the run's id and what its stream
/// recorded. A training process owns its run's folder and could leave a link there: a file is served only when, every
/// link followed, it lies where a run's file lies (<see cref="RunFiles"/>), so no other file of the machine can be read.
/// </summary>
public sealed class RunFileStore(IOptions<RunFilesOptions> options)
{
    private readonly ConcurrentDictionary<Guid, int> _downloads = new();

    public string Root { get; } = Path.GetFullPath(options.Value.Root ?? Path.Combine(LabDataFolder.Default(), "checkpoints"));

    public int MaxDownloadsPerMember => options.Value.MaxDownloadsPerMember;

    /// <summary>The run's checkpoint named <paramref name="fileName"/> (as its stream recorded it), or null when it is not here.</summary>
    public FileStream? OpenCheckpoint(Guid run, string fileName) =>
        RunFiles.CheckpointOf(Root, run, fileName) is { } path ? OpenWithin(path, RunFiles.CheckpointSuffix(run, fileName)) : null;

    /// <summary>The run's training log, or null when no worker that shares this root has written one.</summary>
    public FileStream? OpenLog(Guid run) => OpenWithin(RunFiles.LogOf(Root, run), RunFiles.LogSuffix(run));

    /// <summary>A place for one more download of <paramref name="member"/>, released when disposed; null when they have as many as allowed.</summary>
    public IDisposable? TakeDownloadPlace(Guid member)
    {
        if (_downloads.AddOrUpdate(member, 1, (_, n) => n + 1) > MaxDownloadsPerMember)
        {
            Release(member);
            return null;
        }
        return new Place(this, member);
    }

    private void Release(Guid member)
    {
        if (_downloads.AddOrUpdate(member, 0, (_, n) => n - 1) <= 0)
        {
            _downloads.TryRemove(KeyValuePair.Create(member, 0));
        }
    }

    private static FileStream? OpenWithin(string path, string suffix)
    {
        if (!OperatingSystem.IsLinux() && (new FileInfo(path).LinkTarget is not null || new DirectoryInfo(Path.GetDirectoryName(path)!).LinkTarget is not null))
        {
            return null;
        }
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        if (OperatingSystem.IsLinux() && !RealPathOf(file).EndsWith(suffix, StringComparison.Ordinal))
        {
            file.Dispose();
            return null;
        }
        return file;
    }

    /// <summary>Where an open file really is, every link followed (Linux keeps it as the link /proc/self/fd/N).</summary>
    private static string RealPathOf(FileStream file) =>
        new FileInfo($"/proc/self/fd/{file.SafeFileHandle.DangerousGetHandle()}").LinkTarget ?? "";

    private sealed class Place(RunFileStore store, Guid member) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                store.Release(member);
            }
        }
    }
}
