using System.Net;
using System.Text.RegularExpressions;
using Lab.Contracts.Reading;
using Marten;
using Npgsql;

namespace Lab.Knowledge.Reading;

/// <summary>
/// Full-text search over everything the lab has written down (ideas, notes, insights, finished runs): PostgreSQL's
/// English full-text ranking on the stored, indexed vectors of <see cref="SearchIndex"/>. A word the lab has never
/// written is also widened to the lab's words a typing mistake or two away (<see cref="Typos"/>: a swapped, missing,
/// extra or wrong letter), so that a misspelt word still finds its match, and the corrected query is suggested.
/// Snippets are HTML-escaped with the matched words in <c>&lt;mark&gt;</c>.
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

    /// <summary>Words like a typed one by their letters (trigrams) that are weighed as corrections, besides those one mistake away.</summary>
    private const int SimilarCandidates = 8;

    /// <summary>How much of a body its snippet is taken from (characters).</summary>
    private const int SnippetWindow = 10_000;

    /// <summary>A search that takes longer than this is stopped (and answered with 503), so no query can hold the database.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    // The lab's words that could be what a query's unknown words meant: those exactly one mistake away (looked up by the
    // vocabulary's key among the variants the query's words were sent with) and the most similar by trigrams (through the
    // vocabulary's trigram index, for two mistakes in a long word). A word the lab has written is taken as it is. Whether
    // a candidate shares the typed word's English stem says that the typed word already finds it ("routings").
    // Words are looked up as a range of one ("word >= x and word <= x"), which only the vocabulary's key serves: for
    // "word = x" the planner may pick the trigram index, which answers equality too, at over a millisecond a lookup,
    // and a word has hundreds of variants (seen: 1.1 s for one misspelt word in a young lab).
    private static readonly string CandidatesSql = $"""
        with words as (
            select word, position::int as position from unnest(@words::text[]) with ordinality as w(word, position)
        ),
        unknown as (
            select word, position from words
             where length(word) >= {SearchIndex.ShortestCorrectedWord}
               and not exists (select 1 from {SearchIndex.Vocabulary} v where v.word >= words.word and v.word <= words.word)
        )
        select u.position, c.word, similarity(c.word, u.word)::float8,
               plainto_tsquery('english', c.word)::text = plainto_tsquery('english', u.word)::text
          from unknown u, lateral (
               select v.word from unnest(@variants::text[], @variantWords::int[]) as x(variant, position)
                 join {SearchIndex.Vocabulary} v on v.word >= x.variant and v.word <= x.variant
                where x.position = u.position
               union
               (select v.word from {SearchIndex.Vocabulary} v
                 where v.word % u.word
                 order by similarity(v.word, u.word) desc limit {SimilarCandidates})
          ) c
        """;

    /// <summary>
    /// How many of a query's matches are ranked: the latest written. A query matching more of the lab than this (a word
    /// in most notes) ranks only its latest matches, so that no query reads more than this many entries' texts.
    /// </summary>
    public const int RankedMatches = 300;

    // The query as typed (web search syntax: all words, "phrases", or, -not) and as corrected, on the stored,
    // GIN-indexed vectors. The matches are found through the index alone (a bitmap of the matching rows, whose texts are
    // not read), the latest written of them ranked, exact matches above corrected ones.
    private static readonly string Sql = $"""
        with queries as (
            select case when @any then replace(plainto_tsquery('english', @text)::text, '&', '|')::tsquery
                        else websearch_to_tsquery('english', @text) end as typed,
                   case when @corrected = '' then ''::tsquery else to_tsquery('english', @corrected) end as corrected
        ),
        candidates as materialized (
            select e.kind, e.id
              from {SearchIndex.Entries} e, queries q
             where (e.document @@ q.typed or e.document @@ q.corrected)
               and (@kind = '' or e.kind = @kind)
             order by e.written desc
             limit {RankedMatches}
        ),
        matches as (
            select e.kind, e.id, e.title, e.body, q.typed || q.corrected as query,
                   ts_rank_cd(e.document, q.typed) * 2 + ts_rank_cd(e.document, q.corrected) as rank
              from candidates c join {SearchIndex.Entries} e on e.kind = c.kind and e.id = c.id, queries q
             order by rank desc, e.id
             limit @limit
        )
        select kind, id, title,
               -- The snippet comes from the start of the body where that matches, else from the title (the caller
               -- picks): highlighting reads its text again, which for a long note costs more than the whole search.
               ts_headline('english', left(body, {SnippetWindow}), query, '{HeadlineOptions}') as body_snippet,
               ts_headline('english', title, query, '{HeadlineOptions}') as title_snippet,
               rank::float8
          from matches
         order by rank desc, id
        """;

    private const string HeadlineOptions = $"StartSel={MarkStart}, StopSel={MarkEnd}, MaxFragments=2, MaxWords=25, MinWords=8, FragmentDelimiter= … ";

    // The planner reckons reading a row's vector as cheap, but a note's is kept apart from its row (TOAST): walking
    // the written-order index and testing each entry, or scanning the table, reads every vector on the way and costs
    // seconds at 100,000 entries, where the index's bitmap reads none.
    private const string IndexOnlyMatching = "SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off";

    /// <summary>
    /// Finds entries matching <paramref name="text"/>. With <paramref name="anyWord"/> an entry needs only one
    /// word in common (for "is this like something we already have?"); otherwise all words, as a search box does.
    /// </summary>
    public static async Task<IReadOnlyList<SearchHit>> SearchAsync(IQuerySession session, string text, int limit, bool anyWord = false, string kind = "", CancellationToken cancellationToken = default) =>
        (await SearchAndSuggestAsync(session, text, limit, anyWord, kind, cancellationToken)).Hits;

    /// <summary>
    /// <see cref="SearchAsync"/>, and the query with its misspelt words corrected when the lab has never written one of
    /// its words but has a word a mistake or two away ("did you mean sigmoid?").
    /// </summary>
    public static async Task<SearchOutcome> SearchAndSuggestAsync(IQuerySession session, string text, int limit, bool anyWord = false, string kind = "", CancellationToken cancellationToken = default)
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
            var (command, corrections) = await PrepareAsync(connection, transaction, text, limit, anyWord, kind, cancellationToken);
            await using var disposing = command;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var body = reader.GetString(3);
                hits.Add(new SearchHit(reader.GetString(0), reader.GetGuid(1), reader.GetString(2),
                    Highlight(body.Contains(MarkStart, StringComparison.Ordinal) ? body : reader.GetString(4)), Math.Round(reader.GetDouble(5), 4)));
            }
            return new SearchOutcome(hits, corrections.DidYouMean(text));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.QueryCanceled && !cancellationToken.IsCancellationRequested)
        {
            throw new SearchTimeoutException($"The search took longer than {Timeout.TotalSeconds:0} s and was stopped; try fewer or more specific words.", e);
        }
    }

    /// <summary>
    /// The search's statement in <paramref name="transaction"/>, with the query's corrections worked out and the planner
    /// set to find matches through the index (tests look at its plan).
    /// </summary>
    internal static async Task<(NpgsqlCommand Command, QueryCorrections Corrections)> PrepareAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string text, int limit, bool anyWord, string kind, CancellationToken cancellationToken)
    {
        var corrections = await CorrectAsync(connection, transaction, text, cancellationToken);
        await using (var planning = new NpgsqlCommand(IndexOnlyMatching, connection, transaction))
        {
            await planning.ExecuteNonQueryAsync(cancellationToken);
        }
        return (Command(connection, transaction, text, corrections, limit, anyWord, kind), corrections);
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string text, QueryCorrections corrections, int limit, bool anyWord, string kind)
    {
        var command = new NpgsqlCommand(Sql, connection, transaction);
        command.Parameters.AddWithValue("text", text);
        command.Parameters.AddWithValue("corrected", corrections.Query(anyWord));
        command.Parameters.AddWithValue("any", anyWord);
        command.Parameters.AddWithValue("kind", kind);
        command.Parameters.AddWithValue("limit", limit);
        return command;
    }

    /// <summary>
    /// The statement that finds the lab's words that a query's <paramref name="words"/> could have meant; null when none
    /// is long enough to be corrected (tests look at its plan).
    /// </summary>
    internal static NpgsqlCommand? CandidatesCommand(NpgsqlConnection connection, NpgsqlTransaction? transaction, string[] words)
    {
        var variants = new List<string>();
        var variantWords = new List<int>();
        for (var i = 0; i < words.Length; i++)
        {
            if (words[i].Length >= SearchIndex.ShortestCorrectedWord)
            {
                var near = Typos.OneMistakeAway(words[i]);
                variants.AddRange(near);
                variantWords.AddRange(Enumerable.Repeat(i + 1, near.Count));
            }
        }
        if (variants.Count == 0)
        {
            return null;
        }
        var command = new NpgsqlCommand(CandidatesSql, connection, transaction);
        command.Parameters.AddWithValue("words", words);
        command.Parameters.AddWithValue("variants", variants.ToArray());
        command.Parameters.AddWithValue("variantWords", variantWords.ToArray());
        return command;
    }

    /// <summary>For each word of the query that the lab has never written, the lab's words it most likely meant.</summary>
    internal static async Task<QueryCorrections> CorrectAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string text, CancellationToken cancellationToken)
    {
        var words = Words(text);
        var candidates = new List<(int Position, string Word, double Similarity, bool SameStem)>();
        if (CandidatesCommand(connection, transaction, words) is { } found)
        {
            await using var command = found;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                candidates.Add((reader.GetInt32(0), reader.GetString(1), reader.GetDouble(2), reader.GetBoolean(3)));
            }
        }
        var corrected = new string[words.Length][];
        for (var i = 0; i < words.Length; i++)
        {
            var word = words[i];
            var mine = candidates.Where(c => c.Position == i + 1).ToList();
            // A word whose stem the lab has written ("routings" for "routing") finds its matches as it is.
            corrected[i] = mine.Any(c => c.SameStem) ? [] :
            [
                .. mine.Select(c => (c.Word, c.Similarity, Mistakes: Typos.Mistakes(word, c.Word, Typos.MistakesAllowed(word))))
                    .Where(c => c.Mistakes != int.MaxValue)
                    .OrderBy(c => c.Mistakes).ThenByDescending(c => c.Similarity).ThenBy(c => c.Word, StringComparer.Ordinal)
                    .Take(CorrectionsPerWord)
                    .Select(c => c.Word),
            ];
        }
        return new QueryCorrections(words, corrected);
    }

    /// <summary>The words of a query as the vocabulary holds them: letters and digits, lower case, each once.</summary>
    public static string[] Words(string text) =>
        [.. WordPattern().Matches(text.ToLowerInvariant()).Select(m => m.Value).Where(w => w.Length <= SearchIndex.LongestWord).Distinct().Take(MaxQueryWords)];

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex WordPattern();

    private static string Highlight(string snippet) =>
        WebUtility.HtmlEncode(snippet).Replace(MarkStart, "<mark>", StringComparison.Ordinal).Replace(MarkEnd, "</mark>", StringComparison.Ordinal);
}

