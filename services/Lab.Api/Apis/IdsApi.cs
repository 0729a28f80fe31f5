using Lab.Contracts.Reading;
using Lab.Knowledge.Reading;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Lab.Api.Apis;

/// <summary>
/// Ids and their starts. Every lookup of one thing (<c>GET /ideas/{id}</c>, <c>/notes/{id}</c>, <c>/insights/{id}</c>,
/// <c>/runs/{id}</c>, <c>/researchers/{id}</c>) takes a whole id or any start of one that is the start of exactly one
/// id, and a run also the end of its id as the portal shows it (<see cref="IdPrefixes.ShortestRunEnding"/> digits or
/// more); <c>GET /ids/{prefix}</c> says what a start names, for clients (the <c>lab</c> command) that then act on the whole id.
/// </summary>
public static class IdsApi
{
    public static IEndpointRouteBuilder MapIdsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/ids/{prefix}", ResolveId).WithTags("Knowledge").WithName(nameof(ResolveId))
            .WithSummary("What an id, or the start of one (4 or more hexadecimal digits), names: its kind, whole id and title; a run also by the last 8 to 12 digits the portal shows; an ambiguous start is refused (409) with the candidates");
        return app;
    }

    public static async Task<Results<Ok<IdMatch>, ProblemHttpResult>> ResolveId(string prefix, string? kind, IQuerySession session, CancellationToken cancellationToken)
    {
        if (kind is not null && !IdPrefixes.Kinds.Contains(kind))
        {
            return IdLookup.Invalid("kind", $"The kind is one of {string.Join(", ", IdPrefixes.Kinds)}.");
        }
        var (match, problem) = await IdLookup.FindAsync(session, kind, prefix, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        return TypedResults.Ok(match!);
    }
}

/// <summary>Finding the one thing an id or the start of one names, with a problem to answer when it names none or several.</summary>
public static class IdLookup
{
    /// <summary>
    /// The whole id <paramref name="text"/> names, as a <paramref name="kind"/> (or anything, when null). A whole id is taken
    /// as it is, without a lookup (whether anything has it is the caller's question, as before).
    /// </summary>
    public static async Task<(Guid Id, ProblemHttpResult? Problem)> ResolveAsync(IQuerySession session, string kind, string text, CancellationToken cancellationToken)
    {
        if (Guid.TryParse(text, out var id))
        {
            return (id, null);
        }
        var (match, problem) = await FindAsync(session, kind, text, cancellationToken);
        return (match?.Id ?? Guid.Empty, problem);
    }

    /// <summary>The one thing <paramref name="text"/> (an id or its start) names; otherwise why not, as a problem.</summary>
    public static async Task<(IdMatch? Match, ProblemHttpResult? Problem)> FindAsync(IQuerySession session, string? kind, string text, CancellationToken cancellationToken)
    {
        var what = kind ?? "thing";
        if (!IdPrefixes.TryParse(text, out _, out _))
        {
            return (null, Invalid("id", $"Give the {what}'s id, or at least its first {IdPrefixes.ShortestPrefix} hexadecimal digits (0-9, a-f)."));
        }
        var found = await IdPrefixes.FindAsync(session, text.Trim(), kind, cancellationToken);
        return found.Count switch
        {
            0 => (null, Problems.NotFound(kind == IdPrefixes.Run && IdPrefixes.TryParseRunEnding(text, out _)
                ? $"No run's id begins or ends with {text.Trim()}."
                : $"No {what}'s id begins with {text.Trim()}.")),
            1 => (found[0], null),
            _ => (null, Ambiguous(text.Trim(), what, found)),
        };
    }

    /// <summary>409 with the things the start names (at most <see cref="IdPrefixes.MaxCandidates"/>, and whether there are more).</summary>
    private static ProblemHttpResult Ambiguous(string prefix, string what, IReadOnlyList<IdMatch> found)
    {
        var more = found.Count > IdPrefixes.MaxCandidates;
        var count = more ? $"more than {IdPrefixes.MaxCandidates}" : found.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var things = what == "thing" ? "things" : what + "s";
        return TypedResults.Problem(new ProblemDetails
        {
            Status = StatusCodes.Status409Conflict,
            Title = "More than one id begins like that",
            Detail = $"The ids of {count} {things} begin with {prefix}: give more of the id.",
            Extensions = { ["candidates"] = found.Take(IdPrefixes.MaxCandidates).ToList() },
        });
    }

    public static ProblemHttpResult Invalid(string field, string message) =>
        TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The id cannot be read",
            Detail = message,
        });
}
