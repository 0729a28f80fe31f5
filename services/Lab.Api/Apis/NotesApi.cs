using System.Security.Claims;
using Lab.Api.Infrastructure;
using Lab.Contracts.Knowledge;
using Lab.Contracts.Reading;
using Lab.Knowledge.Notes;
using Lab.Knowledge.Reading;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lab.Api.Apis;

/// <summary>Notes (markdown, about the lab or an idea) and insights (a claim and the evidence it rests on).</summary>
public static class NotesApi
{
    public const int MaxPageSize = 100;

    public static IEndpointRouteBuilder MapNotesApi(this IEndpointRouteBuilder app)
    {
        var notes = app.MapGroup("/api/v1/notes").WithTags("Notes");
        notes.MapPost("/", WriteNote).WithName(nameof(WriteNote)).WithSummary("Write a note about the lab or an idea");
        notes.MapGet("/", ListNotes).WithName(nameof(ListNotes)).WithSummary("Notes, newest first, optionally those about one idea");
        notes.MapGet("/{id}", GetNote).WithName(nameof(GetNote)).WithSummary("One note (by its id or a start of it that no other note's id has)");
        notes.MapPut("/{id:guid}", EditNote).WithName(nameof(EditNote)).WithSummary("Edit your own note");

        var insights = app.MapGroup("/api/v1/insights").WithTags("Insights");
        insights.MapPost("/", PublishInsight).WithName(nameof(PublishInsight)).WithSummary("Publish an insight: a claim and the evidence it rests on");
        insights.MapGet("/", ListInsights).WithName(nameof(ListInsights)).WithSummary("Insights, newest first, optionally those about one idea");
        insights.MapGet("/{id}", GetInsight).WithName(nameof(GetInsight))
            .WithSummary("One insight (by its id or a start of it that no other insight's id has), with what it cites by name");
        return app;
    }

    public static async Task<Results<Created<NoteView>, ValidationProblem>> WriteNote(WriteNote note, ClaimsPrincipal user, IGrainFactory grains)
    {
        var errors = KnowledgeRules.Validate(note);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The note cannot be written as it is");
        }
        var written = await grains.GetGrain<INoteGrain>(Guid.CreateVersion7()).Write(note, user.MemberId());
        return TypedResults.Created($"/api/v1/notes/{written.Id}", written);
    }

    public static async Task<Results<Ok<Page<NoteView>>, ValidationProblem>> ListNotes(Guid? ideaId, int? offset, int? limit, IQuerySession session, CancellationToken cancellationToken)
    {
        var paging = Paging.Validate(offset, limit, MaxPageSize);
        if (paging.Errors.Count > 0)
        {
            return TypedResults.ValidationProblem(paging.Errors);
        }
        var query = session.Query<Note>().AsQueryable();
        if (ideaId is { } idea)
        {
            query = query.Where(n => n.AttachedId == idea);
        }
        var total = await query.CountAsync(cancellationToken);
        var rows = await query.OrderByDescending(n => n.WrittenAt).Skip(paging.Offset).Take(paging.Limit).ToListAsync(cancellationToken);
        return TypedResults.Ok(new Page<NoteView>([.. rows.Select(n => n.ToView())], total, paging.Offset, paging.Limit));
    }

    public static async Task<Results<Ok<NoteView>, ProblemHttpResult>> GetNote(string id, IQuerySession session, CancellationToken cancellationToken)
    {
        var (noteId, problem) = await IdLookup.ResolveAsync(session, IdPrefixes.Note, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        return await session.LoadAsync<Note>(noteId, cancellationToken) is { } note ? TypedResults.Ok(note.ToView()) : Problems.NotFound($"No note has the id {noteId}.");
    }

    public static async Task<Results<Ok<NoteView>, ValidationProblem>> EditNote(Guid id, EditNote edit, ClaimsPrincipal user, IGrainFactory grains)
    {
        var errors = KnowledgeRules.Validate(edit);
        return errors.Count > 0
            ? TypedResults.ValidationProblem(errors, title: "The note cannot be changed like that")
            : TypedResults.Ok(await grains.GetGrain<INoteGrain>(id).Edit(edit, user.MemberId()));
    }

    public static async Task<Results<Created<InsightView>, ValidationProblem>> PublishInsight(PublishInsight insight, ClaimsPrincipal user, IGrainFactory grains, IQuerySession session, CancellationToken cancellationToken)
    {
        var errors = KnowledgeRules.Validate(insight);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The insight cannot be published as it is");
        }
        var published = await grains.GetGrain<IInsightGrain>(Guid.CreateVersion7()).Publish(insight, user.MemberId());
        return TypedResults.Created($"/api/v1/insights/{published.Id}", await Citations.NameAsync(session, published, cancellationToken));
    }

    public static async Task<Results<Ok<Page<InsightView>>, ValidationProblem>> ListInsights(Guid? ideaId, int? offset, int? limit, IQuerySession session, CancellationToken cancellationToken)
    {
        var paging = Paging.Validate(offset, limit, MaxPageSize);
        if (paging.Errors.Count > 0)
        {
            return TypedResults.ValidationProblem(paging.Errors);
        }
        var query = session.Query<Insight>().AsQueryable();
        if (ideaId is { } idea)
        {
            query = query.Where(i => i.IdeaId == idea);
        }
        var total = await query.CountAsync(cancellationToken);
        var rows = await query.OrderByDescending(i => i.PublishedAt).Skip(paging.Offset).Take(paging.Limit).ToListAsync(cancellationToken);
        var named = await Citations.NameAsync(session, [.. rows.Select(i => i.ToView())], cancellationToken);
        return TypedResults.Ok(new Page<InsightView>(named, total, paging.Offset, paging.Limit));
    }

    public static async Task<Results<Ok<InsightView>, ProblemHttpResult>> GetInsight(string id, IQuerySession session, CancellationToken cancellationToken)
    {
        var (insightId, problem) = await IdLookup.ResolveAsync(session, IdPrefixes.Insight, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        return await session.LoadAsync<Insight>(insightId, cancellationToken) is { } insight
            ? TypedResults.Ok(await Citations.NameAsync(session, insight.ToView(), cancellationToken))
            : Problems.NotFound($"No insight has the id {insightId}.");
    }
}
