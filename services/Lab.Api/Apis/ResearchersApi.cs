using System.Security.Claims;
using Lab.Api.Infrastructure;
using Lab.Contracts.Ideas;
using Lab.Contracts.Reading;
using Lab.Contracts.Researchers;
using Lab.Knowledge.Ideas;
using Lab.Knowledge.Notes;
using Lab.Knowledge.Reading;
using Lab.Knowledge.Researchers;
using Lab.Knowledge.Runs;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lab.Api.Apis;

/// <summary>The lab's members: who is here, what they work on now and have worked on, and how new people join.</summary>
public static class ResearchersApi
{
    public const int MaxPageSize = 200;

    /// <summary>The most of a member's runs, notes and insights a member's page lists (the latest; the totals say how many more).</summary>
    public const int WorkListed = 20;

    public static IEndpointRouteBuilder MapResearchersApi(this IEndpointRouteBuilder app)
    {
        var researchers = app.MapGroup("/api/v1/researchers").WithTags("Researchers");
        researchers.MapGet("/", ListResearchers).WithName(nameof(ListResearchers)).WithSummary("Everyone in the lab, in the order they joined (or several members by ?ids=)");
        researchers.MapGet("/{handle}", GetResearcher).WithName(nameof(GetResearcher))
            .WithSummary("A member's page (by handle, id, or a start of the id that no other member's has): their teams now and before, the ideas they proposed, and their latest runs, notes and insights");

        researchers.MapGet("/{id:guid}/tokens", MemberTokens).WithName(nameof(MemberTokens))
            .WithSummary("Operators: a member's tokens (never their secrets), e.g. of someone who left")
            .RequireAuthorization(ApiServiceExtensions.OperatorPolicy);
        researchers.MapDelete("/{id:guid}/tokens/{tokenId:guid}", RevokeMemberToken).WithName(nameof(RevokeMemberToken))
            .WithSummary("Operators: revoke a member's token, e.g. of someone who left the lab")
            .RequireAuthorization(ApiServiceExtensions.OperatorPolicy);

        var invitations = app.MapGroup("/api/v1/invitations").WithTags("Researchers");
        invitations.MapPost("/", Invite).WithName(nameof(Invite))
            .WithSummary("Invite someone: the code is shown once and lets one person join within a week");
        invitations.MapGet("/", ListInvitations).WithName(nameof(ListInvitations))
            .WithSummary("Every invitation, newest first: who invited, until when, and whether it was used, withdrawn or expired (?status=open for the usable ones)");
        invitations.MapDelete("/{id:guid}", RevokeInvitation).WithName(nameof(RevokeInvitation))
            .WithSummary("Withdraw an unused invitation: its author, or an operator");
        app.MapPost("/api/v1/join", JoinWithInvitation).WithTags("Researchers").WithName(nameof(JoinWithInvitation))
            .WithSummary("Join the lab, authenticated by an invitation code as the bearer token; answers with your first token")
            .RequireAuthorization(ApiServiceExtensions.InviteePolicy);
        return app;
    }

    public static async Task<Results<Ok<Page<ResearcherView>>, ValidationProblem>> ListResearchers(int? offset, int? limit, Guid[]? ids, IQuerySession session, CancellationToken cancellationToken)
    {
        var paging = Paging.Validate(offset, limit, MaxPageSize, ids);
        if (paging.Errors.Count > 0)
        {
            return TypedResults.ValidationProblem(paging.Errors);
        }
        var people = session.Query<ResearcherProfile>().AsQueryable();
        if (ids is { Length: > 0 })
        {
            people = people.Where(r => ids.Contains(r.Id));
        }
        var total = await people.CountAsync(cancellationToken);
        var rows = await people.OrderBy(r => r.JoinedAt).Skip(paging.Offset).Take(paging.Limit).ToListAsync(cancellationToken);
        return TypedResults.Ok(new Page<ResearcherView>([.. rows.Select(r => r.ToView())], total, paging.Offset, paging.Limit));
    }

