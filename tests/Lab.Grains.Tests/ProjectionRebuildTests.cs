using Lab.Contracts.Ideas;
using Lab.Contracts.Knowledge;
using Lab.Contracts.Pool;
using Lab.Contracts.Researchers;
using Lab.Contracts.Runs;
using Lab.Knowledge;
using Lab.Knowledge.Datasets;
using Lab.Knowledge.Ideas;
using Lab.Knowledge.Researchers;
using Lab.Knowledge.Runs;
using Marten;
using Npgsql;

namespace Lab.Grains.Tests;

/// <summary>Every read model is a function of the event log: rebuilt from the events alone, it is what was written inline.</summary>
[Collection(GrainClusterCollection.Name)]
public sealed class ProjectionRebuildTests(GrainClusterFixture lab)
{
    [Fact]
    public async Task Rebuilding_every_projection_from_the_log_gives_back_the_documents_written_inline()
    {
        await WriteALittleOfEverythingAsync();
        var options = (StoreOptions)lab.Store.Options;
        var projections = options.Projections.All.Select(p => p.GetType()).ToList();
        var documents = options.Projections.AllPublishedTypes().Distinct().ToList();
        Assert.Contains(typeof(RunEntry), documents);
        Assert.Contains(typeof(AccessToken), documents);
        Assert.Contains(typeof(IdeaLink), documents);
        Assert.Contains(typeof(IdeaActivity), documents);
        var inline = await ReadAsync(documents);
        Assert.Contains(inline[typeof(RunEntry)], row => row.Contains("\"Name\": \"tiny routing baseline\"", StringComparison.Ordinal));
        Assert.All(documents, type => Assert.NotEmpty(inline[type]));

        // As a fresh store over the same events would: no read model at all, then each rebuilt from the log.
        await using (var session = lab.Store.LightweightSession())
        {
            foreach (var type in documents)
            {
                session.QueueSqlCommand($"DELETE FROM {lab.Store.Options.FindOrResolveDocumentType(type).TableName.QualifiedName}");
            }
            await session.SaveChangesAsync();
        }
        Assert.All((await ReadAsync(documents)).Values, Assert.Empty);
        using var daemon = await lab.Store.BuildProjectionDaemonAsync();
        foreach (var projection in projections)
        {
            await daemon.RebuildProjectionAsync(projection, CancellationToken.None);
        }
        Assert.Equal(12, projections.Count);
        var rebuilt = await ReadAsync(documents);

        foreach (var type in documents)
        {
            Assert.Equal(inline[type], rebuilt[type]);
        }
    }

    /// <summary>Each projected document type's rows, as stored (id and JSON), in id order.</summary>
    private async Task<Dictionary<Type, List<string>>> ReadAsync(IEnumerable<Type> documents)
    {
        var rows = new Dictionary<Type, List<string>>();
        await using var connection = lab.Store.Storage.Database.CreateConnection();
        await connection.OpenAsync();
        foreach (var type in documents)
        {
            var table = lab.Store.Options.FindOrResolveDocumentType(type).TableName.QualifiedName;
            await using var read = new NpgsqlCommand($"SELECT id::text || ' ' || data::text FROM {table} ORDER BY id", connection);
            await using var reader = await read.ExecuteReaderAsync();
            rows[type] = [];
            while (await reader.ReadAsync())
            {
                rows[type].Add(reader.GetString(0));
            }
        }
        return rows;
    }

