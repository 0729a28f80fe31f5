using System.Text.Json;
using Lab.Contracts.Knowledge;
using Lab.Knowledge.Reading;
using Marten;
using Npgsql;

namespace Lab.Grains.Tests;

/// <summary>Search reads stored, indexed vectors kept up to date on write, forgives typing mistakes and says what was meant.</summary>
[Collection(GrainClusterCollection.Name)]
public sealed class SearchIndexTests(GrainClusterFixture lab)
{
    [Fact]
    public async Task An_edited_note_is_found_by_its_new_words_and_no_longer_by_its_old_ones()
    {
        var ada = await Members.JoinAsync(lab.Client, "ada");
        var (before, after) = ("kestrel" + Unique(), "ptarmigan" + Unique());
        var noteId = Guid.CreateVersion7();
        var note = lab.Client.GetGrain<INoteGrain>(noteId);
        await note.Write(new WriteNote("Birds", $"The {before} router."), ada);
        Assert.Equal([noteId], await FoundAsync(before));

        await note.Edit(new EditNote("Birds", $"The {after} router."), ada);

        Assert.Empty(await FoundAsync(before));
        Assert.Equal([noteId], await FoundAsync(after));
    }

    [Theory]
    [InlineData("sigmiod", "sigmoid")]
    [InlineData("routng", "routing")]
    [InlineData("balanse", "balance")]
    [InlineData("expertts", "experts")]
    [InlineData("capcaity", "capacity")]
    [InlineData("spezialisatoin", "specialisation")]
    public async Task A_word_with_a_swapped_wrong_missing_or_extra_letter_finds_the_word_and_is_corrected(string typed, string written)
    {
        var ada = await Members.JoinAsync(lab.Client, "ada");
        var marker = "marker" + Unique();
        var noteId = Guid.CreateVersion7();
        await lab.Client.GetGrain<INoteGrain>(noteId).Write(new WriteNote($"Gates {marker}", $"A {written} gate in front of every expert."), ada);

        var found = await SearchAsync($"{typed} {marker}");

        Assert.Contains(noteId, found.Hits.Select(h => h.Id));
        Assert.Equal($"{written} {marker}", found.DidYouMean);
    }

    [Fact]
    public async Task A_misspelt_word_finds_the_word_one_mistake_away_even_among_many_words_more_alike_by_their_letters()
    {
        // Trigram similarity ranks these above "sigmoid" for "sigmiod" (they share "sig", "igm", "gm"), which once kept
        // the right word out of the three corrections a word gets.
        var ada = await Members.JoinAsync(lab.Client, "ada");
        var marker = Letters();
        await lab.Client.GetGrain<INoteGrain>(Guid.CreateVersion7()).Write(new WriteNote($"Statistics {marker}",
            $"sigma sigmas sigmata sigmund sigmoidal signal {marker}."), ada);
        var noteId = Guid.CreateVersion7();
        await lab.Client.GetGrain<INoteGrain>(noteId).Write(new WriteNote($"Gates {marker}", $"A sigmoid gate, {marker}."), ada);

        var found = await SearchAsync($"sigmiod {marker}");

        Assert.Contains(noteId, found.Hits.Select(h => h.Id));
        Assert.Equal($"sigmoid {marker}", found.DidYouMean);
    }

    [Fact]
    public async Task A_word_the_lab_has_written_or_whose_stem_it_has_is_taken_as_it_is()
    {
        var ada = await Members.JoinAsync(lab.Client, "ada");
        var stem = "rout" + Letters();
        var noteId = Guid.CreateVersion7();
        await lab.Client.GetGrain<INoteGrain>(noteId).Write(new WriteNote("Routers", $"The {stem}ing layer sends tokens on."), ada);

        var exact = await SearchAsync($"{stem}ing");
        var inflected = await SearchAsync($"{stem}ings");

        Assert.Equal([noteId], exact.Hits.Select(h => h.Id));
        Assert.Null(exact.DidYouMean);
        Assert.Contains(noteId, inflected.Hits.Select(h => h.Id));
        Assert.Null(inflected.DidYouMean);
    }

    [Fact]
    public async Task A_word_nothing_resembles_suggests_nothing_and_finds_nothing()
    {
        var found = await SearchAsync("qzxv" + Letters());

        Assert.Empty(found.Hits);
        Assert.Null(found.DidYouMean);
    }

