using System.Diagnostics;
using System.Text.Json;

namespace Lab.Testing;

/// <summary>
/// One run of the built <c>lab</c> client command, as a person or a script runs it: no input, no colours, no LAB_
/// variables but the ones given, and what it printed and returned.
/// </summary>
public static class LabCommand
{
    /// <summary>
    /// How to start the built <c>lab</c> (or another built program, e.g. <see cref="RepositoryPaths.Worker"/>) with these
    /// arguments, its standard streams redirected.
    /// </summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> arguments, string? program = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(program ?? RepositoryPaths.LabCli);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        return start;
    }

    public static async Task<LabCommandResult> RunAsync(IEnumerable<string> arguments, IDictionary<string, string?> environment, TimeSpan? timeout = null)
    {
        var start = StartInfo(arguments);
        foreach (var variable in start.Environment.Keys.Where(k => k.StartsWith("LAB_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(variable);
        }
        start.Environment["NO_COLOR"] = "1";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(1));
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"lab {string.Join(' ', start.ArgumentList.Skip(1))} did not end within {timeout ?? TimeSpan.FromMinutes(1)}.");
        }
        return new LabCommandResult(process.ExitCode, await stdout, await stderr, string.Join(' ', start.ArgumentList.Skip(1)));
    }
}

/// <summary>What one <c>lab</c> command did; its <see cref="ToString"/> says everything a failed assertion needs.</summary>
public sealed record LabCommandResult(int ExitCode, string Stdout, string Stderr, string Command)
{
    /// <summary>Its standard output as one JSON document (what <c>--json</c> prints).</summary>
    public JsonElement Json() => JsonDocument.Parse(Stdout).RootElement.Clone();

    /// <summary>Its standard output as JSON lines.</summary>
    public IReadOnlyList<JsonElement> JsonLines() =>
        [.. Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    public override string ToString() => $"lab {Command} exited {ExitCode}{Environment.NewLine}{Stdout}{Environment.NewLine}{Stderr}";
}