    public static async Task<Results<Ok<ResearcherOverview>, ProblemHttpResult>> GetResearcher(string handle, IQuerySession session, CancellationToken cancellationToken)
    {
        var profile = Guid.TryParse(handle, out var id)
            ? await session.LoadAsync<ResearcherProfile>(id, cancellationToken)
            : await session.Query<ResearcherProfile>().FirstOrDefaultAsync(r => r.Handle == handle, cancellationToken);
        if (profile is null && !Guid.TryParse(handle, out _) && IdPrefixes.TryParse(handle, out _, out _))
        {
            // Not a handle: perhaps the start of a member's id.
            var (match, problem) = await IdLookup.FindAsync(session, IdPrefixes.Researcher, handle, cancellationToken);
            if (problem is { StatusCode: StatusCodes.Status409Conflict })
            {
                return problem;
            }
            profile = match is null ? null : await session.LoadAsync<ResearcherProfile>(match.Id, cancellationToken);
        }
        if (profile is null)
        {
            return Problems.NotFound($"Nobody in the lab is called {handle}.");
        }
        var member = profile.Id;
        var ideas = await session.Query<IdeaSummary>()
            .Where(i => i.Members.Contains(member) || i.FormerMembers.Contains(member) || i.ProposedBy == member)
            .OrderByDescending(i => i.LastActivityAt)
            .ToListAsync(cancellationToken);
        var current = ideas.Where(i => i.Members.Contains(member)).ToList();
        var invitations = ideas
            .Where(i => i.Status == IdeaStatus.SetAside && i.FormerMembers.Contains(member))
            .SelectMany(i => i.InvitedTo)
            .Where(id => !current.Any(c => c.Id == id))
            .Distinct()
            .ToArray();
        var invitedTo = invitations.Length == 0 ? [] : await session.LoadManyAsync<IdeaSummary>(cancellationToken, invitations);
        static IdeaRef Ref(IdeaSummary i) => new(i.Id, i.Title, i.Status);
        var work = await WorkOfAsync(session, member, cancellationToken);
        return TypedResults.Ok(new ResearcherOverview(
            profile.ToView(),
            [.. current.Select(Ref)],
            [.. ideas.Where(i => i.FormerMembers.Contains(member) && !i.Members.Contains(member)).Select(Ref)],
            [.. ideas.Where(i => i.ProposedBy == member).Select(Ref)],
            [.. invitedTo.Where(i => i.Status != IdeaStatus.SetAside).Select(Ref)],
            work.Runs, work.RunsTotal, work.Notes, work.NotesTotal, work.Insights, work.InsightsTotal));
    }

    /// <summary>A member's latest runs, notes and insights, newest first, and how many of each there are: what they did, never a score.</summary>
    private static async Task<(List<RunRef> Runs, int RunsTotal, List<NoteRef> Notes, int NotesTotal, List<InsightRef> Insights, int InsightsTotal)> WorkOfAsync(
        IQuerySession session, Guid member, CancellationToken cancellationToken)
    {
        var runs = session.Query<RunSummary>().Where(r => r.SubmittedBy == member);
        var latestRuns = await runs.OrderByDescending(r => r.SubmittedAt).Take(WorkListed)
            .Select(r => new { r.Id, r.IdeaId, r.Status, r.SubmittedAt, r.Step, r.TotalSteps, r.ValLoss })
            .ToListAsync(cancellationToken);
        var ideaTitles = latestRuns.Count == 0 ? new Dictionary<Guid, string>()
            : (await session.LoadManyAsync<IdeaSummary>(cancellationToken, latestRuns.Select(r => r.IdeaId).Distinct())).ToDictionary(i => i.Id, i => i.Title);
        var notes = session.Query<Note>().Where(n => n.AuthorId == member);
        var latestNotes = await notes.OrderByDescending(n => n.WrittenAt).Take(WorkListed)
            .Select(n => new { n.Id, n.Title, n.AttachedTo, n.AttachedId, n.WrittenAt })
            .ToListAsync(cancellationToken);
        var insights = session.Query<Insight>().Where(i => i.AuthorId == member);
        var latestInsights = await insights.OrderByDescending(i => i.PublishedAt).Take(WorkListed)
            .Select(i => new { i.Id, i.Claim, i.IdeaId, i.PublishedAt })
            .ToListAsync(cancellationToken);
        return (
            [.. latestRuns.Select(r => new RunRef(r.Id, r.IdeaId, ideaTitles.GetValueOrDefault(r.IdeaId, ""), r.Status, r.SubmittedAt, r.Step, r.TotalSteps, r.ValLoss))],
            await runs.CountAsync(cancellationToken),
            [.. latestNotes.Select(n => new NoteRef(n.Id, n.Title, n.AttachedTo, n.AttachedId, n.WrittenAt))],
            await notes.CountAsync(cancellationToken),
            [.. latestInsights.Select(i => new InsightRef(i.Id, i.Claim, i.IdeaId, i.PublishedAt))],
            await insights.CountAsync(cancellationToken));
    }

