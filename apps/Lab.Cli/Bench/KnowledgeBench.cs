using System.Diagnostics;
using System.Text;
using JasperFx.Events.Daemon;
using Lab.Api;
using Lab.Contracts;
using Lab.Contracts.Ideas;
using Lab.Contracts.Knowledge;
using Lab.Contracts.Researchers;
using Lab.Contracts.Runs;
using Lab.Hosting;
using Lab.Knowledge.Notes;
using Lab.Knowledge.Reading;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Lab.Cli.Bench;

/// <summary>What <c>lab bench kb</c> measures.</summary>
public sealed record KnowledgeBenchResult(
    double AppendsPerS,
    double AppendP50Ms,
    double AppendP99Ms,
    double? AppendCpuMsLab,
    double? AppendCpuMsPostgres,
    double AppendsPerSWithoutIndex,
    double BatchEventsPerS,
    double RebuildEventsPerS,
    double SearchP50Ms,
    double SearchP99Ms,
    double SearchMaxMs,
    int Entries,
    int Queries,
    int Concurrency,
    double FillSeconds);

/// <summary>
/// The knowledge base under load, in a lab of its own (one API with its silo on a throwaway PostgreSQL): event appends
/// through the real write path (a grain, Marten, the inline projections and the search index, one event a transaction),
/// with the processor time each costs in Lab's process and in PostgreSQL, and again without the search index's upkeep,
/// the same events appended in batches, a projection rebuilt from the event log, and search over at least the asked
/// number of entries of realistic sizes (ideas of a few hundred characters, notes of a few KB, insights, finished runs).
/// </summary>
public static class KnowledgeBench
{
    private const int BatchSize = 500;

