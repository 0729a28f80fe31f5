using Marten;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Lab.Knowledge.Reading;

/// <summary>
/// What search reads: one row per knowledge entry (idea, note, insight, finished run) with its stored, indexed text
/// vector, and the lab's vocabulary with a trigram index for typo tolerance. Both are kept by triggers on the
/// documents' tables, inside the transaction that writes the document, so every way a document is written (a grain,
/// a projection, a rebuild) keeps them exact, and a query touches only the entries that match.
/// </summary>
public static class SearchIndex
{
    public const string Entries = $"{KnowledgeStore.Schema}.knowledge_text";
    public const string Vocabulary = $"{KnowledgeStore.Schema}.knowledge_words";

    /// <summary>Words shorter than this are not corrected (too many near neighbours), nor longer than the upper bound (not words).</summary>
    public const int ShortestCorrectedWord = 4;
    public const int LongestWord = 40;

    /// <summary>An arbitrary, fixed advisory lock number for creating the index ("labsrch" in ASCII).</summary>
    private const long LockKey = 0x6c616273726368;

    /// <summary>Which documents are knowledge, and which of their fields are its title and its body.</summary>
    private static readonly (string Kind, string Table, string Title, string[] Body)[] Sources =
    [
        ("idea", KnowledgeStore.IdeaAlias, "Title", ["Hypothesis", "Motivation", "StatusNote"]),
        ("note", KnowledgeStore.NoteAlias, "Title", ["Body"]),
        ("insight", KnowledgeStore.InsightAlias, "Claim", ["Details"]),
        ("run", Runs.RunsKnowledge.RunEntryAlias, "Title", ["Body"]),
    ];

    private static string Schema => $"""
        CREATE TABLE IF NOT EXISTS {Entries} (
            kind     text NOT NULL,
            id       uuid NOT NULL,
            title    text NOT NULL,
            body     text NOT NULL,
            document tsvector GENERATED ALWAYS AS (setweight(to_tsvector('english', title), 'A') || to_tsvector('english', body)) STORED,
            PRIMARY KEY (kind, id)
        );
        CREATE INDEX IF NOT EXISTS knowledge_text_document ON {Entries} USING gin (document);

        CREATE TABLE IF NOT EXISTS {Vocabulary} (word text PRIMARY KEY);
        CREATE INDEX IF NOT EXISTS knowledge_words_trigrams ON {Vocabulary} USING gin (word gin_trgm_ops);

        -- Arguments: the entry's kind, its title field, then its body fields.
        CREATE OR REPLACE FUNCTION {KnowledgeStore.Schema}.knowledge_text_sync() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            entry_title text;
            entry_body  text;
        BEGIN
            IF TG_OP = 'DELETE' THEN
                DELETE FROM {Entries} WHERE kind = TG_ARGV[0] AND id = OLD.id;
                RETURN NULL;
            END IF;
            entry_title := coalesce(NEW.data ->> TG_ARGV[1], '');
            SELECT coalesce(string_agg(NEW.data ->> field, ' '), '') INTO entry_body FROM unnest(TG_ARGV[2:]) AS field;
            INSERT INTO {Entries} (kind, id, title, body) VALUES (TG_ARGV[0], NEW.id, entry_title, entry_body)
                ON CONFLICT (kind, id) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body;
            -- Only plain words (no paths, addresses or hyphens), which a query can use as they are.
            -- In sorted order, so that writers adding the same words wait for each other instead of deadlocking.
            INSERT INTO {Vocabulary} (word)
                SELECT word FROM unnest(tsvector_to_array(to_tsvector('simple', entry_title || ' ' || entry_body))) AS word
                 WHERE length(word) BETWEEN {ShortestCorrectedWord} AND {LongestWord} AND word ~ '^[[:alnum:]]+$'
                 ORDER BY word
                ON CONFLICT DO NOTHING;
            RETURN NULL;
        END $$;
        """;

    private static string Triggers => string.Join('\n', Sources.Select(s => $"""
        CREATE OR REPLACE TRIGGER knowledge_text_sync AFTER INSERT OR UPDATE OR DELETE ON {KnowledgeStore.Schema}.mt_doc_{s.Table}
            FOR EACH ROW EXECUTE FUNCTION {KnowledgeStore.Schema}.knowledge_text_sync('{s.Kind}', '{s.Title}', {string.Join(", ", s.Body.Select(b => $"'{b}'"))});
        -- Entries written before the index existed: touching them runs the trigger.
        UPDATE {KnowledgeStore.Schema}.mt_doc_{s.Table} d SET data = d.data
         WHERE NOT EXISTS (SELECT 1 FROM {Entries} e WHERE e.kind = '{s.Kind}' AND e.id = d.id);
        """));

    /// <summary>Creates the index if missing, idempotently, one replica at a time; fills it from entries written before.</summary>
    public static async Task EnsureAsync(NpgsqlConnection connection, CancellationToken cancellationToken = default)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({LockKey});\n{Schema}\n{Triggers}", connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Runs <see cref="EnsureAsync"/> at start, after Marten has created the documents' tables.</summary>
    public sealed class Setup(IDocumentStore store) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            await using var connection = store.Storage.Database.CreateConnection();
            await connection.OpenAsync(cancellationToken);
            await EnsureAsync(connection, cancellationToken);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
