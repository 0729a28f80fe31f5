using System.Security.Claims;
using Lab.Api.Infrastructure;
using Lab.Contracts.Ideas;
using Lab.Knowledge.Ideas;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lab.Api.Apis;

public static class IdeasApi
{
    public const int MaxPageSize = 100;

    public static IEndpointRouteBuilder MapIdeasApi(this IEndpointRouteBuilder app)
    {
        var ideas = app.MapGroup("/api/v1/ideas").WithTags("Ideas");

        ideas.MapPost("/", ProposeIdea)
            .WithName(nameof(ProposeIdea))
            .WithSummary("Propose an idea to the lab");
        ideas.MapGet("/", ListIdeas)
            .WithName(nameof(ListIdeas))
            .WithSummary("The idea board, newest first");
        ideas.MapGet("/{id:guid}", GetIdea)
            .WithName(nameof(GetIdea))
            .WithSummary("One idea");
        return app;
    }

    public static async Task<Results<Created<IdeaView>, ValidationProblem>> ProposeIdea(ProposeIdea proposal, ClaimsPrincipal user, IGrainFactory grains)
    {
        var errors = IdeaRules.Validate(proposal);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The idea cannot be proposed as it is");
        }
        var idea = await grains.GetGrain<IIdeaGrain>(Guid.CreateVersion7()).Propose(proposal, user.MemberId());
        return TypedResults.Created($"/api/v1/ideas/{idea.Id}", idea);
    }

    public static async Task<Results<Ok<Page<IdeaView>>, ValidationProblem>> ListIdeas(IQuerySession session, int? offset, int? limit, CancellationToken cancellationToken)
    {
        var paging = Paging.Validate(offset, limit, MaxPageSize);
        if (paging.Errors.Count > 0)
        {
            return TypedResults.ValidationProblem(paging.Errors);
        }
        var total = await session.Query<IdeaSummary>().CountAsync(cancellationToken);
        var rows = await session.Query<IdeaSummary>()
            .OrderByDescending(i => i.ProposedAt)
            .Skip(paging.Offset)
            .Take(paging.Limit)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new Page<IdeaView>([.. rows.Select(r => r.ToView())], total, paging.Offset, paging.Limit));
    }

    public static async Task<Results<Ok<IdeaView>, ProblemHttpResult>> GetIdea(Guid id, IQuerySession session, CancellationToken cancellationToken)
    {
        var idea = await session.LoadAsync<IdeaSummary>(id, cancellationToken);
        return idea is null
            ? Problems.NotFound($"No idea has the id {id}.")
            : TypedResults.Ok(idea.ToView());
    }
}
