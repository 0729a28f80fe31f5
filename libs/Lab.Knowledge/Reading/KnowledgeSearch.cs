using System.Net;
using Lab.Contracts.Reading;
using Marten;
using Npgsql;

namespace Lab.Knowledge.Reading;

/// <summary>
/// Full-text search over everything the lab has written down (ideas, notes, insights, finished runs): PostgreSQL's
/// English full-text ranking on the stored, indexed vectors of <see cref="SearchIndex"/>, with each word also widened
/// to the lab's words within a typo of it, so that a misspelt word still finds its match. Snippets are HTML-escaped
/// with the matched words in <c>&lt;mark&gt;</c>.
/// </summary>
public static partial class KnowledgeSearch
{
    public const int QueryMaxLength = 200;

    // Sentinels that cannot occur in stored text (control characters are refused on the way in):
    // the snippet is escaped first, then they become <mark> tags, so stored text can never inject markup.
    private const string MarkStart = "\u0001";
    private const string MarkEnd = "\u0002";

    /// <summary>How many words of a query are looked at, and how many corrections each may have.</summary>
    public const int MaxQueryWords = 12;
    private const int CorrectionsPerWord = 3;

    /// <summary>How much of a body its snippet is taken from (characters).</summary>
    private const int SnippetWindow = 10_000;

    /// <summary>A search that takes longer than this is stopped (and answered with 503), so no query can hold the database.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    // Each word of the query widened to the lab's words within a typo of it (trigram similarity, through the
    // vocabulary's index), as one tsquery: "(sigmiod | sigmoid) & (gate)". Computed first, so that the search itself
    // compares the stored vectors with two constant queries and reads only matching entries through their index.
    private static readonly string CorrectionSql = $"""
        with words as (
            select word, position from unnest(@words::text[]) with ordinality as w(word, position)
        ),
        widened as (
            select position, string_agg(alternative, ' | ') as alternatives
              from words, lateral (
                   select words.word as alternative
                   union
                   (select v.word from {SearchIndex.Vocabulary} v
                     where length(words.word) >= {SearchIndex.ShortestCorrectedWord} and v.word % words.word
                     order by similarity(v.word, words.word) desc limit {CorrectionsPerWord})
              ) corrections
             group by position
        )
        select coalesce(to_tsquery('english', string_agg('(' || alternatives || ')', case when @any then ' | ' else ' & ' end order by position))::text, '')
          from widened
        """;

    // The query as typed (web search syntax: all words, "phrases", or, -not) and as corrected, on the stored,
    // GIN-indexed vectors. Exact matches rank above corrected ones.
    private static readonly string Sql = $"""
        with queries as (
            select case when @any then replace(plainto_tsquery('english', @text)::text, '&', '|')::tsquery
                        else websearch_to_tsquery('english', @text) end as typed,
                   @corrected::tsquery as corrected
        ),
        matches as (
            select e.kind, e.id, e.title, e.body, q.typed || q.corrected as query,
                   ts_rank_cd(e.document, q.typed) * 2 + ts_rank_cd(e.document, q.corrected) as rank
              from {SearchIndex.Entries} e, queries q
             where (e.document @@ q.typed or e.document @@ q.corrected)
               and (@kind = '' or e.kind = @kind)
             order by rank desc, e.id
             limit @limit
        )
        select kind, id, title,
               -- The snippet comes from the start of the body where that matches, else from the title: highlighting
               -- reads its text again, which for a long note costs more than the whole search.
               ts_headline('english', case when to_tsvector('english', left(body, {SnippetWindow})) @@ query then left(body, {SnippetWindow}) else title end, query,
                           'StartSel={MarkStart}, StopSel={MarkEnd}, MaxFragments=2, MaxWords=25, MinWords=8, FragmentDelimiter= … ') as snippet,
               rank::float8
          from matches
         order by rank desc, id
        """;

    /// <summary>
    /// Finds entries matching <paramref name="text"/>. With <paramref name="anyWord"/> an entry needs only one
    /// word in common (for "is this like something we already have?"); otherwise all words, as a search box does.
    /// </summary>
    public static async Task<IReadOnlyList<SearchHit>> SearchAsync(IQuerySession session, string text, int limit, bool anyWord = false, string kind = "", CancellationToken cancellationToken = default)
    {
        await using var connection = session.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var bound = new NpgsqlCommand($"SET LOCAL statement_timeout = {(int)Timeout.TotalMilliseconds}", connection, transaction))
        {
            await bound.ExecuteNonQueryAsync(cancellationToken);
        }
        var hits = new List<SearchHit>();
        try
        {
            await using var command = await CommandAsync(connection, transaction, text, limit, anyWord, kind, cancellationToken);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                hits.Add(new SearchHit(reader.GetString(0), reader.GetGuid(1), reader.GetString(2),
                    Highlight(reader.GetString(3)), Math.Round(reader.GetDouble(4), 4)));
            }
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.QueryCanceled && !cancellationToken.IsCancellationRequested)
        {
            throw new SearchTimeoutException($"The search took longer than {Timeout.TotalSeconds:0} s and was stopped; try fewer or more specific words.", e);
        }
        return hits;
    }

    /// <summary>The search's statement, with the query's corrections worked out (tests look at its plan).</summary>
    internal static async Task<NpgsqlCommand> CommandAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string text, int limit, bool anyWord, string kind, CancellationToken cancellationToken)
    {
        string corrected;
        await using (var correction = new NpgsqlCommand(CorrectionSql, connection, transaction))
        {
            correction.Parameters.AddWithValue("words", Words(text));
            correction.Parameters.AddWithValue("any", anyWord);
            corrected = (string?)await correction.ExecuteScalarAsync(cancellationToken) ?? "";
        }
        var command = new NpgsqlCommand(Sql, connection, transaction);
        command.Parameters.AddWithValue("text", text);
        command.Parameters.AddWithValue("corrected", corrected);
        command.Parameters.AddWithValue("any", anyWord);
        command.Parameters.AddWithValue("kind", kind);
        command.Parameters.AddWithValue("limit", limit);
        return command;
    }

    /// <summary>The words of a query as the vocabulary holds them: letters and digits, lower case, each once.</summary>
    public static string[] Words(string text) =>
        [.. WordPattern().Matches(text.ToLowerInvariant()).Select(m => m.Value).Where(w => w.Length <= SearchIndex.LongestWord).Distinct().Take(MaxQueryWords)];

    [System.Text.RegularExpressions.GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial System.Text.RegularExpressions.Regex WordPattern();

    private static string Highlight(string snippet) =>
        WebUtility.HtmlEncode(snippet).Replace(MarkStart, "<mark>", StringComparison.Ordinal).Replace(MarkEnd, "</mark>", StringComparison.Ordinal);
}

/// <summary>A search stopped at <see cref="KnowledgeSearch.Timeout"/>.</summary>
public sealed class SearchTimeoutException(string message, Exception inner) : TimeoutException(message, inner);
