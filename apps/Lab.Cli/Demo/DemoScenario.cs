using Lab.Client;
using Lab.Contracts.Ideas;
using Lab.Contracts.Researchers;
using Spectre.Console;
using static Lab.Cli.Demo.DemoSteps;

namespace Lab.Cli.Demo;

/// <summary>A member of the demo's research group: who they are and their own client of the lab (their token, nobody else's).</summary>
public sealed class DemoMember(string name, ResearcherView view, string token, Uri lab) : IDisposable
{
    public string Name { get; } = name;
    public ResearcherView View { get; } = view;
    public string Token { get; } = token;
    public HttpClient Http { get; } = LabClient.HttpClientFor(lab, token);
    public LabClient Lab => new(Http);
    public Guid Id => View.Id;

    public void Dispose() => Http.Dispose();
}

/// <summary>An idea of the demo: its short name in the story and the idea as the API last answered it.</summary>
public sealed record DemoIdea(string Short, DemoMember Proposer, IdeaView View)
{
    public Guid Id => View.Id;
}

/// <summary>
/// The story <c>lab demo</c> plays on a running lab, through its public API (the typed client) and nothing else: a
/// research group joins by invitation, proposes ideas, forms and changes teams, competes for the pool, writes down what
/// it learned, celebrates a validated idea and searches what it knows. Every step checks the API's answer; the figures
/// at the end are read back from the API.
/// </summary>
public sealed partial class DemoScenario(Uri lab, string founderToken, DemoSteps steps, CancellationToken cancellationToken) : IDisposable
{
    private static readonly (string Handle, string Name, string[] Interests, string Background)[] Cast =
    [
        ("ada", "Ada Lovelace", ["fine-grained experts", "routing"], "Likes to count what a token really computes."),
        ("grace", "Grace Hopper", ["shared experts", "tooling"], "Wants to see it run before believing it."),
        ("alan", "Alan Turing", ["load balancing"], "Asks what the simplest mechanism is that could work."),
        ("barbara", "Barbara Liskov", ["routing", "evaluation"], "Keeps the comparisons honest."),
    ];

    private readonly HttpClient _founderHttp = LabClient.HttpClientFor(lab, founderToken);
    private readonly List<DemoMember> _members = [];
    private DemoMember _ada = null!, _grace = null!, _alan = null!, _barbara = null!;
    private DemoIdea _finer = null!, _shared = null!, _bias = null!, _topOne = null!;

    /// <summary>The research group's handles and tokens, to log in as one of them and look around.</summary>
    public IReadOnlyList<(string Handle, string Name, string Token)> Logins => [.. _members.Select(m => (m.View.Handle, m.View.Name, m.Token))];

    private LabClient Founder => new(_founderHttp);
    private IReadOnlyList<DemoIdea> Ideas => [_finer, _shared, _bias, _topOne];

    /// <summary>Plays every step; the figures, read back from the API.</summary>
    public async Task<DemoFigures> PlayAsync()
    {
        await steps.RunAsync("Researchers join by invitation", JoinAsync);
        await steps.RunAsync("Ideas are proposed (after looking for similar ones)", ProposeAsync);
        await steps.RunAsync("Teams form around the ideas", FormTeamsAsync);
        await steps.RunAsync("Teams change: a member moves to a new idea, two teams collaborate", ChangeTeamsAsync);
        await steps.RunAsync("The ideas are explored", ExploreAsync);
        await steps.RunAsync("Ada's idea has the pool to itself: a run on every device", FirstRunsAsync);
        await steps.RunAsync("Grace's and Alan's ideas arrive: fair sharing asks Ada's idea to give devices back", ContendAsync);
        await steps.RunAsync("Every run finishes; what stepped aside resumes from its checkpoint", FinishRunsAsync);
        await steps.RunAsync("Notes are written about the ideas and the runs", WriteNotesAsync);
        await steps.RunAsync("An insight citing the runs is published", PublishInsightAsync);
        await steps.RunAsync("Ada's idea is validated and celebrated in the feed", ValidateAsync);
        await steps.RunAsync("Alan sets his idea aside: its team dissolves and is invited to the idea that builds on it", SetAsideAsync);
        await steps.RunAsync("The knowledge base is searched", SearchAsync);
        return await steps.RunAsync("The lab's own figures are read back", FiguresAsync);
    }

