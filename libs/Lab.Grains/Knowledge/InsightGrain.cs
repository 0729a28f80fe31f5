using Lab.Contracts;
using Lab.Contracts.Knowledge;
using Lab.Knowledge.Ideas;
using Lab.Knowledge.Notes;
using Lab.Knowledge.Runs;
using Marten;

namespace Lab.Grains.Knowledge;

/// <summary>One insight: a claim and the evidence it rests on. Published once, never edited (publish a new one).</summary>
public sealed class InsightGrain(IDocumentStore store, TimeProvider clock) : EventSourcedGrain<Insight>(store, "insight"), IInsightGrain
{
    public async Task<InsightView> Publish(PublishInsight insight, Guid author)
    {
        Refusals.ThrowIfAny(KnowledgeRules.Validate(insight));
        if (State is not null)
        {
            throw new LabRefusedException($"Insight {Id} has already been published.", LabRefusal.Conflict);
        }
        double citedDeviceSeconds;
        await using (var session = Store.QuerySession())
        {
            var missing = new List<string>();
            foreach (var evidence in insight.Evidence.Distinct())
            {
                if (!await ExistsAsync(session, evidence))
                {
                    missing.Add($"{evidence.Kind.ToString().ToLowerInvariant()} {evidence.Id}");
                }
            }
            if (insight.IdeaId is { } ideaId && await session.LoadAsync<IdeaSummary>(ideaId) is null)
            {
                missing.Add($"idea {ideaId}");
            }
            if (missing.Count > 0)
            {
                throw new LabRefusedException($"The insight refers to things that do not exist: {string.Join(", ", missing)}.", LabRefusal.NotFound);
            }

            // The compute behind the insight: the device time of the runs it cites, as accounted when it is published.
            var runIds = insight.Evidence.Where(e => e.Kind == EvidenceKind.Run).Select(e => e.Id).Distinct().ToArray();
            citedDeviceSeconds = runIds.Length == 0 ? 0 : (await session.LoadManyAsync<RunSummary>(runIds)).Sum(r => r.DeviceSeconds);
        }
        return (await RecordAsync(new InsightPublished(Id, author, insight.Claim.Trim(), insight.Details?.Trim() ?? "", [.. insight.Evidence.Distinct()], insight.IdeaId,
            clock.GetUtcNow(), citedDeviceSeconds))).ToView();
    }

    public Task<InsightView?> Get() => Task.FromResult(State?.ToView());

    private async Task<bool> ExistsAsync(IQuerySession session, Evidence evidence) => evidence.Kind switch
    {
        EvidenceKind.Idea => await session.LoadAsync<IdeaSummary>(evidence.Id) is not null,
        EvidenceKind.Note => await session.LoadAsync<Note>(evidence.Id) is not null,
        EvidenceKind.Insight => evidence.Id != Id && await session.LoadAsync<Insight>(evidence.Id) is not null,
        EvidenceKind.Run => await session.LoadAsync<RunSummary>(evidence.Id) is not null,
        _ => false,
    };
}
