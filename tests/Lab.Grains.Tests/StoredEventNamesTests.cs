using Lab.Contracts;
using Lab.Contracts.Datasets;
using Lab.Contracts.Ideas;
using Lab.Contracts.Knowledge;
using Lab.Contracts.Pool;
using Lab.Contracts.Researchers;
using Lab.Contracts.Runs;
using Lab.Knowledge;
using Lab.Testing;
using Marten;
using Npgsql;

namespace Lab.Grains.Tests;

/// <summary>Events already in people's databases stay readable: they are stored under names that renaming a type does not change.</summary>
public sealed class StoredEventNamesTests
{
    private static readonly Guid A = Guid.CreateVersion7(), B = Guid.CreateVersion7(), C = Guid.CreateVersion7();
    private static readonly DateTimeOffset At = new(2026, 11, 20, 9, 30, 0, TimeSpan.Zero);
    private static readonly RunOutcome Outcome = new(40, 2.1, 2.3, 1000, 1.5, 1.2, "checkpoints/step-40");

    /// <summary>
    /// Every event type the lab had before its names were fixed, under the name it was stored with then (the store
    /// derived it from the type's name), with an example. Frozen: these names are in databases.
    /// </summary>
    private static readonly (string Name, ILabEvent Example)[] Stored =
    [
        ("idea_proposed", new IdeaProposed(A, "Sigmoid routing", "Sigmoid gates balance better.", At, B, "Softmax collapses.", [C])),
        ("idea_exploration_started", new IdeaExplorationStarted(A, B, At)),
        ("idea_validated", new IdeaValidated(A, B, "3 % lower loss.", At)),
        ("idea_set_aside", new IdeaSetAside(A, B, "It did not scale.", At)),
        ("idea_revived", new IdeaRevived(A, B, "New evidence.", At)),
        ("team_member_joined", new TeamMemberJoined(A, B, At)),
        ("team_member_left", new TeamMemberLeft(A, B, At)),
        ("collaboration_requested", new CollaborationRequested(A, C, B, At)),
        ("collaboration_received", new CollaborationReceived(C, A, B, At)),
        ("team_dissolved", new TeamDissolved(A, [B], [C], At)),
        ("researcher_joined", new ResearcherJoined(B, "ada", "Ada", ["routing"], "Sparse models.", true, At)),
        ("access_token_issued", new AccessTokenIssued(B, C, "laptop", At)),
        ("access_token_revoked", new AccessTokenRevoked(B, C, B, At)),
        ("invitation_issued", new InvitationIssued(C, B, "abc123", At.AddDays(7), At)),
        ("invitation_accepted", new InvitationAccepted(C, A, At)),
        ("invitation_revoked", new InvitationRevoked(C, B, "withdrawn by its author", At)),
        ("member_invited_someone", new MemberInvitedSomeone(B, C, At)),
        ("note_written", new NoteWritten(A, B, "Warmup", "200 steps.", AttachmentKind.Idea, C, At)),
        ("note_edited", new NoteEdited(A, B, "Warmup", "100 steps.", At)),
        ("insight_published", new InsightPublished(A, B, "Bias balancing works", "", [new Evidence(EvidenceKind.Note, C)], C, At, 90)),
        ("run_submitted", new RunSubmitted(A, C, B, """{"preset":"tiny"}""", 40, 1, "cpu", At)),
        ("run_placed", new RunPlaced(A, "node-a", [0, 1], 1, At)),
        ("run_started", new RunStarted(A, 1, At)),
        ("run_resumed", new RunResumed(A, 2, 20, At)),
        ("run_progressed", new RunProgressed(A, 10, 3.1, null, 900, 1.3, At)),
        ("run_checkpointed", new RunCheckpointed(A, 20, "checkpoints/step-20", At)),
        ("run_preempted", new RunPreempted(A, "node-a", At)),
        ("run_lease_released", new RunLeaseReleased(A, C, "node-a", 2, 90.5, At)),
        ("run_requeued", new RunRequeued(A, "its node was lost", 20, At)),
        ("run_crashed", new RunCrashed(A, "its training process died", 20, 1, At)),
        ("run_finished", new RunFinished(A, Outcome, At)),
        ("run_failed", new RunFailed(A, "out of memory", 30, At)),
        ("run_cancelled", new RunCancelled(A, B, At)),
        ("run_reopened", new RunReopened(A, B, 20, At)),
        ("node_joined", new NodeJoined("node-a", [new DeviceView("cpu:0", "cpu", "CPU", 16L << 30)], "http://node-a:5000", At, C)),
        ("node_lost", new NodeLost("node-a", At, At)),
        ("dataset_uploaded", new DatasetUploaded(A, "tiny", "A tiny corpus.", 1024, "00ff", B, At)),
    ];

    [Fact]
    public void Each_event_type_keeps_the_name_it_was_stored_under()
    {
        foreach (var (name, example) in Stored)
        {
            Assert.Equal(name, LabEvents.Names[example.GetType()]);
        }
        Assert.Equal(LabEvents.Names.Count, LabEvents.Names.Values.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task Events_stored_under_their_old_names_read_back_as_the_same_events()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("names");
        using var store = DocumentStore.For(options => KnowledgeStore.Configure(options, connectionString));
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        var serializer = store.Options.Serializer();
        var streams = new Dictionary<string, Guid>();
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            foreach (var (name, example) in Stored)
            {
                // As rows written before the names were fixed: the old name, and a .NET type that no longer exists.
                streams[name] = Guid.CreateVersion7();
                await using (var stream = new NpgsqlCommand($"INSERT INTO {KnowledgeStore.Schema}.mt_streams (id, version, timestamp, created) VALUES ($1, 1, $2, $2)", connection))
                {
                    stream.Parameters.Add(new NpgsqlParameter { Value = streams[name] });
                    stream.Parameters.Add(new NpgsqlParameter { Value = At });
                    await stream.ExecuteNonQueryAsync();
                }
                await using var insert = new NpgsqlCommand(
                    $"""
                    INSERT INTO {KnowledgeStore.Schema}.mt_events (seq_id, id, stream_id, version, data, type, timestamp, mt_dotnet_type)
                    VALUES (nextval('{KnowledgeStore.Schema}.mt_events_sequence'), $1, $2, 1, $3::jsonb, $4, $5, $6)
                    """, connection);
                insert.Parameters.Add(new NpgsqlParameter { Value = Guid.CreateVersion7() });
                insert.Parameters.Add(new NpgsqlParameter { Value = streams[name] });
                insert.Parameters.Add(new NpgsqlParameter { Value = Json(name, serializer.ToJson(example)) });
                insert.Parameters.Add(new NpgsqlParameter { Value = name });
                insert.Parameters.Add(new NpgsqlParameter { Value = At });
                insert.Parameters.Add(new NpgsqlParameter { Value = $"Lab.Contracts.Renamed.{example.GetType().Name}Before, Lab.Contracts" });
                await insert.ExecuteNonQueryAsync();
            }
        }

        await using var session = store.QuerySession();
        foreach (var (name, example) in Stored)
        {
            var read = Assert.Single(await session.Events.FetchStreamAsync(streams[name]));
            Assert.IsType(example.GetType(), read.Data);
            Assert.Equal(serializer.ToJson(example), serializer.ToJson(read.Data));
        }
    }

    /// <summary>The data as it was stored then: a token's event had no hash yet.</summary>
    private static string Json(string name, string json) =>
        name == "access_token_issued" ? json.Replace(""","Hash":null""", "", StringComparison.Ordinal) : json;
}
