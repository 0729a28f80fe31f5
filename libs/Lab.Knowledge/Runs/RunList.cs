using Lab.Contracts.Runs;
using Lab.Knowledge.Ideas;
using Marten;

namespace Lab.Knowledge.Runs;

/// <summary>The run list as a query of the stored runs: filtered, sorted by any column with unknown figures last, one page.</summary>
public static class RunList
{
    /// <summary>Ideas a text filter matches by their title, at most: more would make a query no person means.</summary>
    public const int MaxIdeasMatched = 500;

    public static async Task<(IReadOnlyList<RunSummary> Runs, int Total)> ReadAsync(IQuerySession session, RunQuery filter, int offset, int limit, CancellationToken cancellationToken)
    {
        var query = session.Query<RunSummary>().AsQueryable();
        if (filter.IdeaId is { } idea)
        {
            query = query.Where(r => r.IdeaId == idea);
        }
        if (filter.Status is { } status)
        {
            query = query.Where(r => r.Status == status);
        }
        if (filter.Tag is { } tag)
        {
            query = query.Where(r => r.Tags.Contains(tag));
        }
        if (filter.Text is { Length: > 0 } text)
        {
            var ideas = await session.Query<IdeaSummary>()
                .Where(i => i.Title.Contains(text, StringComparison.OrdinalIgnoreCase))
                .Select(i => i.Id)
                .Take(MaxIdeasMatched)
                .ToListAsync(cancellationToken);
            var asTag = RunLabels.Tag(text);
            var ideaIds = ideas.ToArray();
            query = query.Where(r => r.Name!.Contains(text, StringComparison.OrdinalIgnoreCase) || r.Tags.Contains(asTag) || r.IdeaId.IsOneOf(ideaIds));
        }
        var total = await query.CountAsync(cancellationToken);
        var rows = await query
            .OrderBySql(OrderOf(filter.Order ?? RunSort.Submitted, filter.EffectiveDirection))
            .Skip(offset)
            .Take(limit)
            .ToListAsync(cancellationToken);
        return (rows, total);
    }

    /// <summary>
    /// The order as SQL over the stored document (<c>d.data</c>): the column, unknown figures (no loss yet, no name)
    /// last whichever way, then newest first, then the id, so pages never overlap.
    /// </summary>
    private static string OrderOf(RunSort order, SortDirection direction)
    {
        var column = order switch
        {
            RunSort.Name => "lower(d.data ->> 'Name')",
            RunSort.Status => "(d.data ->> 'Status')",
            RunSort.Step => "(d.data ->> 'Step')::int",
            RunSort.Loss => "(d.data ->> 'Loss')::float8",
            RunSort.ValLoss => "(d.data ->> 'ValLoss')::float8",
            // Ended leases, plus the one it holds now.
            RunSort.DeviceTime => "((d.data ->> 'DeviceSeconds')::float8 + coalesce((d.data ->> 'Devices')::int * extract(epoch from (now() - (d.data ->> 'LeaseStartedAt')::timestamptz)), 0))",
            RunSort.ModelDim => "(d.data -> 'Setup' ->> 'ModelDim')::int",
            RunSort.Layers => "(d.data -> 'Setup' ->> 'Layers')::int",
            RunSort.Experts => "(d.data -> 'Setup' ->> 'RoutedExperts')::int",
            RunSort.Steps => "(d.data ->> 'TotalSteps')::int",
            RunSort.Data => "(d.data -> 'Setup' ->> 'Data')",
            _ => null,
        };
        const string newestFirst = "(d.data ->> 'SubmittedAt')::timestamptz desc, d.id desc";
        if (column is null)
        {
            return direction == SortDirection.Asc ? "(d.data ->> 'SubmittedAt')::timestamptz asc, d.id asc" : newestFirst;
        }
        return $"{column} {(direction == SortDirection.Asc ? "asc" : "desc")} nulls last, {newestFirst}";
    }
}

/// <summary>The tags runs carry, most used first.</summary>
public static class RunTags
{
    /// <summary>Tags listed at most: a lab's vocabulary of labels, not every string ever typed.</summary>
    public const int MaxListed = 500;

    public static async Task<IReadOnlyList<RunTagCount>> ReadAsync(IQuerySession session, CancellationToken cancellationToken)
    {
        var table = session.DocumentStore.Options.FindOrResolveDocumentType(typeof(RunSummary)).TableName.QualifiedName;
        await using var connection = session.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var command = new Npgsql.NpgsqlCommand(
            $"""
            SELECT tag, count(*)::int FROM {table} d, jsonb_array_elements_text(d.data -> 'Tags') AS tag
             GROUP BY tag ORDER BY count(*) DESC, tag LIMIT {MaxListed}
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var tags = new List<RunTagCount>();
        while (await reader.ReadAsync(cancellationToken))
        {
            tags.Add(new RunTagCount(reader.GetString(0), reader.GetInt32(1)));
        }
        return tags;
    }
}
