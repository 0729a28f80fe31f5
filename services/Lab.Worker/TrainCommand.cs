using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace Lab.Worker;

/// <summary>
/// How this worker starts the training engine (<c>lab train</c>). Three ways: the <c>Worker:TrainCommand</c> setting (a
/// separate worker process, or tests: e.g. <c>dotnet /opt/lab/lab.dll</c>); else, inside <c>lab up</c>, the same
/// <c>lab</c> program this process runs (its apphost, or <c>dotnet lab.dll</c>); else none, and runs placed here fail
/// with a message saying what to set.
/// </summary>
public sealed record TrainCommand(string FileName, IReadOnlyList<string> LeadingArguments)
{
    public const string LabAssemblyName = "lab";

    public static TrainCommand? Resolve(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            var words = Split(configured);
            return new TrainCommand(words[0], words[1..]);
        }
        var entry = Assembly.GetEntryAssembly();
        var process = Environment.ProcessPath;
        if (entry?.GetName().Name != LabAssemblyName || process is null)
        {
            return null;
        }
        return Path.GetFileNameWithoutExtension(process) == "dotnet"
            ? new TrainCommand(process, [entry.Location])
            : new TrainCommand(process, []);
    }

    public ProcessStartInfo StartInfo(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(FileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in LeadingArguments.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }
        return start;
    }

    public override string ToString() => string.Join(' ', LeadingArguments.Prepend(FileName));

    /// <summary>Splits a command line on spaces, keeping double-quoted parts (paths with spaces) whole.</summary>
    public static string[] Split(string commandLine)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var quoted = false;
        var any = false;
        foreach (var c in commandLine)
        {
            if (c == '"')
            {
                quoted = !quoted;
                any = true;
            }
            else if (char.IsWhiteSpace(c) && !quoted)
            {
                if (any)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    any = false;
                }
            }
            else
            {
                word.Append(c);
                any = true;
            }
        }
        if (any)
        {
            words.Add(word.ToString());
        }
        return words.Count > 0 ? [.. words] : throw new ArgumentException("The training command is empty.", nameof(commandLine));
    }
}