    public static async Task<Results<Ok<IReadOnlyList<TokenView>>, ProblemHttpResult>> MemberTokens(Guid id, IGrainFactory grains)
    {
        var member = grains.GetGrain<IResearcherGrain>(id);
        return await member.Get() is null ? Problems.NotFound($"No member has the id {id}.") : TypedResults.Ok(await member.Tokens());
    }

    public static async Task<Results<Ok<TokenView>, ProblemHttpResult>> RevokeMemberToken(Guid id, Guid tokenId, ClaimsPrincipal user, IGrainFactory grains)
    {
        var member = grains.GetGrain<IResearcherGrain>(id);
        return await member.Get() is null ? Problems.NotFound($"No member has the id {id}.") : TypedResults.Ok(await member.RevokeToken(tokenId, user.MemberId()));
    }

    public static async Task<Created<IssuedInvitation>> Invite(ClaimsPrincipal user, IGrainFactory grains)
    {
        var invitation = await grains.GetGrain<IResearcherGrain>(user.MemberId()).Invite();
        return TypedResults.Created($"/api/v1/invitations/{invitation.Id}", invitation);
    }

    public static async Task<Results<Ok<Page<InvitationView>>, ValidationProblem>> ListInvitations(
        string? status, int? offset, int? limit, IQuerySession session, TimeProvider clock, CancellationToken cancellationToken)
    {
        var paging = Paging.Validate(offset, limit, MaxPageSize);
        var errors = paging.Errors;
        var wanted = QueryChoice.Parse<InvitationStatus>(status, "status", errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var now = clock.GetUtcNow();
        var query = session.Query<Invitation>().AsQueryable();
        query = wanted switch
        {
            InvitationStatus.Open => query.Where(i => i.AcceptedBy == null && i.RevokedAt == null && i.ExpiresAt > now),
            InvitationStatus.Accepted => query.Where(i => i.AcceptedBy != null),
            InvitationStatus.Revoked => query.Where(i => i.AcceptedBy == null && i.RevokedAt != null),
            InvitationStatus.Expired => query.Where(i => i.AcceptedBy == null && i.RevokedAt == null && i.ExpiresAt <= now),
            _ => query,
        };
        var total = await query.CountAsync(cancellationToken);
        var rows = await query.OrderByDescending(i => i.IssuedAt).Skip(paging.Offset).Take(paging.Limit).ToListAsync(cancellationToken);
        return TypedResults.Ok(new Page<InvitationView>([.. rows.Select(i => i.ToView(now))], total, paging.Offset, paging.Limit));
    }

    public static async Task<Results<Ok<InvitationView>, ProblemHttpResult>> RevokeInvitation(Guid id, ClaimsPrincipal user, IQuerySession session, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var invitation = await session.LoadAsync<Invitation>(id, cancellationToken);
        if (invitation is null)
        {
            return Problems.NotFound($"No invitation has the id {id}.");
        }
        if (invitation.InvitedBy != user.MemberId() && !user.IsInRole(TokenAuthenticationHandler.OperatorRole))
        {
            return Problems.Forbidden("Only the invitation's author or an operator withdraws it.");
        }
        return TypedResults.Ok(await grains.GetGrain<IResearcherGrain>(invitation.InvitedBy).RevokeInvitation(id, user.MemberId()));
    }

    public static async Task<Results<Created<Joined>, ValidationProblem>> JoinWithInvitation(JoinLab join, ClaimsPrincipal invitee, IGrainFactory grains)
    {
        var errors = ResearcherRules.Validate(join);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "You cannot join with these details");
        }
        var joined = await grains.GetGrain<IResearcherGrain>(Guid.CreateVersion7()).JoinInvited(join, invitee.InvitationId());
        return TypedResults.Created($"/api/v1/researchers/{joined.Researcher.Handle}", joined);
    }
}
