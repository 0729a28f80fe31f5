using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Lab.Deploy.Tests.Model;

/// <summary>
/// A project as MSBuild evaluates it with a given <c>LabTorch</c> (the CUDA build switch in Directory.Build.props): the
/// properties and items a build with that switch would use, read with <c>dotnet msbuild -getProperty -getItem</c>
/// (evaluation only: nothing is restored or built, so the CUDA package need not be at hand).
/// </summary>
public static class MsBuild
{
    private static readonly ConcurrentDictionary<(string Project, string? Torch), JsonObject> Evaluated = new();

    /// <summary>What a property evaluates to in <paramref name="project"/> (a path from the repository's root).</summary>
    public static string Property(string project, string? torch, string name) =>
        Evaluate(project, torch)["Properties"]?[name]?.GetValue<string>() ?? "";

    /// <summary>The items of a type in <paramref name="project"/>, with their metadata.</summary>
    public static IReadOnlyList<JsonObject> Items(string project, string? torch, string type) =>
        [.. (Evaluate(project, torch)["Items"]?[type]?.AsArray() ?? []).OfType<JsonObject>()];

    /// <summary>Runs one target of <paramref name="project"/>; answers its exit code and what it printed.</summary>
    public static (int ExitCode, string Output) RunTarget(string project, string? torch, string target)
    {
        var start = Start(project, torch, [$"-t:{target}", "-nologo"]);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet msbuild -t:{target} did not finish in time");
        }
        process.WaitForExit();
        return (process.ExitCode, output.GetAwaiter().GetResult() + errors.GetAwaiter().GetResult());
    }

    private static JsonObject Evaluate(string project, string? torch) => Evaluated.GetOrAdd((project, torch), key =>
    {
        // Two properties at least, so that MSBuild answers JSON rather than a bare value.
        string[] queries =
        [
            "-getProperty:MSBuildProjectName", "-getProperty:LabTorch", "-getProperty:ContainerRepository",
            "-getProperty:BaseIntermediateOutputPath", "-getProperty:BaseOutputPath",
            "-getItem:PackageReference", "-getItem:ContainerEnvironmentVariable", "-getItem:Compile",
        ];
        var start = Start(key.Project, key.Torch, queries);
        var program = start.FileName;
        try
        {
            var output = Tool.Run(program, start.ArgumentList, Repository.Root, TimeSpan.FromMinutes(2));
            return JsonNode.Parse(output)!.AsObject();
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException("dotnet could not be started to evaluate the projects.", e);
        }
    });

    private static ProcessStartInfo Start(string project, string? torch, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Repository.Root,
        };
        start.ArgumentList.Add("msbuild");
        start.ArgumentList.Add(Repository.PathOf(project));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        if (torch is not null)
        {
            start.ArgumentList.Add($"-p:LabTorch={torch}");
        }
        return start;
    }
}
