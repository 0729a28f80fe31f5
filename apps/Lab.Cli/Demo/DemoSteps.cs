using System.Diagnostics;
using Spectre.Console;

namespace Lab.Cli.Demo;

/// <summary>A step of the demo that did not do what it should: which step, and what was wrong.</summary>
public sealed class DemoStepFailed(string step, string problem, Exception? inner = null)
    : Exception($"The step \"{step}\" failed: {problem}", inner)
{
    public string Step { get; } = step;
    public string Problem { get; } = problem;
}

/// <summary>A check inside a step that found the lab's answer was not what the step expected.</summary>
public sealed class DemoCheckFailed(string what) : Exception(what);

/// <summary>
/// The demo's steps as a person watches them: each step as it begins, what it found, and how long it took; a step that
/// throws (a refused call, a check that did not hold, a wait in vain) ends the demo with the step named.
/// </summary>
public sealed class DemoSteps
{
    private readonly Stopwatch _total = Stopwatch.StartNew();

    public int Succeeded { get; private set; }

    public TimeSpan Elapsed => _total.Elapsed;

    public async Task<T> RunAsync<T>(string step, Func<Task<T>> action)
    {
        AnsiConsole.MarkupLine($"[grey]…[/] {Markup.Escape(step)}");
        var clock = Stopwatch.StartNew();
        T result;
        try
        {
            result = await action();
        }
        catch (Exception e) when (e is not OperationCanceledException and not DemoStepFailed)
        {
            throw new DemoStepFailed(step, e.Message, e);
        }
        Succeeded++;
        AnsiConsole.MarkupLine($"[green]✓[/] {Markup.Escape(step)} [grey]({clock.Elapsed.TotalSeconds:0.0} s)[/]");
        return result;
    }

    public Task RunAsync(string step, Func<Task> action) => RunAsync(step, async () =>
    {
        await action();
        return true;
    });

    /// <summary>A line about what the current step found or did.</summary>
    public static void Say(string markup) => AnsiConsole.MarkupLine("    " + markup);

    /// <summary>Throws <see cref="DemoCheckFailed"/> with <paramref name="what"/> when <paramref name="holds"/> is false.</summary>
    public static void Check(bool holds, string what)
    {
        if (!holds)
        {
            throw new DemoCheckFailed(what);
        }
    }

    /// <summary>Asks <paramref name="read"/> every <paramref name="every"/> until <paramref name="done"/> holds; its last answer, or a timeout naming <paramref name="what"/>.</summary>
    public static async Task<T> WaitAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what, TimeSpan timeout, TimeSpan every, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var answer = await read();
            if (done(answer))
            {
                return answer;
            }
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"waited {timeout.TotalSeconds:0} s in vain until {what}");
            }
            await Task.Delay(every, cancellationToken);
        }
    }
}
