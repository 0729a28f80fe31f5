using System.CommandLine;
using System.Net;
using Lab.Client;

namespace Lab.Cli.Client;

/// <summary>
/// Ids as people type them: a whole id, or any start of one (at least four characters) that no other id of that kind
/// begins with, as <c>lab ideas list</c> shows them, and for a run the end of its id that the portal shows. A start is looked up through the API
/// (<c>GET /api/v1/ids/{prefix}</c>); what cannot be used is refused with one sentence, and an ambiguous start with the
/// ids it could mean.
/// <code>
/// var id = Ids.Argument("idea");
/// var ideaId = await Ids.ResolveAsync(lab, parse.GetValue(id)!, Ids.Idea, cancellationToken);
/// </code>
/// </summary>
public static class Ids
{
    public const string Idea = "idea";
    public const string Run = "run";
    public const string Note = "note";
    public const string Insight = "insight";

    /// <summary>Fewer characters than this are refused before asking (the API's rule too).</summary>
    public const int ShortestPrefix = 4;

    public static Argument<string> Argument(string kind) => new("id")
    {
        Description = kind == Run
            ? "The run's id, its first characters (4 or more) when no other run's id begins with them, or its last 8 as the portal shows them."
            : $"The {kind}'s id, or its first characters (4 or more) when no other {kind}'s id begins with them.",
    };

    public static Option<string> Option(string name, string description, bool required = false) => new(name)
    {
        Description = $"{description} (its id, or the first 4 or more characters of it)",
        Required = required,
    };

    /// <summary>The whole id that <paramref name="text"/> names as a <paramref name="kind"/>; a refusal in words otherwise.</summary>
    public static async Task<Guid> ResolveAsync(LabClient lab, string text, string kind, CancellationToken cancellationToken)
    {
        text = text.Trim();
        if (Guid.TryParse(text, out var id))
        {
            return id;
        }
        var digits = text.Replace("-", "", StringComparison.Ordinal);
        if (digits.Length is < ShortestPrefix or > 32 || !digits.All(char.IsAsciiHexDigit))
        {
            throw new ClientInputException($"'{text}' is not {Article(kind)} {kind} id: give the whole id or its first {ShortestPrefix} or more characters (0-9, a-f).");
        }
        try
        {
            return (await lab.ResolveIdAsync(text, kind, cancellationToken)).Id;
        }
        catch (LabClientException e) when (e.Status == HttpStatusCode.NotFound)
        {
            throw new ClientInputException(e.Detail ?? $"No {kind}'s id begins with {text}.");
        }
        catch (LabClientException e) when (e.Status == HttpStatusCode.Conflict)
        {
            throw new ClientInputException(e.Detail ?? $"The ids of several {kind}s begin with {text}: give more of the id.", e.Problem.Candidates);
        }
    }

    /// <summary>Resolves each of <paramref name="texts"/>.</summary>
    public static async Task<Guid[]> ResolveAllAsync(LabClient lab, IEnumerable<string> texts, string kind, CancellationToken cancellationToken)
    {
        var ids = new List<Guid>();
        foreach (var text in texts)
        {
            ids.Add(await ResolveAsync(lab, text, kind, cancellationToken));
        }
        return [.. ids];
    }

    private static string Article(string kind) => "aeiou".Contains(kind[0], StringComparison.Ordinal) ? "an" : "a";
}

/// <summary>Something typed on the command line that cannot be used, said in one sentence (and, for an ambiguous id, what it could mean).</summary>
public sealed class ClientInputException(string message, IReadOnlyList<IdMatch>? candidates = null) : Exception(message)
{
    public IReadOnlyList<IdMatch> Candidates { get; } = candidates ?? [];
}