    [Fact]
    public async Task A_query_reads_only_the_matching_entries_through_the_index()
    {
        // Thousands of entries that do not match, as after one member wrote a great deal.
        var filler = "filler" + Unique();
        await ExecuteAsync($"""
            INSERT INTO {SearchIndex.Entries} (kind, id, title, body)
            SELECT 'note', gen_random_uuid(), '{filler} ' || n, repeat('words about mixture of experts and routing ', 50) || n
              FROM generate_series(1, 5000) n;
            ANALYZE {SearchIndex.Entries};
            """);
        try
        {
            // A rare word, and words in thousands of entries: either way the matches come from the index's bitmap,
            // never from reading every entry's text (a scan, or a walk in written order testing each entry).
            foreach (var query in new[] { "rare" + Unique(), "mixture experts", filler })
            {
                var plan = await PlanAsync(query);

                Assert.Contains("knowledge_text_document", plan, StringComparison.Ordinal);
                Assert.DoesNotContain("\"Seq Scan\"", plan, StringComparison.Ordinal);
                Assert.DoesNotContain("knowledge_text_written", plan, StringComparison.Ordinal);
            }
        }
        finally
        {
            await ExecuteAsync($"DELETE FROM {SearchIndex.Entries} WHERE title LIKE '{filler} %'");
        }
    }

    [Fact]
    public async Task A_misspelt_word_is_looked_up_among_the_labs_words_by_their_key_not_by_their_trigrams()
    {
        // Before the vocabulary has statistics (a young lab), "word = variant" went through the trigram index, over a
        // millisecond for each of a word's hundreds of variants: a misspelt word took a second.
        var ada = await Members.JoinAsync(lab.Client, "ada");
        // Two different first letters, so that swapping them makes a typing mistake.
        var written = "ab" + Letters();
        await lab.Client.GetGrain<INoteGrain>(Guid.CreateVersion7()).Write(new WriteNote("Words", $"The {written} layer."), ada);
        var typed = "ba" + written[2..];

        await using var connection = lab.Store.Storage.Database.CreateConnection();
        await connection.OpenAsync();
        await using var command = KnowledgeSearch.CandidatesCommand(connection, null, [typed])!;
        command.CommandText = "EXPLAIN (FORMAT JSON) " + command.CommandText;
        var plan = JsonSerializer.Serialize(JsonDocument.Parse((string)(await command.ExecuteScalarAsync())!));

        Assert.Contains("knowledge_words_pkey", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("\"Index Cond\":\"(word = ", plan, StringComparison.Ordinal);
        Assert.Equal(written, (await SearchAsync(typed)).DidYouMean);
    }

    [Fact]
    public async Task A_query_matching_more_entries_than_are_ranked_ranks_the_latest_written_and_an_edit_counts_as_written()
    {
        var ada = await Members.JoinAsync(lab.Client, "ada");
        var word = Letters();
        // The first written say the word most often, and would rank first were all the matches ranked.
        var first = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            var id = Guid.CreateVersion7();
            await lab.Client.GetGrain<INoteGrain>(id).Write(new WriteNote($"{word} {word}", string.Join(' ', Enumerable.Repeat(word, 40))), ada);
            first.Add(id);
        }
        var filler = "filler" + Unique();
        await ExecuteAsync($"""
            INSERT INTO {SearchIndex.Entries} (kind, id, title, body)
            SELECT 'note', gen_random_uuid(), '{filler} ' || n, 'Once: {word}.' FROM generate_series(1, {KnowledgeSearch.RankedMatches}) n;
            """);
        try
        {
            var latest = await FoundAsync(word);
            Assert.Equal(20, latest.Count);
            Assert.Empty(latest.Intersect(first));

            await lab.Client.GetGrain<INoteGrain>(first[0]).Edit(new EditNote($"{word} {word}", string.Join(' ', Enumerable.Repeat(word, 41))), ada);

            Assert.Equal(first[0], (await FoundAsync(word))[0]);
        }
        finally
        {
            await ExecuteAsync($"DELETE FROM {SearchIndex.Entries} WHERE title LIKE '{filler} %'");
        }
    }

    private static string Unique() => Guid.NewGuid().ToString("N")[..8];

    /// <summary>A made-up word of letters only (so that English stemming treats it as a word).</summary>
    private static string Letters() => string.Concat(Guid.NewGuid().ToString("N")[..10].Select(c => (char)('k' + (c % 16))));

    private async Task<SearchOutcome> SearchAsync(string query)
    {
        await using var session = lab.Store.QuerySession();
        return await KnowledgeSearch.SearchAndSuggestAsync(session, query, 20);
    }

    private async Task<List<Guid>> FoundAsync(string query)
    {
        await using var session = lab.Store.QuerySession();
        return [.. (await KnowledgeSearch.SearchAsync(session, query, 20)).Select(h => h.Id)];
    }

    private async Task<string> PlanAsync(string query)
    {
        await using var connection = lab.Store.Storage.Database.CreateConnection();
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var (command, _) = await KnowledgeSearch.PrepareAsync(connection, transaction, query, 20, anyWord: false, kind: "", CancellationToken.None);
        await using var disposing = command;
        command.CommandText = "EXPLAIN (FORMAT JSON) " + command.CommandText;
        var plan = (string)(await command.ExecuteScalarAsync())!;
        return JsonSerializer.Serialize(JsonDocument.Parse(plan));
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = lab.Store.Storage.Database.CreateConnection();
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
