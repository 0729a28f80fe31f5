using System.Net.Http.Json;
using System.Text.Json;

namespace Lab.Api.Tests;

/// <summary>
/// What was done around an idea is part of it: a member's page lists their runs, notes and insights; an idea's timeline
/// holds its runs, the notes about it and the insights about it; its last activity counts them, on the board too.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class MemberWorkAndTimelineTests(ApiFixture api)
{
    [Fact]
    public async Task A_members_runs_notes_and_insights_are_on_their_page_and_in_the_ideas_timeline_and_last_activity()
    {
        var (member, memberId) = await api.NewMemberAsync("maker");
        using (member)
        {
            var title = $"Around an idea {Guid.NewGuid():N}"[..28];
            var idea = await Answers.Created(member.PostAsJsonAsync("/api/v1/ideas", new { title, hypothesis = "Work gathers around it." }));
            var ideaId = idea.GetProperty("id").GetGuid();
            var proposedAt = idea.GetProperty("lastActivityAt").GetDateTimeOffset();
            // Another idea proposed after it: by its own events alone, that one is the most recently active.
            await Answers.Created(api.Http.PostAsJsonAsync("/api/v1/ideas", new { title = title + " (later)", hypothesis = "Proposed later." }));
            await Task.Delay(50);

            var run = await Answers.Created(member.PostAsJsonAsync("/api/v1/runs", new { ideaId, config = new { preset = "tiny" } }));
            var runId = run.GetProperty("id").GetGuid();
            var note = await Answers.Created(member.PostAsJsonAsync("/api/v1/notes", new { title = "What the run showed", body = "Little so far.", attachedTo = "Run", attachedId = runId }));
            var insight = await Answers.Created(member.PostAsJsonAsync("/api/v1/insights",
                new { claim = "Work gathers around ideas", evidence = new[] { new { kind = "Run", id = runId } }, ideaId }));

            var page = await Answers.Ok(api.Http.GetAsync($"/api/v1/researchers/{memberId}"));
            Assert.Equal(runId, Assert.Single(page.GetProperty("runs").EnumerateArray()).GetProperty("id").GetGuid());
            Assert.Equal(title, page.GetProperty("runs")[0].GetProperty("ideaTitle").GetString());
            Assert.Equal(1, page.GetProperty("runsTotal").GetInt32());
            Assert.Equal(note.GetProperty("id").GetGuid(), Assert.Single(page.GetProperty("notes").EnumerateArray()).GetProperty("id").GetGuid());
            Assert.Equal(insight.GetProperty("id").GetGuid(), Assert.Single(page.GetProperty("insights").EnumerateArray()).GetProperty("id").GetGuid());
            Assert.Equal((1, 1), (page.GetProperty("notesTotal").GetInt32(), page.GetProperty("insightsTotal").GetInt32()));

            var timeline = (await Answers.Ok(api.Http.GetAsync($"/api/v1/ideas/{ideaId}/timeline"))).GetProperty("items").EnumerateArray().ToList();
            var kinds = timeline.Select(e => e.GetProperty("kind").GetString()).ToList();
            int Place(string kind) => kinds.IndexOf(kind);
            Assert.True(Place("idea-proposed") == 0 && Place("idea-proposed") < Place("run-submitted") && Place("run-submitted") < Place("note-written") &&
                Place("note-written") < Place("insight-published"), string.Join(", ", kinds));
            Assert.Contains(timeline, e => e.GetProperty("subjectKind").GetString() == "run" && e.GetProperty("subjectId").GetGuid() == runId);
            var sequences = timeline.Select(e => e.GetProperty("sequence").GetInt64()).ToList();
            Assert.Equal(sequences.Order(), sequences);

            var now = await Answers.Ok(api.Http.GetAsync($"/api/v1/ideas/{ideaId}"));
            Assert.True(now.GetProperty("lastActivityAt").GetDateTimeOffset() > proposedAt, now.ToString());
            var board = await Answers.Ok(api.Http.GetAsync("/api/v1/ideas?sort=activity&limit=1"));
            Assert.Equal(ideaId, board.GetProperty("items")[0].GetProperty("id").GetGuid());
            var sorted = await Answers.Ok(api.Http.GetAsync("/api/v1/ideas?sort=activity&limit=100"));
            var times = sorted.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("lastActivityAt").GetDateTimeOffset()).ToList();
            Assert.Equal(times.OrderDescending(), times);

            await Answers.Ok(member.PostAsync($"/api/v1/runs/{runId}/cancel", null));
        }
    }
}