    public static async Task<KnowledgeBenchResult> RunAsync(int entries, int concurrency, TimeSpan writePhase, int queries, IProgress<string> progress, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"lab-bench-kb-{Environment.ProcessId}-{Guid.NewGuid():N}"[..36]);
        Directory.CreateDirectory(folder);
        List<WebApplication> started = [];
        EmbeddedPostgres? postgres = null;
        try
        {
            postgres = await EmbeddedPostgres.StartAsync(folder, progress, cancellationToken);
            progress.Report("Starting the API with its silo");
            started.Add(await InProcessService.StartAsync("Lab.Api", $"http://127.0.0.1:{FreePort.Next()}", new Dictionary<string, string?>
            {
                [$"ConnectionStrings:{LabServices.Database}"] = postgres.ConnectionString,
                [Lab.Clustering.LabCluster.Keys.CertificatePath] = Lab.Clustering.ClusterCertificate.EnsureFile(folder),
                ["Logging:LogLevel:Default"] = "Warning",
                ["Logging:LogLevel:Orleans"] = "Error",
            }, ApiService.Build, cancellationToken));
            var services = started[0].Services;
            var grains = services.GetRequiredService<IGrainFactory>();
            var store = services.GetRequiredService<IDocumentStore>();
            var author = Guid.CreateVersion7();
            await grains.GetGrain<IResearcherGrain>(author).Join(new JoinLab("bench-" + Guid.NewGuid().ToString("N")[..8], "Bench"), operatesLab: false);
            var text = new TextMaker(seed: 7);

            progress.Report($"Writing notes through their grains for {writePhase.TotalSeconds:0} s ({concurrency} at once)");
            var postgresPid = await PostmasterAsync(store, cancellationToken);
            var (labBefore, postgresBefore) = (Environment.CpuUsage.TotalTime, postgresPid is { } p0 ? ProcessCpu.TreeOf(p0) : null);
            var (appended, appendLatencies, appendSeconds) = await WriteThroughGrainsAsync(grains, author, text, concurrency, writePhase, cancellationToken);
            var labCpu = (Environment.CpuUsage.TotalTime - labBefore).TotalMilliseconds / Math.Max(appended, 1);
            var postgresCpu = postgresPid is { } p1 && ProcessCpu.TreeOf(p1) is { } postgresAfter && postgresBefore is { } before
                ? (postgresAfter - before).TotalMilliseconds / Math.Max(appended, 1) : (double?)null;

            // The same writes with the search index's upkeep paused on notes: what the index costs each write. The notes
            // written meanwhile are indexed when it resumes, so that search runs over all of them.
            progress.Report($"Writing notes through their grains for {writePhase.TotalSeconds:0} s more without the search index's upkeep");
            await PauseNoteIndexAsync(store, paused: true, cancellationToken);
            var (unindexed, _, unindexedSeconds) = await WriteThroughGrainsAsync(grains, author, text, concurrency, writePhase, cancellationToken);
            progress.Report($"Indexing the {unindexed} notes written meanwhile");
            await PauseNoteIndexAsync(store, paused: false, cancellationToken);
            appended += unindexed;

            // At least one batch, so that batched appends are measured even when the writes above filled the lab.
            var batched = Math.Max(BatchSize, entries - appended);
            progress.Report($"Appending {batched} more entries in batches of {BatchSize} (ideas, notes of a few KB, insights)");
            var fill = Stopwatch.StartNew();
            await AppendInBatchesAsync(store, author, text, batched, progress, cancellationToken);
            fill.Stop();

            progress.Report("Rebuilding the notes' projection from the event log");
            int notes;
            await using (var session = store.QuerySession())
            {
                notes = await session.Query<Note>().CountAsync(cancellationToken);
            }
            var rebuild = Stopwatch.StartNew();
            using (var daemon = await store.BuildProjectionDaemonAsync())
            {
                await daemon.RebuildProjectionAsync<NoteProjection>(TimeSpan.FromMinutes(30), cancellationToken);
            }
            rebuild.Stop();

            progress.Report($"Searching {queries} times over {appended + batched} entries");
            var searchLatencies = new List<double>();
            await using (var session = store.QuerySession())
            {
                for (var i = 0; i < 10; i++)
                {
                    await KnowledgeSearch.SearchAsync(session, text.Query(), 20, cancellationToken: cancellationToken);
                }
                for (var i = 0; i < queries; i++)
                {
                    var query = text.Query();
                    var clock = Stopwatch.StartNew();
                    await KnowledgeSearch.SearchAsync(session, query, 20, cancellationToken: cancellationToken);
                    searchLatencies.Add(clock.Elapsed.TotalMilliseconds);
                }
            }
            searchLatencies.Sort();
            appendLatencies.Sort();
            var indexed = appended - unindexed;
            return new KnowledgeBenchResult(
                Math.Round(indexed / appendSeconds), Percentile(appendLatencies, 0.5), Percentile(appendLatencies, 0.99),
                Math.Round(labCpu, 3), postgresCpu is { } pg ? Math.Round(pg, 3) : null, Math.Round(unindexed / unindexedSeconds),
                Math.Round(batched / Math.Max(fill.Elapsed.TotalSeconds, 1e-9)),
                Math.Round(notes / Math.Max(rebuild.Elapsed.TotalSeconds, 1e-9)),
                Percentile(searchLatencies, 0.5), Percentile(searchLatencies, 0.99), Math.Round(searchLatencies[^1], 3),
                appended + batched, queries, concurrency, Math.Round(fill.Elapsed.TotalSeconds, 1));
        }
        finally
        {
            await InProcessService.StopAllAsync(started);
            if (postgres is not null)
            {
                await postgres.DisposeAsync();
            }
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // In the temporary folder anyway.
            }
        }
    }

    private static async Task<(int Count, List<double> Latencies, double Seconds)> WriteThroughGrainsAsync(
        IGrainFactory grains, Guid author, TextMaker text, int concurrency, TimeSpan phase, CancellationToken cancellationToken)
    {
        var latencies = new List<double>[concurrency];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            var mine = latencies[worker] = [];
            var words = new TextMaker(seed: 100 + worker);
            while (clock.Elapsed < phase && !cancellationToken.IsCancellationRequested)
            {
                var note = new WriteNote(words.Title(), words.Body(1000, 4000));
                var started = Stopwatch.GetTimestamp();
                await grains.GetGrain<INoteGrain>(Guid.CreateVersion7()).Write(note, author);
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }, cancellationToken)));
        var all = latencies.SelectMany(l => l).ToList();
        return (all.Count, all, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Ideas, notes, insights and finished runs in the proportions a lab writes them (2 : 12 : 1 : 1), each in a stream
    /// of its own; a run for an idea of an earlier batch, so that its knowledge entry has the idea's title.
    /// </summary>
    private static async Task AppendInBatchesAsync(IDocumentStore store, Guid author, TextMaker text, int count, IProgress<string> progress, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var random = new Random(11);
        var earlierIdea = Guid.Empty;
        for (var done = 0; done < count;)
        {
            await using var session = store.LightweightSession();
            var batch = Math.Min(BatchSize, count - done);
            var idea = earlierIdea;
            for (var i = 0; i < batch; i++, done++)
            {
                var id = Guid.CreateVersion7();
                object[] written = (done % 16) switch
                {
                    0 or 8 => [new IdeaProposed(id, text.Title(), text.Body(150, 500), now, author, text.Body(0, 200))],
                    7 => [new InsightPublished(id, author, text.Body(60, 300), text.Body(200, 1200), [], null, now)],
                    15 when earlierIdea != Guid.Empty =>
                    [
                        new RunSubmitted(id, earlierIdea, author, "{\"preset\":\"tiny\",\"training\":{\"steps\":200,\"seed\":" + random.Next(1, 1000).ToString(System.Globalization.CultureInfo.InvariantCulture) + "}}", 200, 1, null, now),
                        new RunFinished(id, new RunOutcome(200, 2 + random.NextDouble(), 2.1 + random.NextDouble(), 15_000, 1.5, 1.2, $"step-{200:D8}.ckpt"), now),
                    ],
                    _ => [new NoteWritten(id, author, text.Title(), text.Body(1000, 4000), AttachmentKind.Lab, null, now)],
                };
                if (written[0] is IdeaProposed)
                {
                    idea = id;
                }
                session.Events.StartStream(id, written);
            }
            await session.SaveChangesAsync(cancellationToken);
            earlierIdea = idea;
            if (done % 10_000 < BatchSize)
            {
                progress.Report($"  {done} of {count}");
            }
        }
    }

    /// <summary>The PostgreSQL server's main process: the parent of a connection's server process.</summary>
    private static async Task<int?> PostmasterAsync(IDocumentStore store, CancellationToken cancellationToken)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var command = new Npgsql.NpgsqlCommand("SELECT pg_backend_pid()", connection);
        return ProcessCpu.ParentOf((int)(await command.ExecuteScalarAsync(cancellationToken))!);
    }

    /// <summary>Pauses or resumes the search index's upkeep on notes; resuming indexes the notes written meanwhile.</summary>
    private static async Task PauseNoteIndexAsync(IDocumentStore store, bool paused, CancellationToken cancellationToken)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        var table = $"{Lab.Knowledge.KnowledgeStore.Schema}.mt_doc_{Lab.Knowledge.KnowledgeStore.NoteAlias}";
        await using (var command = new Npgsql.NpgsqlCommand($"ALTER TABLE {table} {(paused ? "DISABLE" : "ENABLE")} TRIGGER {SearchIndex.Trigger}", connection))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        if (!paused)
        {
            await SearchIndex.EnsureAsync(connection, cancellationToken);
        }
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : Math.Round(sorted[Math.Min(sorted.Count - 1, (int)(sorted.Count * p))], 3);

    /// <summary>
    /// Text with the shape of a lab's writing: a vocabulary of research words and made-up terms drawn with Zipf's law
    /// (a few words everywhere, most words rare), sentences of 8 to 20 words. Seeded: every run writes the same.
    /// </summary>
    private sealed class TextMaker
    {
        private static readonly string[] Common =
        [
            "the", "of", "and", "to", "in", "a", "is", "that", "for", "with", "expert", "experts", "routing", "router", "token", "tokens",
            "loss", "layer", "model", "training", "shared", "balance", "load", "attention", "gate", "learning", "rate", "batch", "step",
            "validation", "domain", "sparse", "dense", "capacity", "latent", "checkpoint", "run", "idea", "result", "baseline",
        ];

        private readonly Random _random;
        private readonly string[] _vocabulary;
        private readonly double[] _cumulative;

        public TextMaker(int seed)
        {
            _random = new Random(seed);
            var made = new Random(1);
            _vocabulary = [.. Common, .. Enumerable.Range(0, 6000).Select(_ => MadeUpWord(made))];
            _cumulative = new double[_vocabulary.Length];
            var total = 0.0;
            for (var i = 0; i < _vocabulary.Length; i++)
            {
                total += 1.0 / (i + 1);
                _cumulative[i] = total;
            }
            for (var i = 0; i < _cumulative.Length; i++)
            {
                _cumulative[i] /= total;
            }
        }

        public string Title() => Sentence(4, 9).TrimEnd('.');

        public string Body(int minLength, int maxLength)
        {
            var length = _random.Next(minLength, maxLength + 1);
            var body = new StringBuilder();
            while (body.Length < length)
            {
                body.Append(Sentence(8, 20)).Append(' ');
            }
            return body.ToString(0, Math.Min(body.Length, Math.Max(length, 1))).Trim();
        }

        /// <summary>One to three words people would search for, one in five with a typo.</summary>
        public string Query()
        {
            var words = Enumerable.Range(0, _random.Next(1, 4)).Select(_ => _vocabulary[Math.Min(_vocabulary.Length - 1, 20 + (int)(_random.NextDouble() * 3000))]).ToArray();
            if (_random.Next(5) == 0 && words[0].Length > 4)
            {
                var w = words[0].ToCharArray();
                (w[1], w[2]) = (w[2], w[1]);
                words[0] = new string(w);
            }
            return string.Join(' ', words);
        }

        private string Sentence(int min, int max)
        {
            var words = Enumerable.Range(0, _random.Next(min, max + 1)).Select(_ => Word()).ToList();
            words[0] = char.ToUpperInvariant(words[0][0]) + words[0][1..];
            return string.Join(' ', words) + ".";
        }

        private string Word()
        {
            var index = Array.BinarySearch(_cumulative, _random.NextDouble());
            return _vocabulary[Math.Min(index < 0 ? ~index : index, _vocabulary.Length - 1)];
        }

        private static string MadeUpWord(Random random)
        {
            const string consonants = "bcdfghklmnprstvz";
            const string vowels = "aeiou";
            var word = new StringBuilder();
            for (var i = random.Next(2, 5); i > 0; i--)
            {
                word.Append(consonants[random.Next(consonants.Length)]).Append(vowels[random.Next(vowels.Length)]);
            }
            return word.ToString();
        }
    }
}
