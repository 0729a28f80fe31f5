using System.Security.Claims;
using Lab.Api.Infrastructure;
using Lab.Contracts;
using Lab.Contracts.Ideas;
using Lab.Contracts.Reading;
using Lab.Knowledge.Ideas;
using Lab.Knowledge.Reading;
using Lab.Knowledge.Researchers;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lab.Api.Apis;

/// <summary>Ideas, their lifecycle and the teams that form around them.</summary>
public static class IdeasApi
{
    public const int MaxPageSize = 100;
    public const int SimilarTextMaxLength = IdeaRules.TitleMaxLength + IdeaRules.HypothesisMaxLength + 2;
    public const int SimilarLimit = 8;

    public static IEndpointRouteBuilder MapIdeasApi(this IEndpointRouteBuilder app)
    {
        var ideas = app.MapGroup("/api/v1/ideas").WithTags("Ideas");

        ideas.MapPost("/", ProposeIdea).WithName(nameof(ProposeIdea)).WithSummary("Propose an idea to the lab");
        ideas.MapGet("/", ListIdeas).WithName(nameof(ListIdeas))
            .WithSummary("The idea board: filter by status (or look up several ideas by ?ids=), order by recent proposals, recent activity or team size");
        ideas.MapGet("/similar", SimilarToDraft).WithName(nameof(SimilarToDraft))
            .WithSummary("Ideas and knowledge like a draft idea, so the lab does not repeat itself");
        ideas.MapGet("/{id}", GetIdea).WithName(nameof(GetIdea)).WithSummary("One idea (by its id or a start of it that no other idea's id has), now or as it was at ?asOf=");
        ideas.MapGet("/{id:guid}/timeline", IdeaTimeline).WithName(nameof(IdeaTimeline)).WithSummary("Everything that happened to an idea and its team, oldest first");

        ideas.MapPost("/{id:guid}/explore", StartExploring).WithName(nameof(StartExploring)).WithSummary("Start exploring a proposed idea");
        ideas.MapPost("/{id:guid}/validate", Validate).WithName(nameof(Validate)).WithSummary("Celebrate: the idea held up (with a summary of why)");
        ideas.MapPost("/{id:guid}/set-aside", SetAside).WithName(nameof(SetAside))
            .WithSummary("Set the idea aside with what was learned; its team dissolves and is invited to ideas that build on it");
        ideas.MapPost("/{id:guid}/revive", Revive).WithName(nameof(Revive)).WithSummary("Bring a set-aside idea back to exploration");

        ideas.MapGet("/{id:guid}/team", Team).WithName(nameof(Team)).WithSummary("Who is on the idea's team now, and who was");
        ideas.MapPost("/{id:guid}/team/join", JoinTeam).WithName(nameof(JoinTeam)).WithSummary("Join the idea's team (yourself)");
        ideas.MapPost("/{id:guid}/team/leave", LeaveTeam).WithName(nameof(LeaveTeam)).WithSummary("Leave the idea's team (yourself)");
        ideas.MapPost("/{id:guid}/collaborations", RequestCollaboration).WithName(nameof(RequestCollaboration))
            .WithSummary("Ask another idea's team to collaborate: a link both ideas show");
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

    public static async Task<Results<Ok<Page<IdeaView>>, ValidationProblem>> ListIdeas(
        IQuerySession session, string? status, string? sort, int? offset, int? limit, Guid[]? ids, CancellationToken cancellationToken)
    {
        var paging = Paging.Validate(offset, limit, MaxPageSize, ids);
        var only = QueryChoice.Parse<IdeaStatus>(status, "status", paging.Errors);
        var order = QueryChoice.Parse<IdeaOrder>(sort, "sort", paging.Errors) ?? IdeaOrder.Recent;
        if (paging.Errors.Count > 0)
        {
            return TypedResults.ValidationProblem(paging.Errors);
        }
        var board = session.Query<IdeaSummary>().AsQueryable();
        if (ids is { Length: > 0 })
        {
            board = board.Where(i => ids.Contains(i.Id));
        }
        if (only is { } wanted)
        {
            board = board.Where(i => i.Status == wanted);
        }
        var total = await board.CountAsync(cancellationToken);
        board = order switch
        {
            IdeaOrder.Activity => board.OrderBySql(IdeaActivities.NewestFirstSql(session)),
            IdeaOrder.People => board.OrderByDescending(i => i.TeamSize).ThenBySql(IdeaActivities.NewestFirstSql(session)),
            _ => board.OrderByDescending(i => i.ProposedAt),
        };
        var rows = await board.Skip(paging.Offset).Take(paging.Limit).ToListAsync(cancellationToken);
        return TypedResults.Ok(new Page<IdeaView>(await IdeaLinks.ViewsAsync(session, rows, cancellationToken), total, paging.Offset, paging.Limit));
    }

    public static async Task<Results<Ok<IdeaView>, ProblemHttpResult>> GetIdea(string id, DateTimeOffset? asOf, IQuerySession session, CancellationToken cancellationToken)
    {
        var (ideaId, problem) = await IdLookup.ResolveAsync(session, IdPrefixes.Idea, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        return await IdeaAsync(ideaId, asOf, session, cancellationToken);
    }

    private static async Task<Results<Ok<IdeaView>, ProblemHttpResult>> IdeaAsync(Guid id, DateTimeOffset? asOf, IQuerySession session, CancellationToken cancellationToken)
    {
        var idea = asOf is { } moment
            ? await LabHistory.IdeaAsOfAsync(session, id, moment, cancellationToken)
            : await IdeaLinks.ViewAsync(session, id, cancellationToken);
        return idea is null
            ? Problems.NotFound(asOf is null ? $"No idea has the id {id}." : $"Idea {id} did not exist yet at {asOf:O}.")
            : TypedResults.Ok(idea);
    }

    public static async Task<Results<Ok<ItemList<HistoryEntry>>, ProblemHttpResult>> IdeaTimeline(Guid id, IQuerySession session, CancellationToken cancellationToken)
    {
        var timeline = await LabHistory.TimelineAsync(session, id, cancellationToken);
        return timeline.Count == 0 ? Problems.NotFound($"No idea has the id {id}.") : TypedResults.Ok(new ItemList<HistoryEntry>(timeline));
    }

    public static async Task<Results<Ok<ItemList<SearchHit>>, ValidationProblem>> SimilarToDraft(string? text, IQuerySession session, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        Text.Require(errors, "text", text, SimilarTextMaxLength);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Give the draft's title and hypothesis as ?text=");
        }
        var hits = await KnowledgeSearch.SearchAsync(session, text!, SimilarLimit, anyWord: true, cancellationToken: cancellationToken);
        return TypedResults.Ok(new ItemList<SearchHit>(hits));
    }

    public static async Task<Ok<IdeaView>> StartExploring(Guid id, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await grains.GetGrain<IIdeaGrain>(id).StartExploring(user.MemberId()));

    public static async Task<Results<Ok<IdeaView>, ValidationProblem>> Validate(Guid id, ValidateIdea request, ClaimsPrincipal user, IGrainFactory grains)
    {
        var errors = IdeaRules.ValidateNote("summary", request?.Summary);
        return errors.Count > 0
            ? TypedResults.ValidationProblem(errors, title: "Say in a sentence or two what validated the idea")
            : TypedResults.Ok(await grains.GetGrain<IIdeaGrain>(id).Validate(request!.Summary, user.MemberId()));
    }

    public static async Task<Results<Ok<IdeaView>, ValidationProblem>> SetAside(Guid id, SetIdeaAside request, ClaimsPrincipal user, IGrainFactory grains)
    {
        var errors = IdeaRules.ValidateNote("learned", request?.Learned);
        return errors.Count > 0
            ? TypedResults.ValidationProblem(errors, title: "Say what was learned before setting the idea aside")
            : TypedResults.Ok(await grains.GetGrain<IIdeaGrain>(id).SetAside(request!.Learned, user.MemberId()));
    }

    public static async Task<Results<Ok<IdeaView>, ValidationProblem>> Revive(Guid id, ReviveIdea request, ClaimsPrincipal user, IGrainFactory grains)
    {
        var errors = IdeaRules.ValidateNote("reason", request?.Reason);
        return errors.Count > 0
            ? TypedResults.ValidationProblem(errors, title: "Say why the idea deserves another look")
            : TypedResults.Ok(await grains.GetGrain<IIdeaGrain>(id).Revive(request!.Reason, user.MemberId()));
    }

    public static async Task<Results<Ok<TeamRoster>, ProblemHttpResult>> Team(Guid id, IQuerySession session, CancellationToken cancellationToken)
    {
        var idea = await session.LoadAsync<IdeaSummary>(id, cancellationToken);
        if (idea is null)
        {
            return Problems.NotFound($"No idea has the id {id}.");
        }
        var people = (await session.LoadManyAsync<ResearcherProfile>(cancellationToken, [.. idea.Members, .. idea.FormerMembers]))
            .ToDictionary(p => p.Id, p => new ResearcherRef(p.Id, p.Handle, p.Name));
        IReadOnlyList<ResearcherRef> Refs(IEnumerable<Guid> ids) => [.. ids.Where(people.ContainsKey).Select(i => people[i])];
        return TypedResults.Ok(new TeamRoster(id, Refs(idea.Members), Refs(idea.FormerMembers)));
    }

    public static async Task<Ok<IdeaView>> JoinTeam(Guid id, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await grains.GetGrain<IIdeaGrain>(id).JoinTeam(user.MemberId()));

    public static async Task<Ok<IdeaView>> LeaveTeam(Guid id, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await grains.GetGrain<IIdeaGrain>(id).LeaveTeam(user.MemberId()));

    public static async Task<Results<Ok<IdeaView>, ValidationProblem>> RequestCollaboration(Guid id, Collaborate request, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (request is null || request.IdeaId == Guid.Empty)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["ideaId"] = ["The id of the idea whose team to collaborate with."] });
        }
        return TypedResults.Ok(await grains.GetGrain<IIdeaGrain>(id).RequestCollaboration(request.IdeaId, user.MemberId()));
    }
}
