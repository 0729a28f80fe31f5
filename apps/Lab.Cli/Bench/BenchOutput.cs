using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace Lab.Cli.Bench;

/// <summary>What every <c>lab bench</c> command prints the same way: progress, refusals, and the figures as the last JSON line.</summary>
public static class BenchOutput
{
    /// <summary>snake_case figures; a figure that could not be measured (NaN) is written as such rather than failing.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static System.CommandLine.Option<bool> JsonOption() => new("--json") { Description = "End with the figures as one line of JSON." };

    /// <summary>Bad options: one JSON line saying why on standard error, and exit code 2.</summary>
    public static int Refuse(string why)
    {
        Console.Error.WriteLine(JsonSerializer.Serialize(new { error = why }));
        return 2;
    }

    /// <summary>
    /// A training bench whose run configuration is refused: the training protocol's error line (the only line, with
    /// <c>--json</c>) or a sentence, and exit code 2.
    /// </summary>
    public static int RefuseConfig(string why, bool asJson)
    {
        if (asJson)
        {
            Console.WriteLine(new Lab.Training.Protocol.ErrorEvent(why).ToJson());
        }
        else
        {
            AnsiConsole.MarkupLine($"[red bold]Cannot run the bench:[/] {Markup.Escape(why)}");
        }
        return 2;
    }

    /// <summary>Each step as it begins, unless the output is the JSON line alone.</summary>
    public static IProgress<string> Progress(bool quiet) => new Progress<string>(line =>
    {
        if (!quiet)
        {
            AnsiConsole.MarkupLine($"[grey]…[/] {Markup.Escape(line)}");
        }
    });

    /// <summary>The figures as one line of JSON, the last line the command prints.</summary>
    public static void Figures<T>(T result) => Console.WriteLine(JsonSerializer.Serialize(result, Json));

    public static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>A figure that could not be measured here reads as "n/a".</summary>
    public static string F(double? value, string format) => value is { } known ? F(known, format) : "n/a";
}
