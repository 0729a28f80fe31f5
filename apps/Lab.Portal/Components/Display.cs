using System.Globalization;
using Lab.Contracts.Ideas;
using Lab.Contracts.Runs;

namespace Lab.Portal.Components;

/// <summary>How the portal words and formats what the API returns.</summary>
public static class Display
{
    public static string When(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC";

    public static string Status(IdeaStatus status) => status switch
    {
        IdeaStatus.SetAside => "set aside",
        _ => status.ToString().ToLowerInvariant(),
    };

    public static string StatusClass(IdeaStatus status) => "status status-" + status.ToString().ToLowerInvariant();

    public static string Status(RunStatus status) => status.ToString().ToLowerInvariant();

    public static string StatusClass(RunStatus status) => "status run-" + status.ToString().ToLowerInvariant();

    /// <summary>A loss or similar figure, or a dash when there is none yet.</summary>
    public static string Number(double? value) => value is { } v ? v.ToString("0.000", CultureInfo.InvariantCulture) : "–";

    /// <summary>Device time in the largest units that keep it readable: 42 s, 3 min 20 s, 2 h 05 min.</summary>
    public static string Duration(double seconds)
    {
        var time = TimeSpan.FromSeconds(Math.Max(0, seconds));
        return time.TotalHours >= 1 ? $"{(int)time.TotalHours} h {time.Minutes:00} min"
            : time.TotalMinutes >= 1 ? $"{time.Minutes} min {time.Seconds:00} s"
            : $"{time.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s";
    }

    /// <summary>When a waiting run should start, in words.</summary>
    public static string EstimatedStart(DateTimeOffset? at)
    {
        if (at is not { } start)
        {
            return "not known (no live node can take it now)";
        }
        var wait = start - DateTimeOffset.UtcNow;
        return wait <= TimeSpan.Zero ? "any moment now" : $"in about {Duration(wait.TotalSeconds)} ({When(start)})";
    }

    /// <summary>A refusal as the person who asked reads it: its title and its detail, each a sentence ("Not allowed. Only ...").</summary>
    public static string Refusal(Lab.Client.LabProblem problem) =>
        string.IsNullOrWhiteSpace(problem.Detail) ? Sentence(problem.Title) : $"{Sentence(problem.Title)} {Sentence(problem.Detail)}";

    /// <summary>A text as a sentence: capitalised, and ending with a full stop unless it already ends a sentence.</summary>
    public static string Sentence(string text)
    {
        var sentence = text.Trim();
        if (sentence.Length == 0)
        {
            return sentence;
        }
        sentence = char.ToUpperInvariant(sentence[0]) + sentence[1..];
        return sentence[^1] is '.' or '!' or '?' or ':' ? sentence : sentence + ".";
    }

    public static string Nodes(int count) => count == 1 ? "1 live node" : $"{count} live nodes";

    public static string People(int count) => count == 1 ? "1 person" : $"{count} people";

    /// <summary>A moment typed into a form (a date and time, read as UTC unless it says otherwise).</summary>
    public static bool TryParseMoment(string? text, out DateTimeOffset moment) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out moment);

    /// <summary>Idea ids typed into a form, separated by spaces, commas or new lines; null when one is not an id.</summary>
    public static List<Guid>? ParseIds(string? text)
    {
        var ids = new List<Guid>();
        foreach (var part in (text ?? "").Split([' ', ',', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Guid.TryParse(part, out var id))
            {
                return null;
            }
            ids.Add(id);
        }
        return ids;
    }

    /// <summary>The portal page of a feed or timeline entry's subject, a search hit or a piece of evidence (always by its whole id).</summary>
    public static string? LinkOf(string subjectKind, Guid subjectId) => subjectKind switch
    {
        "idea" => $"/ideas/{subjectId}",
        "note" => $"/notes/{subjectId}",
        "insight" => $"/insights#insight-{subjectId}",
        "run" => $"/runs/{subjectId}",
        _ => null,
    };

    /// <summary>What a kind of knowledge is called in a list: "idea", "note", "insight", "run".</summary>
    public static string KindName(Lab.Contracts.Knowledge.EvidenceKind kind) => kind.ToString().ToLowerInvariant();
}
