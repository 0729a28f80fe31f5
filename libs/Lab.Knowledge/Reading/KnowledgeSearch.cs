using System.Net;
using Lab.Contracts.Reading;
using Marten;
using Npgsql;

namespace Lab.Knowledge.Reading;

/// <summary>
/// Full-text search over everything the lab has written down (ideas, notes, insights, finished runs): PostgreSQL's
/// English full-text ranking, with trigram word similarity so that a misspelt word still finds its
/// match. Snippets are HTML-escaped with the matched words in <c>&lt;mark&gt;</c>.
/// </summary>
public static class KnowledgeSearch
{
    public const int QueryMaxLength = 200;

    // Sentinels that cannot occur in stored text (control characters are refused on the way in):
    // the snippet is escaped first, then they become <mark> tags, so stored text can never inject markup.
    private const string MarkStart = "\u0001";
    private const string MarkEnd = "\u0002";

    private const string Sql = $"""
        with q as (
            select case when @any then replace(plainto_tsquery('english', @text)::text, '&', '|')::tsquery
                        else websearch_to_tsquery('english', @text) end as query
        ),
        entries as (
            select 'idea' as kind, d.id, d.data->>'Title' as title,
                   concat_ws(' ', d.data->>'Hypothesis', d.data->>'Motivation', d.data->>'StatusNote') as body
              from {KnowledgeStore.Schema}.mt_doc_{KnowledgeStore.IdeaAlias} d
            union all
            select 'note', d.id, d.data->>'Title', d.data->>'Body'
              from {KnowledgeStore.Schema}.mt_doc_{KnowledgeStore.NoteAlias} d
            union all
            select 'insight', d.id, d.data->>'Claim', coalesce(d.data->>'Details', '')
              from {KnowledgeStore.Schema}.mt_doc_{KnowledgeStore.InsightAlias} d
            union all
            select 'run', d.id, d.data->>'Title', d.data->>'Body'
              from {KnowledgeStore.Schema}.mt_doc_{Runs.RunsKnowledge.RunEntryAlias} d
        ),
        scored as (
            select e.kind, e.id, e.title, e.body, q.query,
                   ts_rank_cd(setweight(to_tsvector('english', coalesce(e.title, '')), 'A') || to_tsvector('english', coalesce(e.body, '')), q.query) as text_rank,
                   word_similarity(@text, coalesce(e.title, '') || ' ' || coalesce(e.body, '')) as fuzzy
              from entries e, q
             where (@kind = '' or e.kind = @kind)
        )
        select kind, id, title,
               -- The snippet comes from the body where the body matches, else from the title, so a match always shows.
               ts_headline('english', case when to_tsvector('english', coalesce(body, '')) @@ query then body else coalesce(title, '') end, query,
                           'StartSel={MarkStart}, StopSel={MarkEnd}, MaxFragments=2, MaxWords=25, MinWords=8, FragmentDelimiter= … ') as snippet,
               (text_rank * 2 + fuzzy)::float8 as rank
          from scored
         where text_rank > 0 or fuzzy >= @fuzzy
         order by rank desc, id
         limit @limit
        """;

    /// <summary>
    /// Finds entries matching <paramref name="text"/>. With <paramref name="anyWord"/> an entry needs only one
    /// word in common (for "is this like something we already have?"); otherwise all words, as a search box does.
    /// </summary>
    public static async Task<IReadOnlyList<SearchHit>> SearchAsync(IQuerySession session, string text, int limit, bool anyWord = false, string kind = "", CancellationToken cancellationToken = default)
    {
        await using var connection = session.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(Sql, connection);
        command.Parameters.AddWithValue("text", text);
        command.Parameters.AddWithValue("any", anyWord);
        command.Parameters.AddWithValue("kind", kind);
        command.Parameters.AddWithValue("limit", limit);
        command.Parameters.AddWithValue("fuzzy", anyWord ? 0.5 : 0.6);
        var hits = new List<SearchHit>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            hits.Add(new SearchHit(reader.GetString(0), reader.GetGuid(1), reader.IsDBNull(2) ? "" : reader.GetString(2),
                Highlight(reader.GetString(3)), Math.Round(reader.GetDouble(4), 4)));
        }
        return hits;
    }

    private static string Highlight(string snippet) =>
        WebUtility.HtmlEncode(snippet).Replace(MarkStart, "<mark>", StringComparison.Ordinal).Replace(MarkEnd, "</mark>", StringComparison.Ordinal);
}
