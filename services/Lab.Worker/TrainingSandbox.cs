using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Lab.Worker;

/// <summary>
/// What a training process may touch. It gets a clean environment (none of the worker's settings, tokens or
/// connection strings), a memory bound (RLIMIT_DATA: an allocation beyond it fails, and the engine reports it), a lower
/// scheduling priority than the services, and, where the worker runs as root, a user of its own: a numeric id derived
/// from the run, that owns the run's folder (mode 0700) and nothing else, so a run reads neither Lab's data folder and
/// secrets nor another run's folder. Where the worker is not root, the process runs as the worker's user; what it reads
/// is still only what the lab hands it (the built-in corpus or a data set copied into its folder).
/// </summary>
public sealed partial class TrainingSandbox(WorkerOptions options, ILogger logger)
{
    /// <summary>Run users are numbered from here, above the ids systems hand out to people and services.</summary>
    public const uint FirstRunUser = 200_000;
    private const uint RunUsers = 60_000;

    private static readonly string[] KeptVariables = ["PATH", "LANG", "LC_ALL", "TZ", "DOTNET_ROOT", "LD_LIBRARY_PATH", "CUDA_VISIBLE_DEVICES", "CUDA_DEVICE_ORDER"];
    private static readonly string[] KeptPrefixes = ["DOTNET_", "OMP_", "MKL_", "KMP_"];

    private readonly Lazy<string?> _setpriv = new(() => Find("setpriv"));
    private readonly Lazy<string?> _prlimit = new(() => Find("prlimit"));

    public bool SwitchesUser => options.Sandbox && IsRoot && _setpriv.Value is not null;

    /// <summary>
    /// Whether a run's user can start <paramref name="program"/>: its files readable and its folders passable by anyone.
    /// A program kept where only root may look (a checkout under /root) cannot run as another user.
    /// </summary>
    public static bool OthersCanRun(ProcessStartInfo program) =>
        OperatingSystem.IsWindows() || program.ArgumentList.Take(1).Where(a => a.EndsWith(".dll", StringComparison.Ordinal)).Prepend(program.FileName)
            .Where(File.Exists)
            .All(OthersCanRead);

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static bool OthersCanRead(string file) =>
        File.GetUnixFileMode(file).HasFlag(UnixFileMode.OtherRead)
        && Ancestors(file).All(folder => File.GetUnixFileMode(folder).HasFlag(UnixFileMode.OtherExecute));

    private static IEnumerable<string> Ancestors(string file)
    {
        for (var folder = Path.GetDirectoryName(Path.GetFullPath(file)); !string.IsNullOrEmpty(folder); folder = Path.GetDirectoryName(folder))
        {
            yield return folder;
        }
    }

    /// <summary>
    /// The memory one training process may allocate (bytes): <c>Worker:RunMemoryLimit</c>, or three quarters of the
    /// machine's times the <paramref name="share"/> of the node's devices the run holds (runs on CPU slices or on some of
    /// a node's GPUs share the machine).
    /// </summary>
    public long MemoryLimit(double share = 1) =>
        options.RunMemoryLimit ?? (long)(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * 0.75 * Math.Clamp(share, 0, 1));

    /// <summary>The user a run's process runs as (when the worker is root).</summary>
    public static uint UserOf(Guid run) => FirstRunUser + (uint)(BitConverter.ToUInt32(run.ToByteArray(), 12) % RunUsers);

    /// <summary>Hands the run's folder to its user, before anything of the run is written by it.</summary>
    public void PrepareFolder(Guid run, string folder)
    {
        if (OperatingSystem.IsWindows() || !SwitchesUser)
        {
            return;
        }
        var user = UserOf(run);
        foreach (var path in Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories).Prepend(folder))
        {
            if (Chown(path, user, user) != 0)
            {
                throw new IOException($"the run's folder could not be handed to its user ({Marshal.GetLastPInvokeError()})");
            }
        }
        File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>
    /// The start of the training process inside the sandbox: a clean environment (the variables the program's start
    /// sets among those kept, such as its devices') and the bounds around the program, with its share of the memory.
    /// </summary>
    public ProcessStartInfo Wrap(ProcessStartInfo program, Guid run, string folder, double memoryShare = 1)
    {
        var wrapped = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardInput = program.RedirectStandardInput,
            RedirectStandardOutput = program.RedirectStandardOutput,
            RedirectStandardError = program.RedirectStandardError,
            WorkingDirectory = folder,
        };
        var inherited = program.Environment.ToDictionary();
        wrapped.Environment.Clear();
        foreach (var (name, value) in inherited.Where(v => KeptVariables.Contains(v.Key) || KeptPrefixes.Any(p => v.Key.StartsWith(p, StringComparison.Ordinal))))
        {
            wrapped.Environment[name] = value;
        }
        var temp = Path.Combine(folder, "tmp");
        Directory.CreateDirectory(temp);
        wrapped.Environment["HOME"] = folder;
        wrapped.Environment["TMPDIR"] = temp;
        wrapped.Environment["DOTNET_CLI_HOME"] = folder;

        List<string> command = [];
        if (Find("nice") is { } nice)
        {
            command.AddRange([nice, "-n", "10"]);
        }
        if (_prlimit.Value is { } prlimit)
        {
            command.AddRange([prlimit, $"--data={MemoryLimit(memoryShare)}", "--core=0", "--"]);
        }
        if (SwitchesUser && OthersCanRun(program))
        {
            var user = UserOf(run).ToString(System.Globalization.CultureInfo.InvariantCulture);
            command.AddRange([_setpriv.Value!, $"--reuid={user}", $"--regid={user}", "--clear-groups", "--no-new-privs", "--inh-caps=-all", "--"]);
        }
        else if (options.Sandbox && IsRoot)
        {
            LogNoUserSwitch(program.FileName);
        }
        command.Add(program.FileName);
        command.AddRange(program.ArgumentList);
        wrapped.FileName = command[0];
        foreach (var argument in command.Skip(1))
        {
            wrapped.ArgumentList.Add(argument);
        }
        return wrapped;
    }

    private static bool IsRoot => !OperatingSystem.IsWindows() && GetEffectiveUserId() == 0;

    private static string? Find(string program) =>
        new[] { "/usr/bin", "/bin", "/usr/sbin", "/sbin" }.Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();

    [LibraryImport("libc", EntryPoint = "chown", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Chown(string path, uint owner, uint group);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Training processes run as the worker's own user: setpriv is missing, or {Program} is not readable by other users")]
    private partial void LogNoUserSwitch(string program);
}