    public void Dispose()
    {
        foreach (var member in _members)
        {
            member.Dispose();
        }
        _founderHttp.Dispose();
    }

    private async Task JoinAsync()
    {
        var founder = await Founder.GetMeAsync(cancellationToken);
        // Each newcomer is invited by someone already in: the founder invites Ada, Ada invites Grace and Alan, Grace invites Barbara.
        _ada = await InviteAsync(_founderHttp, founder.Handle, 0);
        _grace = await InviteAsync(_ada.Http, _ada.View.Handle, 1);
        _alan = await InviteAsync(_ada.Http, _ada.View.Handle, 2);
        _barbara = await InviteAsync(_grace.Http, _grace.View.Handle, 3);

        var known = await Founder.GetResearchersAsync(_members.Select(m => m.Id), cancellationToken);
        Check(_members.All(m => known.TryGetValue(m.Id, out var r) && r.Handle == m.View.Handle && !r.OperatesLab),
            "the lab does not list every new member under their handle, as a member who does not operate the lab");
        foreach (var member in _members)
        {
            var me = await member.Lab.GetMeAsync(cancellationToken);
            Check(me.Id == member.Id, $"{member.Name}'s own token answers as someone else ({me.Handle})");
        }
    }

    private async Task<DemoMember> InviteAsync(HttpClient inviter, string inviterHandle, int who)
    {
        var (handle, name, interests, background) = Cast[who];
        var invitation = await Invitations.InviteAsync(inviter, cancellationToken);
        var free = await FreeHandleAsync(handle);
        var joined = await Invitations.JoinAsync(lab, invitation.Code, new JoinLab(free, name, interests, background), cancellationToken);
        Check(joined.Researcher.Handle == free && joined.Token.Token.StartsWith("lab_", StringComparison.Ordinal),
            $"{name} joined but got back {joined.Researcher.Handle} and no usable token");
        var member = new DemoMember(name.Split(' ')[0], joined.Researcher, joined.Token.Token, lab);
        _members.Add(member);
        Say($"[bold]@{Markup.Escape(free)}[/] ({Markup.Escape(name)}) joined with an invitation from @{Markup.Escape(inviterHandle)}");
        return member;
    }

    /// <summary>The handle if nobody has it yet (a lab reused with --data-dir may have run the demo before), else one with a number.</summary>
    private async Task<string> FreeHandleAsync(string handle)
    {
        for (var n = 1; ; n++)
        {
            var candidate = n == 1 ? handle : $"{handle}-{n}";
            if (await Founder.GetResearcherAsync(candidate, cancellationToken).OrNullWhenNotFound() is null)
            {
                return candidate;
            }
        }
    }

    private async Task ProposeAsync()
    {
        _finer = await ProposeAsync(_ada, "finer experts", new ProposeIdea("Fewer, finer experts",
            "Splitting each routed expert in two and routing every token to twice as many keeps the active parameters and lowers the validation loss.",
            "DeepSeekMoE's fine-grained experts, at the smallest scale we can train in seconds."));
        _shared = await ProposeAsync(_grace, "shared expert", new ProposeIdea("A shared expert carries the common structure",
            "With an expert that every token uses, the routed experts are free to specialise by domain, and the loss falls sooner."));
        _bias = await ProposeAsync(_alan, "bias-only balancing", new ProposeIdea("Bias-only load balancing is enough",
            "Nudging a per-expert bias after each step keeps the experts' load balanced without any auxiliary loss, at no cost in loss."));

        // Barbara looks before she proposes, and builds on what she finds.
        var draft = "Top-1 routing with bias-only balancing at small scale";
        var similar = await _barbara.Lab.FindSimilarIdeasAsync(draft, cancellationToken);
        Check(similar.Any(h => h.Id == _bias.Id), $"looking for ideas like \"{draft}\" did not find \"{_bias.View.Title}\"");
        Say($"Barbara looked for ideas like \"{Markup.Escape(draft)}\": {similar.Count} similar, among them \"{Markup.Escape(_bias.View.Title)}\"");
        _topOne = await ProposeAsync(_barbara, "top-1 routing", new ProposeIdea("Top-1 routing at small scale",
            "Once the load is balanced by a bias, routing each token to a single expert trains as well as routing it to two.", BuildsOn: [_bias.Id]));

        var board = await Founder.GetIdeasAsync(Ideas.Select(i => i.Id), cancellationToken);
        Check(Ideas.All(i => board.TryGetValue(i.Id, out var seen) && seen.Status == IdeaStatus.Proposed && seen.ProposedBy == i.Proposer.Id),
            "the idea board does not show every proposal as proposed by its author");
        Check(board[_topOne.Id].BuildsOn.SequenceEqual([_bias.Id]), "Barbara's idea does not say that it builds on Alan's");
    }

