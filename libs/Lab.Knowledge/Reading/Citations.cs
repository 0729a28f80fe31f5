using Lab.Contracts.Knowledge;
using Lab.Knowledge.Runs;
using Marten;
using Npgsql;

namespace Lab.Knowledge.Reading;

/// <summary>
/// What insights cite, by name: the titles of the ideas, notes, insights and runs they rest on and the device time of the
/// runs. Titles come from the search index's entries (one query for a whole page of insights, no note bodies read); a run
/// that has not finished, and so is not knowledge yet, is named after its idea and its status.
/// </summary>
public static class Citations
{
    // By the entries' key (kind, id), so that a lookup reads only the rows asked for.
    private static readonly string TitlesSql = $"""
        select e.kind, e.id, e.title
          from unnest(@kinds::text[], @ids::uuid[]) as wanted(kind, id)
          join {SearchIndex.Entries} e on e.kind = wanted.kind and e.id = wanted.id
        """;

    /// <summary><paramref name="insights"/> with <see cref="InsightView.Cited"/> filled in, in the same order.</summary>
    public static async Task<IReadOnlyList<InsightView>> NameAsync(IQuerySession session, IReadOnlyList<InsightView> insights, CancellationToken cancellationToken = default)
    {
        var cited = await LookUpAsync(session, insights.SelectMany(i => i.Evidence), cancellationToken);
        return [.. insights.Select(i => i with { Cited = [.. i.Evidence.Distinct().Select(e => cited[e])] })];
    }

    public static async Task<InsightView> NameAsync(IQuerySession session, InsightView insight, CancellationToken cancellationToken = default) =>
        (await NameAsync(session, [insight], cancellationToken))[0];

    /// <summary>Each piece of <paramref name="evidence"/> by name.</summary>
    public static async Task<IReadOnlyDictionary<Evidence, CitedEvidence>> LookUpAsync(IQuerySession session, IEnumerable<Evidence> evidence, CancellationToken cancellationToken = default)
    {
        var wanted = evidence.Distinct().ToList();
        var runIds = wanted.Where(e => e.Kind == EvidenceKind.Run).Select(e => e.Id).ToArray();
        var runs = runIds.Length == 0 ? new Dictionary<Guid, RunSummary>()
            : (await session.LoadManyAsync<RunSummary>(cancellationToken, runIds)).ToDictionary(r => r.Id);
        var titles = await TitlesAsync(session,
            [.. wanted.Select(e => (e.Kind.ToString().ToLowerInvariant(), e.Id)), .. runs.Values.Select(r => ("idea", r.IdeaId))], cancellationToken);

        var named = new Dictionary<Evidence, CitedEvidence>();
        foreach (var piece in wanted)
        {
            var kind = piece.Kind.ToString().ToLowerInvariant();
            var title = titles.GetValueOrDefault((kind, piece.Id));
            if (piece.Kind == EvidenceKind.Run && runs.TryGetValue(piece.Id, out var run))
            {
                title ??= $"Run for \"{titles.GetValueOrDefault(("idea", run.IdeaId)) ?? "an idea"}\" ({run.Status.ToString().ToLowerInvariant()}, step {run.Step} of {run.TotalSteps})";
                named[piece] = new CitedEvidence(piece.Kind, piece.Id, title, run.DeviceSeconds);
            }
            else
            {
                named[piece] = new CitedEvidence(piece.Kind, piece.Id, title ?? $"{kind} {piece.Id}");
            }
        }
        return named;
    }

    private static async Task<Dictionary<(string Kind, Guid Id), string>> TitlesAsync(IQuerySession session, (string Kind, Guid Id)[] entries, CancellationToken cancellationToken)
    {
        var titles = new Dictionary<(string, Guid), string>();
        var wanted = entries.Distinct().ToArray();
        if (wanted.Length == 0)
        {
            return titles;
        }
        await using var connection = session.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(TitlesSql, connection);
        command.Parameters.AddWithValue("kinds", wanted.Select(e => e.Kind).ToArray());
        command.Parameters.AddWithValue("ids", wanted.Select(e => e.Id).ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            titles[(reader.GetString(0), reader.GetGuid(1))] = reader.GetString(2);
        }
        return titles;
    }
}
