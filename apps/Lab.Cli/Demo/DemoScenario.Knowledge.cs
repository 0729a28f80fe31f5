using System.Globalization;
using System.Text;
using Lab.Client;
using Lab.Contracts.Ideas;
using Lab.Contracts.Knowledge;
using Lab.Contracts.Runs;
using Spectre.Console;
using static Lab.Cli.Demo.DemoSteps;

namespace Lab.Cli.Demo;

// What the group learned, written down, celebrated and found again.
public sealed partial class DemoScenario
{
    private readonly List<NoteView> _notes = [];
    private readonly HashSet<Guid> _runEntriesFound = [];
    private InsightView _insight = null!;
    private int _searches;
    private int _searchHits;

    private async Task WriteNotesAsync()
    {
        var runs = await FinishedRunsAsync();
        var ada = runs.Where(r => Of(r).Idea == _finer).ToList();
        var table = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Runs of the tiny model, {LongSteps} steps each on the synthetic corpus, with the same active parameters per token.")
            .AppendLine()
            .AppendLine("| run | experts | validation loss | tokens/s | device time |")
            .AppendLine("| --- | --- | --- | --- | --- |");
        foreach (var run in ada)
        {
            table.AppendLine(CultureInfo.InvariantCulture,
                $"| {run.Id} | {Of(run).Variant} | {run.Outcome!.ValLoss:0.000} | {run.Outcome.TokensPerS:0} | {run.DeviceSeconds:0.0} s |");
        }
        await WriteAsync(_ada, new WriteNote("Fine and coarse experts, side by side", table.ToString(), AttachmentKind.Idea, _finer.Id));

        var preempted = runs.Single(r => r.Id == _preempted.Id);
        var resumed = preempted.History.Last(h => h.Event == "resumed").Detail;
        await WriteAsync(_grace, new WriteNote("A run that stepped aside and came back",
            $"This run gave its device to an idea below its fair share: it was asked to checkpoint and step aside, waited, and resumed {resumed}. " +
            $"It finished all {preempted.TotalSteps} steps with validation loss {preempted.Outcome!.ValLoss:0.000}; nothing it had learned was lost.",
            AttachmentKind.Run, preempted.Id));

        var balanced = runs.Single(r => Of(r).Idea == _bias);
        await WriteAsync(_alan, new WriteNote("Expert load without an auxiliary loss",
            $"With the balance loss off, the per-expert bias alone ended the run at an expert load max/mean of {balanced.Outcome!.ExpertLoadMaxOverMean:0.00} " +
            $"(1.00 is perfectly even) and validation loss {balanced.Outcome.ValLoss:0.000} after {balanced.TotalSteps} steps.",
            AttachmentKind.Idea, _bias.Id));

        var aboutIdea = await Founder.ListNotesAsync(_finer.Id, cancellationToken: cancellationToken);
        Check(aboutIdea.Items.Any(n => n.Id == _notes[0].Id), $"the notes about \"{_finer.View.Title}\" do not include Ada's");
    }

    private async Task WriteAsync(DemoMember author, WriteNote note)
    {
        var written = await author.Lab.WriteNoteAsync(note, cancellationToken);
        var read = await Founder.GetNoteAsync(written.Id, cancellationToken);
        Check(read.AuthorId == author.Id && read.Title == note.Title && read.AttachedTo == note.AttachedTo && read.AttachedId == note.AttachedId,
            $"{author.Name}'s note \"{note.Title}\" does not read back as written");
        _notes.Add(read);
        Say($"{author.Name} wrote \"{Markup.Escape(note.Title)}\"");
    }

