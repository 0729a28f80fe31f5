using System.Diagnostics;
using System.Text;

namespace Lab.Hosting;

/// <summary>Runs a short-lived command to completion and keeps what it printed, for error messages.</summary>
public static class ProcessRunner
{
    public sealed record Result(int ExitCode, string Output)
    {
        public bool Succeeded => ExitCode == 0;
    }

    public static async Task<Result> RunAsync(string fileName, IEnumerable<string> arguments, CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            // A child started in a folder the target user cannot read fails in confusing ways.
            WorkingDirectory = "/",
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = start };
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true); // a command given up on does not linger
            throw;
        }
        process.WaitForExit(); // flushes the asynchronous output readers
        lock (output)
        {
            return new Result(process.ExitCode, output.ToString().Trim());
        }
    }

    public static async Task<string> RunCheckedAsync(string fileName, IEnumerable<string> arguments, string what, CancellationToken cancellationToken = default)
    {
        var result = await RunAsync(fileName, arguments, cancellationToken);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"{what} failed (exit code {result.ExitCode}): {result.Output}");
        }
        return result.Output;
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (output)
        {
            output.AppendLine(line);
        }
    }
}