/// <summary>What a search found, and the query as it was probably meant when one of its words looks misspelt.</summary>
public sealed record SearchOutcome(IReadOnlyList<SearchHit> Hits, string? DidYouMean);

/// <summary>The words of a query and, for each, the lab's words it was probably meant to be (best first; none when it is fine).</summary>
internal sealed record QueryCorrections(string[] Words, string[][] Corrections)
{
    public bool Any => Corrections.Any(c => c.Length > 0);

    /// <summary>
    /// The query widened by the corrections as text for <c>to_tsquery</c>: "(sigmiod | sigmoid) &amp; (gate)"; empty when
    /// nothing was corrected (the query as typed says it all). Words hold only letters and digits: nothing in them is syntax.
    /// </summary>
    public string Query(bool anyWord) => !Any ? "" :
        string.Join(anyWord ? " | " : " & ", Words.Select((word, i) => "(" + string.Join(" | ", [word, .. Corrections[i]]) + ")"));

    /// <summary><paramref name="typed"/> with each corrected word replaced by its best correction; null when nothing was corrected.</summary>
    public string? DidYouMean(string typed)
    {
        if (!Any)
        {
            return null;
        }
        var suggestion = typed;
        for (var i = 0; i < Words.Length; i++)
        {
            if (Corrections[i] is [var best, ..])
            {
                suggestion = Regex.Replace(suggestion, $@"(?<![\p{{L}}\p{{N}}]){Regex.Escape(Words[i])}(?![\p{{L}}\p{{N}}])",
                    best, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            }
        }
        return suggestion.Trim();
    }
}

/// <summary>A search stopped at <see cref="KnowledgeSearch.Timeout"/>.</summary>
public sealed class SearchTimeoutException(string message, Exception inner) : TimeoutException(message, inner);