    private async Task PublishInsightAsync()
    {
        var runs = (await FinishedRunsAsync()).Where(r => Of(r).Idea == _finer).ToList();
        var (coarse, fine) = (runs.First(r => Of(r).Variant == Coarse), runs.First(r => Of(r).Variant == Fine));
        var claim = string.Create(CultureInfo.InvariantCulture,
            $"At equal active parameters, 16 experts of width 16 reached validation loss {fine.Outcome!.ValLoss:0.000} against {coarse.Outcome!.ValLoss:0.000} for 8 of width 32 after {LongSteps} steps");
        _insight = await _ada.Lab.PublishInsightAsync(new PublishInsight(claim,
            [.. runs.Select(r => new Evidence(EvidenceKind.Run, r.Id)), new Evidence(EvidenceKind.Note, _notes[0].Id)],
            "Tiny model, synthetic corpus, one device a run; a run that was preempted on the way resumed from its checkpoint.", _finer.Id), cancellationToken);
        var cited = runs.Sum(r => r.DeviceSeconds);
        Check(_insight.Evidence.Count == runs.Count + 1 && Math.Abs(_insight.CitedDeviceSeconds - cited) < 1,
            $"the insight shows {_insight.CitedDeviceSeconds:0.0} device-seconds behind it, where its runs used {cited:0.0}");
        var listed = await Founder.ListInsightsAsync(_finer.Id, cancellationToken: cancellationToken);
        Check(listed.Items.Any(i => i.Id == _insight.Id), $"the insights about \"{_finer.View.Title}\" do not include Ada's");
        Say($"Ada published: {Markup.Escape(claim)} [grey]({_insight.CitedDeviceSeconds:0.0} device-seconds of evidence)[/]");
    }

    private async Task ValidateAsync()
    {
        var validated = await _ada.Lab.ValidateIdeaAsync(_finer.Id,
            new ValidateIdea("Both widths trained to the end on the shared pool, one of them across a preemption, and the comparison is written down with its evidence."),
            cancellationToken);
        Check(validated.Status == IdeaStatus.Validated, $"\"{_finer.View.Title}\" is {validated.Status} after being validated");
        var feed = await WaitAsync(() => Founder.GetFeedAsync(limit: 50, cancellationToken: cancellationToken),
            f => f.Items.Any(e => e.Celebrate && e.SubjectId == _finer.Id), "the feed celebrated the validation", TimeSpan.FromSeconds(15), Poll, cancellationToken);
        Say($"The feed: [green]{Markup.Escape(feed.Items.First(e => e.Celebrate && e.SubjectId == _finer.Id).Summary)}[/]");
    }

    private async Task SetAsideAsync()
    {
        var balanced = (await FinishedRunsAsync()).Single(r => Of(r).Idea == _bias);
        var aside = await _alan.Lab.SetIdeaAsideAsync(_bias.Id, new SetIdeaAside(string.Create(CultureInfo.InvariantCulture,
            $"The bias alone kept expert load max/mean at {balanced.Outcome!.ExpertLoadMaxOverMean:0.00} after {balanced.TotalSteps} steps; whether one expert per token is enough is the next question.")),
            cancellationToken);
        Check(aside.Status == IdeaStatus.SetAside && aside.Members.Count == 0, $"\"{_bias.View.Title}\" is {aside.Status} with {aside.Members.Count} members after being set aside");
        var alan = await Founder.GetResearcherAsync(_alan.View.Handle, cancellationToken);
        Check(alan.InvitedTo.Any(i => i.Id == _topOne.Id) && alan.PastTeams.Any(i => i.Id == _bias.Id),
            $"Alan's page does not invite him to \"{_topOne.View.Title}\" or does not show his past team");
        Say($"Alan's page invites him to \"{Markup.Escape(_topOne.View.Title)}\", which builds on his idea");
        await JoinTeamAsync(_alan, _topOne);
        await ExpectTeamAsync(_topOne, [_barbara, _alan], []);
        await ExpectTeamAsync(_bias, [], [_barbara, _alan]);
    }

    private async Task SearchAsync()
    {
        await SearchForAsync("finer experts", null, h => h.Kind == "idea" && h.Id == _finer.Id, $"the idea \"{_finer.View.Title}\"");
        await SearchForAsync("balancong", null, h => h.Kind == "idea" && h.Id == _bias.Id, $"the idea \"{_bias.View.Title}\", despite the typo");
        await SearchForAsync("stepped aside", "note", h => h.Id == _notes[1].Id, "Grace's note about the preempted run");
        await SearchForAsync("validation loss width", "insight", h => h.Id == _insight.Id, "Ada's insight");
        foreach (var idea in _runs.Select(r => r.Idea).Distinct())
        {
            var mine = _runs.Where(r => r.Idea == idea).Select(r => r.Id).ToHashSet();
            var hits = await SearchForAsync(idea.View.Title, "run", h => mine.Contains(h.Id), $"the finished runs of \"{idea.View.Title}\"");
            Check(mine.All(id => hits.Any(h => h.Id == id)), $"searching the runs for \"{idea.View.Title}\" does not find all {mine.Count} of them");
            _runEntriesFound.UnionWith(hits.Where(h => mine.Contains(h.Id)).Select(h => h.Id));
        }
    }

