using System.ComponentModel;
using System.Diagnostics;

namespace Lab.Deploy.Tests.Model;

/// <summary>Runs the command-line tools the checks need (kubectl, node, npm) and returns what they print.</summary>
public static class Tool
{
    public static string Run(string program, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout, string? standardInput = null)
    {
        var start = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput is not null,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        var commandLine = string.Join(' ', start.ArgumentList.Prepend(program));

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(
                $"'{program}' could not be started ({e.Message}). The deployment tests need kubectl (with its built-in kustomize), node and npm on PATH.", e);
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            if (standardInput is not null)
            {
                process.StandardInput.Write(standardInput);
                process.StandardInput.Close();
            }
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{commandLine} did not finish within {timeout}.");
            }
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{commandLine} exited with {process.ExitCode}:\n{errors.GetAwaiter().GetResult()}");
            }
            return output.GetAwaiter().GetResult();
        }
    }
}
