using Lab.Contracts;
using Lab.Contracts.Reading;
using Lab.Knowledge.Reading;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lab.Api.Apis;

/// <summary>Reading the knowledge base as a whole: search, the activity feed, and the lab as it was at any moment.</summary>
public static class KnowledgeApi
{
    public const int MaxSearchResults = 50;
    public const int DefaultSearchResults = 20;
    public const int MaxFeedPage = 100;

    private static readonly string[] Kinds = ["idea", "note", "insight", "run"];

    public static IEndpointRouteBuilder MapKnowledgeApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/knowledge/search", Search).WithTags("Knowledge").WithName(nameof(Search))
            .WithSummary("Full-text search over ideas, notes, insights and finished runs: ranked, highlighted, forgiving swapped, missing, extra or wrong letters, with the corrected query as didYouMean");
        app.MapGet("/api/v1/feed", Feed).WithTags("Knowledge").WithName(nameof(Feed))
            .WithSummary("Everything that happened in the lab, newest first");
        app.MapGet("/api/v1/lab", LabAsOf).WithTags("Knowledge").WithName(nameof(LabAsOf))
            .WithSummary("The whole lab (ideas, members, notes, insights) as it was at ?asOf=, from the event log");
        return app;
    }

    public static async Task<Results<Ok<SearchResults>, ValidationProblem>> Search(string? q, string? kind, int? limit, IQuerySession session, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        Text.Require(errors, "q", q, KnowledgeSearch.QueryMaxLength);
        if (kind is not null && !Kinds.Contains(kind))
        {
            errors["kind"] = [$"The kind is one of {string.Join(", ", Kinds)}."];
        }
        if (limit is < 1 or > MaxSearchResults)
        {
            errors["limit"] = [$"The limit must be between 1 and {MaxSearchResults}."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The search cannot be run as asked");
        }
        var found = await KnowledgeSearch.SearchAndSuggestAsync(session, q!.Trim(), limit ?? DefaultSearchResults, kind: kind ?? "", cancellationToken: cancellationToken);
        return TypedResults.Ok(new SearchResults(q.Trim(), found.Hits, found.DidYouMean));
    }

    public static async Task<Results<Ok<Page<HistoryEntry>>, ValidationProblem>> Feed(int? offset, int? limit, IQuerySession session, CancellationToken cancellationToken)
    {
        var paging = Paging.Validate(offset, limit, MaxFeedPage);
        if (paging.Errors.Count > 0)
        {
            return TypedResults.ValidationProblem(paging.Errors);
        }
        var (items, total) = await LabHistory.FeedAsync(session, paging.Offset, paging.Limit, cancellationToken);
        return TypedResults.Ok(new Page<HistoryEntry>(items, total, paging.Offset, paging.Limit));
    }

    public static async Task<Ok<LabAsOf>> LabAsOf(DateTimeOffset? asOf, IQuerySession session, TimeProvider clock, CancellationToken cancellationToken) =>
        TypedResults.Ok(await LabHistory.AsOfAsync(session, asOf ?? clock.GetUtcNow(), cancellationToken));
}
