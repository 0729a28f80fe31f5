using System.Globalization;
using Lab.Contracts.Reading;
using Lab.Knowledge.Datasets;
using Lab.Knowledge.Ideas;
using Lab.Knowledge.Notes;
using Lab.Knowledge.Researchers;
using Lab.Knowledge.Runs;
using Marten;
using Marten.Linq.MatchesSql;

namespace Lab.Knowledge.Reading;

/// <summary>
/// Things found by the start of their id, and runs by its end too (as the portal shows them). Ids are version 7 UUIDs,
/// whose first twelve hexadecimal digits are the moment they were made: two ideas and a note written within a minute
/// share their first eight digits, so a short id is only good while it is the start of exactly one id. A prefix of
/// <c>n</c> digits is the range of ids from the prefix padded with zeros to the prefix padded with f's, which the
/// documents' primary key finds directly (PostgreSQL orders uuids as their hexadecimal text reads).
/// </summary>
public static class IdPrefixes
{
    /// <summary>Fewer digits than this name months of ids: not worth a lookup.</summary>
    public const int ShortestPrefix = 4;

    /// <summary>How many of the ids a prefix begins are listed when it begins more than one.</summary>
    public const int MaxCandidates = 10;

    public const string Idea = "idea";
    public const string Note = "note";
    public const string Insight = "insight";
    public const string Run = "run";
    public const string Researcher = "researcher";
    public const string Dataset = "dataset";

    /// <summary>
    /// How the portal names a run: the last eight digits of its id, which are random where the first ones are the moment
    /// it was made (shared by runs submitted together). A run is found by the end of its id too (8 to 12 digits, as the
    /// id's last group is written), when no id begins with the digits.
    /// </summary>
    public const int ShortestRunEnding = 8;

    /// <summary>The kinds of things an id can be looked up as.</summary>
    public static readonly IReadOnlyList<string> Kinds = [Idea, Note, Insight, Run, Researcher, Dataset];

    /// <summary>
    /// Reads <paramref name="text"/> as the start of an id: at least <see cref="ShortestPrefix"/> hexadecimal digits,
    /// hyphens anywhere (as ids are written), at most a whole id; the range of ids it begins.
    /// </summary>
    public static bool TryParse(string? text, out Guid from, out Guid to)
    {
        from = to = Guid.Empty;
        if (string.IsNullOrWhiteSpace(text) || text.Length > 36)
        {
            return false;
        }
        var digits = text.Trim().Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();
        if (digits.Length is < ShortestPrefix or > 32 || !digits.All(char.IsAsciiHexDigit))
        {
            return false;
        }
        from = Guid.ParseExact(digits.PadRight(32, '0'), "N");
        to = Guid.ParseExact(digits.PadRight(32, 'f'), "N");
        return true;
    }

    /// <summary>Whether <paramref name="text"/> can be the end of a run's id as the portal shows it (8 to 12 hexadecimal digits); its digits.</summary>
    public static bool TryParseRunEnding(string? text, out string digits)
    {
        digits = text?.Trim().ToLowerInvariant() ?? "";
        return digits.Length is >= ShortestRunEnding and <= 12 && digits.All(char.IsAsciiHexDigit);
    }

    /// <summary>
    /// What has an id beginning with <paramref name="prefix"/> (of one <paramref name="kind"/>, or of any kind when null),
    /// at most <see cref="MaxCandidates"/> + 1 of them (enough to say that there are more), newest first: the newest are
    /// what people usually mean.
    /// </summary>
    public static async Task<IReadOnlyList<IdMatch>> FindAsync(IQuerySession session, string prefix, string? kind, CancellationToken cancellationToken = default)
    {
        if (!TryParse(prefix, out var from, out var to))
        {
            throw new ArgumentException($"'{prefix}' is not the start of an id.", nameof(prefix));
        }
        var take = MaxCandidates + 1;
        var found = new List<IdMatch>();
        foreach (var wanted in kind is null ? Kinds : [kind])
        {
            found.AddRange(wanted switch
            {
                Idea => (await InRange<IdeaSummary>(session, from, to).Select(i => new { i.Id, i.Title }).Take(take).ToListAsync(cancellationToken))
                    .Select(i => new IdMatch(Idea, i.Id, i.Title)),
                Note => (await InRange<Note>(session, from, to).Select(n => new { n.Id, n.Title }).Take(take).ToListAsync(cancellationToken))
                    .Select(n => new IdMatch(Note, n.Id, n.Title)),
                Insight => (await InRange<Insight>(session, from, to).Select(i => new { i.Id, i.Claim }).Take(take).ToListAsync(cancellationToken))
                    .Select(i => new IdMatch(Insight, i.Id, i.Claim)),
                Run => await RunsAsync(session, from, to, take, cancellationToken),
                Researcher => (await InRange<ResearcherProfile>(session, from, to).Select(r => new { r.Id, r.Handle, r.Name }).Take(take).ToListAsync(cancellationToken))
                    .Select(r => new IdMatch(Researcher, r.Id, $"@{r.Handle} ({r.Name})")),
                Dataset => (await InRange<Dataset>(session, from, to).Select(d => new { d.Id, d.Name }).Take(take).ToListAsync(cancellationToken))
                    .Select(d => new IdMatch(Dataset, d.Id, d.Name)),
                _ => throw new ArgumentException($"There is no kind '{wanted}'.", nameof(kind)),
            });
        }
        if (found.Count == 0 && (kind is null or Run) && TryParseRunEnding(prefix, out var ending))
        {
            found.AddRange(await RunsAsync(session, session.Query<RunSummary>()
                .Where(r => r.MatchesSql("right(replace(id::text, '-', ''), ?) = ?", ending.Length, ending)).OrderBySql("id desc"), take, cancellationToken));
        }
        return [.. found.OrderByDescending(m => m.Id).Take(take)];
    }

    /// <summary>Runs are named as their knowledge entry names them when they have finished, else by their idea and status.</summary>
    private static Task<IEnumerable<IdMatch>> RunsAsync(IQuerySession session, Guid from, Guid to, int take, CancellationToken cancellationToken) =>
        RunsAsync(session, InRange<RunSummary>(session, from, to), take, cancellationToken);

    private static async Task<IEnumerable<IdMatch>> RunsAsync(IQuerySession session, IQueryable<RunSummary> found, int take, CancellationToken cancellationToken)
    {
        var runs = await found.Select(r => new { r.Id, r.IdeaId, r.Status, r.Step, r.TotalSteps }).Take(take).ToListAsync(cancellationToken);
        if (runs.Count == 0)
        {
            return [];
        }
        var ideaIds = runs.Select(r => r.IdeaId).Distinct().ToArray();
        var ideas = (await session.Query<IdeaSummary>().Where(i => ideaIds.Contains(i.Id))
            .Select(i => new { i.Id, i.Title }).ToListAsync(cancellationToken)).ToDictionary(i => i.Id, i => i.Title);
        return runs.Select(r => new IdMatch(Run, r.Id, string.Create(CultureInfo.InvariantCulture,
            $"Run for \"{ideas.GetValueOrDefault(r.IdeaId) ?? "an idea"}\" ({r.Status.ToString().ToLowerInvariant()}, step {r.Step} of {r.TotalSteps})")));
    }

    private static IQueryable<T> InRange<T>(IQuerySession session, Guid from, Guid to) where T : notnull =>
        session.Query<T>().Where(d => d.MatchesSql("id >= ? and id <= ?", from, to)).OrderBySql("id desc");
}