    /// <summary>Members with tokens and invitations, ideas linked by a collaboration, a note, an insight, a finished run, a data set.</summary>
    private async Task WriteALittleOfEverythingAsync()
    {
        var adaId = Guid.CreateVersion7();
        var ada = lab.Client.GetGrain<IResearcherGrain>(adaId);
        await ada.Join(new JoinLab(Members.Unique("ada"), "Ada"), operatesLab: true);
        var laptop = await ada.IssueToken("laptop");
        await ada.IssueToken("cluster");
        await ada.RevokeToken(laptop.Id, adaId);
        var invitation = await ada.Invite();
        var bobId = Guid.CreateVersion7();
        await lab.Client.GetGrain<IResearcherGrain>(bobId).JoinInvited(new JoinLab(Members.Unique("bob"), "Bob"), invitation.Id);
        await ada.RevokeInvitation((await ada.Invite()).Id, adaId);

        var routing = Guid.CreateVersion7();
        var balancing = Guid.CreateVersion7();
        await lab.Client.GetGrain<IIdeaGrain>(routing).Propose(new ProposeIdea("Routing", "Sigmoid routing."), adaId);
        await lab.Client.GetGrain<IIdeaGrain>(balancing).Propose(new ProposeIdea("Balancing", "Bias balancing.", BuildsOn: [routing]), bobId);
        await lab.Client.GetGrain<IIdeaGrain>(routing).JoinTeam(adaId);
        await lab.Client.GetGrain<IIdeaGrain>(routing).RequestCollaboration(balancing, adaId);
        await lab.Client.GetGrain<IIdeaGrain>(balancing).StartExploring(bobId);

        var noteId = Guid.CreateVersion7();
        await lab.Client.GetGrain<INoteGrain>(noteId).Write(new WriteNote("Loads", "Max over mean 1.3.", AttachmentKind.Idea, routing), adaId);
        await lab.Client.GetGrain<INoteGrain>(noteId).Edit(new EditNote("Loads", "Max over mean 1.1."), adaId);

        var runId = Guid.CreateVersion7();
        var run = lab.Client.GetGrain<IRunGrain>(runId);
        await run.Submit(new SubmitRun(routing, """{"preset":"tiny"}""", 40, 1, null), adaId);
        await run.Name("before it ran", adaId);
        await run.Tag(["baseline", "sweep"], adaId);
        await run.Place("node-a", [0], 1);
        var now = DateTimeOffset.UtcNow;
        await run.Record(new RunReport(runId, 1, RunReportKind.Started, now));
        await run.Record(new RunReport(runId, 1, RunReportKind.Progress, now, Step: 10, Loss: 3.1, TokensPerS: 900));
        await run.End(new RunReport(runId, 1, RunReportKind.Finished, now, Step: 40, Loss: 2.5, ValLoss: 2.7, TokensPerS: 1000,
            ModelGflopsPerS: 1.5, ExpertLoadMaxOverMean: 1.2, Checkpoint: "checkpoints/step-40"));
        // Named and tagged after it finished: its knowledge entry follows.
        await run.Name("tiny routing baseline", adaId);
        await run.Untag(["sweep"], adaId);

        await lab.Client.GetGrain<IInsightGrain>(Guid.CreateVersion7()).Publish(
            new PublishInsight("Sigmoid routing converges", [new Evidence(EvidenceKind.Run, runId), new Evidence(EvidenceKind.Note, noteId)], IdeaId: routing), adaId);
        await DatasetStore.SaveAsync(lab.Store, "tiny", "A tiny corpus.", "one two three"u8.ToArray(), adaId, now, CancellationToken.None);

        // The pool's own stream, written as the pool grain writes it (that grain is not activated in this cluster: it would
        // place the runs above). A node joins, is lost, and comes back with another worker; another stays lost.
        await using var pool = lab.Store.LightweightSession();
        var cpu = new[] { new DeviceView("cpu:0", "cpu", "2 cores") };
        var stream = (await pool.Events.FetchStreamStateAsync(PoolStream.Id))?.Version ?? 0;
        IPoolEvent[] nodes =
        [
            new NodeJoined("rebuild-a", cpu, "http://a", now, Guid.CreateVersion7()),
            new NodeJoined("rebuild-b", cpu, null, now.AddSeconds(1)),
            new NodeLost("rebuild-a", now.AddSeconds(2), now.AddSeconds(17)),
            new NodeJoined("rebuild-a", cpu, "http://a2", now.AddSeconds(20), Guid.CreateVersion7()),
            new NodeLost("rebuild-b", now.AddSeconds(1), now.AddSeconds(30)),
        ];
        var stamped = nodes.Select(pool.Events.Stamped).ToArray();
        if (stream == 0)
        {
            pool.Events.StartStream(PoolStream.Id, stamped);
        }
        else
        {
            pool.Events.Append(PoolStream.Id, stream + nodes.Length, stamped);
        }
        await pool.SaveChangesAsync();
    }
}