    private async Task<IReadOnlyList<Contracts.Reading.SearchHit>> SearchForAsync(string query, string? kind, Func<Contracts.Reading.SearchHit, bool> expected, string what)
    {
        var results = await _barbara.Lab.SearchAsync(query, kind, limit: 50, cancellationToken: cancellationToken);
        _searches++;
        _searchHits += results.Items.Count;
        var hit = results.Items.FirstOrDefault(expected);
        Check(hit is not null, $"searching for \"{query}\"{(kind is null ? "" : $" among {kind}s")} did not find {what}");
        Say($"\"{Markup.Escape(query)}\"{(kind is null ? "" : $" [grey]({kind}s)[/]")}: {Plural(results.Items.Count, "hit")}, first {Markup.Escape(results.Items[0].Title)}");
        return results.Items;
    }

    private async Task<IReadOnlyList<RunView>> FinishedRunsAsync()
    {
        var runs = await Task.WhenAll(_runs.Select(r => Founder.GetRunAsync(r.Id, cancellationToken)));
        Check(runs.All(r => r.Status == RunStatus.Finished && r.Outcome is not null), "a run is no longer finished");
        return runs;
    }

    /// <summary>The figures of what the demo did, each read back from the API.</summary>
    private async Task<DemoFigures> FiguresAsync()
    {
        var researchers = await Founder.GetResearchersAsync(_members.Select(m => m.Id), cancellationToken);
        var ideas = await Founder.GetIdeasAsync(Ideas.Select(i => i.Id), cancellationToken);
        var teams = 0;
        foreach (var idea in Ideas)
        {
            var roster = await Founder.GetTeamAsync(idea.Id, cancellationToken);
            teams += roster.Members.Count + roster.FormerMembers.Count > 0 ? 1 : 0;
        }
        var runs = await Task.WhenAll(_runs.Select(r => Founder.GetRunAsync(r.Id, cancellationToken)));
        var notes = 0;
        foreach (var note in _notes)
        {
            notes += await Founder.GetNoteAsync(note.Id, cancellationToken).OrNullWhenNotFound() is null ? 0 : 1;
        }
        var insights = (await Founder.ListInsightsAsync(_finer.Id, cancellationToken: cancellationToken)).Items.Count(i => i.Id == _insight.Id);
        var feed = await Founder.GetFeedAsync(limit: 100, cancellationToken: cancellationToken);
        var ours = Ideas.Select(i => i.Id).ToHashSet();
        return new DemoFigures(
            Devices: _devices,
            Researchers: researchers.Count,
            Ideas: ideas.Count,
            IdeasValidated: ideas.Values.Count(i => i.Status == IdeaStatus.Validated),
            IdeasSetAside: ideas.Values.Count(i => i.Status == IdeaStatus.SetAside),
            Teams: teams,
            RunsSubmitted: runs.Length,
            RunsFinished: runs.Count(r => r.Status == RunStatus.Finished),
            RunsPreempted: runs.Count(r => r.Preemptions > 0),
            RunsResumed: runs.Count(r => r.History.Any(h => h.Event == "resumed")),
            Preemptions: runs.Sum(r => r.Preemptions),
            DeviceSeconds: Math.Round(runs.Sum(r => r.DeviceSeconds), 1),
            Notes: notes,
            Insights: insights,
            KnowledgeEntries: ideas.Count + notes + insights + _runEntriesFound.Count,
            Searches: _searches,
            SearchHits: _searchHits,
            Celebrations: feed.Items.Count(e => e.Celebrate && ours.Contains(e.SubjectId)),
            Runs: [.. runs.Select(r => new DemoRunFigures(r.Id, Of(r).Label, Of(r).Idea.View.Title, r.Status.ToString(), r.Step, r.TotalSteps,
                r.Outcome?.ValLoss, r.Preemptions, r.Attempts, Math.Round(r.DeviceSeconds, 1)))]);
    }
}
