using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace Lab.Worker;

/// <summary>
/// The program this worker starts for each run placed here, with <c>train ...</c> appended. The <c>Worker:TrainCommand</c>
/// setting names one (e.g. <c>dotnet /opt/lab/lab.dll</c>); otherwise it is this process's own program, which has the
/// <c>train</c> command: the worker's (<c>Lab.Worker train</c>, in Aspire or a worker container), or <c>lab</c> inside
/// <c>lab up</c>; its apphost, or <c>dotnet</c> with its assembly when it was started that way.
/// </summary>
public sealed record TrainingProgram(string FileName, IReadOnlyList<string> LeadingArguments)
{
    public static TrainingProgram Resolve(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            var words = Split(configured);
            return new TrainingProgram(words[0], words[1..]);
        }
        var process = Environment.ProcessPath ?? "dotnet";
        // Started as "dotnet X.dll": the same host with the same assembly.
        return Path.GetFileNameWithoutExtension(process) == "dotnet" && Assembly.GetEntryAssembly()?.Location is { Length: > 0 } entry
            ? new TrainingProgram(process, [entry])
            : new TrainingProgram(process, []);
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