    private async Task<DemoIdea> ProposeAsync(DemoMember by, string shortName, ProposeIdea proposal)
    {
        var idea = await by.Lab.ProposeIdeaAsync(proposal, cancellationToken);
        Say($"{by.Name} proposed [bold]{Markup.Escape(idea.Title)}[/]");
        return new DemoIdea(shortName, by, idea);
    }

    private async Task FormTeamsAsync()
    {
        await JoinTeamAsync(_ada, _finer);
        await JoinTeamAsync(_grace, _finer);
        await JoinTeamAsync(_grace, _shared);
        await JoinTeamAsync(_alan, _bias);
        await JoinTeamAsync(_barbara, _bias);
        await ExpectTeamAsync(_finer, [_ada, _grace], []);
        await ExpectTeamAsync(_shared, [_grace], []);
        await ExpectTeamAsync(_bias, [_alan, _barbara], []);
    }

    private async Task ChangeTeamsAsync()
    {
        await _barbara.Lab.LeaveTeamAsync(_bias.Id, cancellationToken);
        Say($"Barbara left the team of \"{Markup.Escape(_bias.View.Title)}\"");
        await JoinTeamAsync(_barbara, _topOne);
        await ExpectTeamAsync(_bias, [_alan], [_barbara]);
        await ExpectTeamAsync(_topOne, [_barbara], []);

        await _ada.Lab.RequestCollaborationAsync(_finer.Id, new Collaborate(_shared.Id), cancellationToken);
        Say($"Ada asked the team of \"{Markup.Escape(_shared.View.Title)}\" to collaborate with hers");
        var asked = await _ada.Lab.GetIdeaAsync(_finer.Id, cancellationToken: cancellationToken);
        Check(asked.Collaborators.Contains(_shared.Id), "Ada's idea does not list the team it asked to collaborate");
        // The other idea learns of it by a one-way notice: it may take a moment.
        await WaitAsync(() => _grace.Lab.GetIdeaAsync(_shared.Id, cancellationToken: cancellationToken), i => i.Collaborators.Contains(_finer.Id),
            "Grace's idea listed Ada's as a collaborator", TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(200), cancellationToken);
    }

    private async Task JoinTeamAsync(DemoMember member, DemoIdea idea)
    {
        var joined = await member.Lab.JoinTeamAsync(idea.Id, cancellationToken);
        Check(joined.Members.Contains(member.Id), $"{member.Name} joined the team of \"{idea.View.Title}\" but is not on it");
        Say($"{member.Name} joined the team of \"{Markup.Escape(idea.View.Title)}\"");
    }

    private async Task ExpectTeamAsync(DemoIdea idea, DemoMember[] members, DemoMember[] former)
    {
        var roster = await Founder.GetTeamAsync(idea.Id, cancellationToken);
        Check(roster.Members.Select(m => m.Id).Order().SequenceEqual(members.Select(m => m.Id).Order()) &&
              roster.FormerMembers.Select(m => m.Id).Order().SequenceEqual(former.Select(m => m.Id).Order()),
            $"the team of \"{idea.View.Title}\" is {Names(roster.Members)} (before: {Names(roster.FormerMembers)}), " +
            $"not {string.Join(", ", members.Select(m => m.Name))} (before: {string.Join(", ", former.Select(m => m.Name))})");

        static string Names(IEnumerable<Contracts.Reading.ResearcherRef> people) => string.Join(", ", people.Select(p => p.Name));
    }

    private async Task ExploreAsync()
    {
        foreach (var idea in Ideas)
        {
            var exploring = await idea.Proposer.Lab.StartExploringAsync(idea.Id, cancellationToken);
            Check(exploring.Status == IdeaStatus.Exploring, $"\"{idea.View.Title}\" is {exploring.Status}, not exploring");
        }
        Say($"{Ideas.Count} ideas are being explored");
    }
}
