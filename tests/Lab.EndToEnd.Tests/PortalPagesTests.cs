using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lab.Testing;
using Microsoft.Playwright;

namespace Lab.EndToEnd.Tests;

/// <summary>
/// The portal's pages for what the API offers beyond ideas and runs (tokens, invitations, one's profile, the lab at a
/// moment, members' work, ideas' whole timelines), its 404 page, its actions shown only to who may take them and its
/// refusals in sentences, at desktop and phone width: in a real headless Chromium through the gateway. A failing check
/// leaves a screenshot of the page (<see cref="PortalScreenshots"/>; its path is in the failure).
/// </summary>
[Collection(RunningLabCollection.Name)]
public sealed class PortalPagesTests(RunningLabFixture lab) : IAsyncLifetime
{
    private PortalBrowser? _portal;

    public async Task InitializeAsync() => _portal = await PortalBrowser.StartAsync();

    [Fact]
    public async Task A_member_creates_a_token_sees_its_secret_once_uses_it_and_revokes_it()
    {
        using var member = await LabMembers.JoinAsync(lab.Lab.Url, lab.Http, "tokens");
        var page = await LoggedInPageAsync(member.Token);
        await PortalScreenshots.OnFailureAsync(page, "tokens", async () =>
        {
            await page.ClickAsync("#nav-profile");
            await page.WaitForSelectorAsync("#profile-name");
            Assert.Contains("@" + member.Handle, await page.InnerTextAsync("#profile-name"), StringComparison.Ordinal);

            // A token without a name is refused beside its field, and nothing is created.
            var before = await page.Locator("#tokens tbody tr").CountAsync();
            await page.ClickAsync("#create-token");
            await page.WaitForSelectorAsync("#token-form [data-field=name]");
            Assert.Equal(before, await page.Locator("#tokens tbody tr").CountAsync());

            await page.FillAsync("#token-name", "notebook");
            await page.ClickAsync("#create-token");
            var secret = (await page.InnerTextAsync("#new-token-secret")).Trim();
            Assert.StartsWith("lab_", secret, StringComparison.Ordinal);
            var row = page.Locator("#tokens tbody tr", new() { HasText = "notebook" });
            Assert.Contains("active", await row.InnerTextAsync(), StringComparison.Ordinal);

            // The secret works, and is never shown again.
            using (var withIt = LabProcess.Client(lab.Lab.Url, secret))
            {
                var me = await withIt.GetFromJsonAsync<JsonElement>("/api/v1/me");
                Assert.Equal(member.Handle, me.GetProperty("handle").GetString());
            }
            await page.GotoAsync(lab.Lab.Url + "/me");
            await page.WaitForSelectorAsync("#tokens");
            Assert.Null(await page.QuerySelectorAsync("#new-token-secret"));
            Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);

            // Revoked, it lets nobody in.
            await page.Locator("#tokens tbody tr", new() { HasText = "notebook" }).Locator("button.revoke").ClickAsync();
            await page.WaitForSelectorAsync("#done");
            Assert.Contains("revoked", await page.Locator("#tokens tbody tr", new() { HasText = "notebook" }).InnerTextAsync(), StringComparison.Ordinal);
            using var revoked = LabProcess.Client(lab.Lab.Url, secret);
            using var refused = await revoked.GetAsync("/api/v1/me");
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        });
    }

    [Fact]
    public async Task A_member_invites_someone_who_joins_through_the_portal_and_withdraws_an_unused_invitation_others_may_not()
    {
        using var inviter = await LabMembers.JoinAsync(lab.Lab.Url, lab.Http, "inviter");
        using var other = await LabMembers.JoinAsync(lab.Lab.Url, lab.Http, "bystander");
        var page = await LoggedInPageAsync(inviter.Token);
        await PortalScreenshots.OnFailureAsync(page, "invitations", async () =>
        {
            await page.ClickAsync("#nav-invitations");
            await page.ClickAsync("#invite-someone");
            var code = (await page.InnerTextAsync("#invitation-code")).Trim();
            Assert.False(string.IsNullOrEmpty(code));
            await page.ClickAsync("#invite-someone");
            var unused = (await page.InnerTextAsync("#invitation-code")).Trim();
            Assert.NotEqual(code, unused);

            // The newcomer joins with the first code on the portal's join page and is logged in with their first token.
            var handle = $"newcomer-{Guid.NewGuid():N}"[..18];
            var newcomer = await (await _portal!.Browser.NewContextAsync()).NewPageAsync();
            await PortalScreenshots.OnFailureAsync(newcomer, "join", async () =>
            {
                await newcomer.GotoAsync(lab.Lab.Url + "/login");
                await newcomer.ClickAsync("#to-join");
                await newcomer.FillAsync("#code", code);
                await newcomer.FillAsync("#handle", handle);
                await newcomer.FillAsync("#name", "New Comer");
                await newcomer.FillAsync("#interests", "routing, sparsity");
                await newcomer.ClickAsync("#join-lab");
                Assert.StartsWith("lab_", (await newcomer.InnerTextAsync("#first-token")).Trim(), StringComparison.Ordinal);
                await newcomer.ClickAsync("#log-in-now");
                await newcomer.WaitForSelectorAsync("#profile-name");
                Assert.Contains("@" + handle, await newcomer.InnerTextAsync("#profile-name"), StringComparison.Ordinal);

                // A used code does not let a second person in; the refusal says why, beside the field.
                var second = await (await _portal.Browser.NewContextAsync()).NewPageAsync();
                await second.GotoAsync(lab.Lab.Url + "/join");
                await second.FillAsync("#code", code);
                await second.FillAsync("#handle", handle + "x");
                await second.FillAsync("#name", "Second Comer");
                await second.ClickAsync("#join-lab");
                var refusal = await second.WaitForSelectorAsync("#join-form [data-field=code]");
                Assert.Contains("not accepted", await refusal!.InnerTextAsync(), StringComparison.Ordinal);
            });

            // The list says what became of each; only the unused one can be withdrawn, by its author.
            await page.GotoAsync(lab.Lab.Url + "/invitations");
            var used = page.Locator("#invitations tr[data-status=accepted]", new() { HasText = "@" + handle });
            Assert.Contains("joined with it", await used.InnerTextAsync(), StringComparison.Ordinal);
            Assert.Equal(0, await used.Locator("button.withdraw").CountAsync());
            var open = page.Locator("#invitations tr[data-status=open]", new() { HasText = "@" + inviter.Handle });
            Assert.Equal(1, await open.CountAsync());
            var openId = await open.GetAttributeAsync("data-invitation-id");

            // Someone else sees it, but not a way to withdraw it.
            var bystander = await LoggedInPageAsync(other.Token);
            await bystander.GotoAsync(lab.Lab.Url + "/invitations?status=open");
            var seen = bystander.Locator($"#invitations tr[data-invitation-id='{openId}']");
            Assert.Contains("@" + inviter.Handle, await seen.InnerTextAsync(), StringComparison.Ordinal);
            Assert.Equal(0, await seen.Locator("button.withdraw").CountAsync());

            await open.Locator("button.withdraw").ClickAsync();
            await page.WaitForSelectorAsync("#done");
            Assert.Equal("revoked", await page.Locator($"#invitations tr[data-invitation-id='{openId}']").GetAttributeAsync("data-status"));
            using var withdrawn = LabProcess.Client(lab.Lab.Url, unused);
            using var refused = await withdrawn.PostAsJsonAsync("/api/v1/join", new { handle = handle + "y", name = "Late Comer" });
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        });
    }

    [Fact]
    public async Task The_lab_as_it_was_shows_an_idea_only_after_it_was_proposed()
    {
        var page = await LoggedInPageAsync(lab.Token);
        await PortalScreenshots.OnFailureAsync(page, "time-travel", async () =>
        {
            await Task.Delay(1100); // the form has whole seconds: this moment, rounded down, is before the proposal
            var before = DateTimeOffset.UtcNow;
            await Task.Delay(1100);
            var title = $"Time-travelling idea {Guid.NewGuid():N}"[..32];
            var idea = await ProposeAsync(lab.Http, title);

            await page.ClickAsync("#nav-time-travel");
            await page.WaitForSelectorAsync("#pick-a-moment");
            await page.FillAsync("#as-of", PortalBrowser.FieldMoment(before));
            await page.ClickAsync("#travel");
            await page.WaitForSelectorAsync("#as-of-banner");
            Assert.Equal(0, await page.Locator($"#ideas-as-of [data-idea-id='{idea}']").CountAsync());
            var ideasBefore = int.Parse(await page.InnerTextAsync("#ideas-then"), System.Globalization.CultureInfo.InvariantCulture);

            await page.FillAsync("#as-of", PortalBrowser.FieldMoment(DateTimeOffset.UtcNow.AddSeconds(1)));
            await page.ClickAsync("#travel");
            await page.WaitForSelectorAsync($"#ideas-as-of [data-idea-id='{idea}']");
            Assert.Equal(ideasBefore + 1, int.Parse(await page.InnerTextAsync("#ideas-then"), System.Globalization.CultureInfo.InvariantCulture));
            await page.ClickAsync($"#ideas-as-of [data-idea-id='{idea}'] h3 a");
            await page.WaitForSelectorAsync("#as-of-banner");
            Assert.Contains(title, await page.InnerTextAsync("#idea-title"), StringComparison.Ordinal);

            // Nonsense for a moment is refused in a sentence, and nothing is shown as if it were true.
            await page.GotoAsync(lab.Lab.Url + "/lab?asOf=yesterday-ish");
            Assert.Contains("is not a date and time", await page.InnerTextAsync("#lab-as-of-form [data-field=asOf]"), StringComparison.Ordinal);
            Assert.Null(await page.QuerySelectorAsync("#as-of-banner"));
        });
    }

    [Fact]
    public async Task A_members_page_lists_their_runs_notes_and_insights_and_the_ideas_timeline_holds_them_with_its_last_activity()
    {
        using var member = await LabMembers.JoinAsync(lab.Lab.Url, lab.Http, "worker");
        var title = $"Work of a member {Guid.NewGuid():N}"[..30];
        var idea = await ProposeAsync(member.Http, title);
        var proposedAt = (await member.Http.GetFromJsonAsync<JsonElement>($"/api/v1/ideas/{idea}")).GetProperty("lastActivityAt").GetDateTimeOffset();
        await Task.Delay(1100);
        var run = await WaitingRunAsync(member.Http, idea);
        var note = await CreatedAsync(member.Http.PostAsJsonAsync("/api/v1/notes",
            new { title = $"Notes on {title}", body = "The bias settles in a hundred steps.", attachedTo = "Idea", attachedId = idea }));
        var insight = await CreatedAsync(member.Http.PostAsJsonAsync("/api/v1/insights",
            new { claim = $"Insight on {title}", evidence = new[] { new { kind = "Idea", id = idea } }, ideaId = idea }));
        var page = await LoggedInPageAsync(lab.Token);
        try
        {
            await PortalScreenshots.OnFailureAsync(page, "member-page", async () =>
            {
                await page.GotoAsync($"{lab.Lab.Url}/researchers/{member.Handle}");
                await page.WaitForSelectorAsync("#researcher-name");
                Assert.Contains(title, await page.InnerTextAsync($"#member-runs [data-run-id='{run}']"), StringComparison.Ordinal);
                Assert.Contains($"Notes on {title}", await page.InnerTextAsync($"#member-notes [data-note-id='{note}']"), StringComparison.Ordinal);
                Assert.Contains($"Insight on {title}", await page.InnerTextAsync($"#member-insights [data-insight-id='{insight}']"), StringComparison.Ordinal);
                Assert.Contains("1 run.", await page.InnerTextAsync("#member-runs"), StringComparison.Ordinal);
                Assert.DoesNotMatch(@"(?i)\b(rank|score|top)\b", await page.InnerTextAsync("main"));

                // The idea's timeline holds the run, the note and the insight, each linked to its page.
                await page.ClickAsync($"#member-runs [data-run-id='{run}'] a[href='/ideas/{idea}']");
                await page.WaitForSelectorAsync("#timeline-live");
                Assert.NotNull(await page.QuerySelectorAsync($"#timeline-live [data-kind=run-submitted] a[href='/runs/{run}']"));
                Assert.NotNull(await page.QuerySelectorAsync($"#timeline-live a[href='/notes/{note}']"));
                Assert.NotNull(await page.QuerySelectorAsync($"#timeline-live a[href='/insights#insight-{insight}']"));
            });

            // Its last activity counts the run, and the board sorted by activity puts it first.
            var view = await member.Http.GetFromJsonAsync<JsonElement>($"/api/v1/ideas/{idea}");
            Assert.True(view.GetProperty("lastActivityAt").GetDateTimeOffset() > proposedAt, view.ToString());
            var board = await member.Http.GetFromJsonAsync<JsonElement>("/api/v1/ideas?sort=activity&limit=1");
            Assert.Equal(idea, board.GetProperty("items")[0].GetProperty("id").GetGuid());
        }
        finally
        {
            using var _ = await member.Http.PostAsync($"/api/v1/runs/{run}/cancel", null);
        }
    }

    [Fact]
    public async Task Cancelling_is_offered_only_to_who_may_cancel_and_a_refusal_reads_as_sentences()
    {
        using var submitter = await LabMembers.JoinAsync(lab.Lab.Url, lab.Http, "submitter");
        using var passerby = await LabMembers.JoinAsync(lab.Lab.Url, lab.Http, "passerby");
        var idea = await ProposeAsync(submitter.Http, $"Who cancels {Guid.NewGuid():N}"[..24]);
        var run = await WaitingRunAsync(submitter.Http, idea);
        var page = await LoggedInPageAsync(passerby.Token);
        try
        {
            await PortalScreenshots.OnFailureAsync(page, "cancel", async () =>
            {
                // Not on the idea's team and not its submitter: no cancel button, and a line saying who can.
                await page.GotoAsync($"{lab.Lab.Url}/runs/{run}");
                await page.WaitForSelectorAsync("#who-may-cancel");
                Assert.Null(await page.QuerySelectorAsync("#cancel-run"));

                // On the team, the button is there; leaving the team meanwhile, the click is refused in sentences.
                using (var joined = await passerby.Http.PostAsync($"/api/v1/ideas/{idea}/team/join", null))
                {
                    Assert.Equal(HttpStatusCode.OK, joined.StatusCode);
                }
                await page.ReloadAsync();
                await page.WaitForSelectorAsync("#cancel-run");
                using (var left = await passerby.Http.PostAsync($"/api/v1/ideas/{idea}/team/leave", null))
                {
                    Assert.Equal(HttpStatusCode.OK, left.StatusCode);
                }
                await page.ClickAsync("#cancel-run");
                var refusal = (await page.InnerTextAsync("#cancel-problem")).Trim();
                Assert.Equal("Not allowed. Only the member who submitted a run or a member of its idea's team can cancel it.", refusal);
                Assert.Equal("queued", (await submitter.Http.GetFromJsonAsync<JsonElement>($"/api/v1/runs/{run}")).GetProperty("status").GetString()!.ToLowerInvariant());
            });
        }
        finally
        {
            using var _ = await submitter.Http.PostAsync($"/api/v1/runs/{run}/cancel", null);
        }
    }

    [Fact]
    public async Task An_unknown_address_gets_the_labs_own_404_page_in_a_browser_and_a_problem_elsewhere()
    {
        var page = await LoggedInPageAsync(lab.Token);
        await PortalScreenshots.OnFailureAsync(page, "not-found", async () =>
        {
            var response = await page.GotoAsync(lab.Lab.Url + "/no/such/page-" + Guid.NewGuid().ToString("N")[..6]);
            Assert.Equal(404, response!.Status);
            Assert.Contains("nothing at this address", await page.InnerTextAsync("#not-found"), StringComparison.Ordinal);
            Assert.NotNull(await page.QuerySelectorAsync("#nav-profile")); // in the portal's layout, still logged in
            await page.ClickAsync("#to-ideas");
            await page.WaitForSelectorAsync("#propose-form");

            // Logged out, the same page.
            var anonymous = await (await _portal!.Browser.NewContextAsync()).NewPageAsync();
            var unknown = await anonymous.GotoAsync(lab.Lab.Url + "/definitely-not-here");
            Assert.Equal(404, unknown!.Status);
            await anonymous.WaitForSelectorAsync("#not-found");
        });
        using var data = await lab.Http.GetAsync("/definitely-not-here");
        await ProblemAnswer.AssertAsync(data, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task At_phone_width_no_page_is_wider_than_the_screen_and_tables_of_records_stack()
    {
        using var member = await LabMembers.JoinAsync(lab.Lab.Url, lab.Http, "phone");
        using (var issued = await member.Http.PostAsJsonAsync("/api/v1/me/tokens", new { name = "a token with a rather long name for a narrow screen" }))
        {
            Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        }
        using (var invited = await member.Http.PostAsync("/api/v1/invitations", null))
        {
            Assert.Equal(HttpStatusCode.Created, invited.StatusCode);
        }
        var idea = await ProposeAsync(member.Http, $"Narrow screens {Guid.NewGuid():N}"[..26]);
        var page = await LoggedInPageAsync(member.Token, new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 375, Height = 740 } });
        await PortalScreenshots.OnFailureAsync(page, "phone", async () =>
        {
            foreach (var path in new[] { "/", "/me", "/invitations", "/lab?asOf=" + PortalBrowser.FieldMoment(DateTimeOffset.UtcNow), $"/researchers/{member.Handle}",
                         $"/ideas/{idea}", "/pool", "/feed", "/researchers", "/insights", "/search?q=narrow", "/nothing-here" })
            {
                await page.GotoAsync(lab.Lab.Url + path);
                var (wide, screen) = await WidthsAsync(page);
                Assert.True(wide <= screen, $"{path} is {wide} px wide on a {screen} px screen");
            }
            // Each record is a block of its own, each value named (the column headings are hidden).
            await page.GotoAsync(lab.Lab.Url + "/me");
            Assert.False(await page.Locator("#tokens thead").IsVisibleAsync());
            Assert.Equal("\"Name: \"", await LabelOfFirstCellAsync(page, "#tokens"));
            await page.GotoAsync(lab.Lab.Url + "/invitations");
            Assert.False(await page.Locator("#invitations thead").IsVisibleAsync());
            Assert.Equal("\"Invited by: \"", await LabelOfFirstCellAsync(page, "#invitations"));
        });
    }

    [Fact]
    public async Task An_operator_opens_the_orleans_dashboard_from_the_portal_and_a_member_can_neither_see_the_way_nor_get_in()
    {
        using var member = await LabMembers.JoinAsync(lab.Lab.Url, lab.Http, "nosy");
        var page = await LoggedInPageAsync(lab.Token);
        var elsewhere = new List<string>();
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(lab.Lab.Url, StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal))
            {
                elsewhere.Add(request.Url);
            }
        };
        await PortalScreenshots.OnFailureAsync(page, "dashboard", async () =>
        {
            await page.GotoAsync(lab.Lab.Url + "/me");
            await page.ClickAsync("#open-dashboard");
            await page.WaitForURLAsync("**/operators/dashboard/**");
            Assert.Equal("Orleans Dashboard", await page.TitleAsync());
            // The dashboard's script ran and read the cluster through its own calls, with the cookie the portal gave.
            await page.GetByText("Grains").First.WaitForAsync(new() { Timeout = 60_000 });
            Assert.Empty(elsewhere);
        });

        var nosy = await LoggedInPageAsync(member.Token);
        await PortalScreenshots.OnFailureAsync(nosy, "dashboard-refused", async () =>
        {
            await nosy.GotoAsync(lab.Lab.Url + "/me");
            await nosy.WaitForSelectorAsync("#profile-name");
            Assert.Null(await nosy.QuerySelectorAsync("#open-dashboard"));
            var refused = await nosy.GotoAsync(lab.Lab.Url + "/operators/dashboard/");
            Assert.Equal(401, refused!.Status);
        });
        using var withToken = await member.Http.GetAsync("/operators/dashboard/");
        await ProblemAnswer.AssertAsync(withToken, HttpStatusCode.Forbidden);
        using var operatorCall = await lab.Http.GetAsync("/operators/dashboard/");
        Assert.Equal(HttpStatusCode.OK, operatorCall.StatusCode);
    }

    [Fact]
    public async Task The_api_reference_fetches_nothing_from_outside_the_lab_and_leads_back_to_the_portal()
    {
        var page = await (await _portal!.Browser.NewContextAsync()).NewPageAsync();
        var elsewhere = new List<string>();
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(lab.Lab.Url, StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal))
            {
                elsewhere.Add(request.Url);
            }
        };
        await PortalScreenshots.OnFailureAsync(page, "api-reference", async () =>
        {
            await page.GotoAsync(lab.Lab.Url + "/scalar/", new PageGotoOptions { WaitUntil = WaitUntilState.NetworkIdle });
            await page.GetByText("Everyone in the lab, in the order they joined").First.WaitForAsync();
            Assert.Empty(elsewhere);
            Assert.Empty(await page.Locator("a[href^='https://client.scalar.com'], button:has-text('Open API Client')").AllAsync());
            await page.ClickAsync("#back-to-portal");
            await page.WaitForURLAsync(lab.Lab.Url + "/login**");
        });
    }

    /// <summary>What the first cell of a table shows before its value (its column's name, at phone width).</summary>
    private static Task<string> LabelOfFirstCellAsync(IPage page, string table) =>
        page.EvaluateAsync<string>($"() => getComputedStyle(document.querySelector('{table} tbody td[data-label]'), '::before').content");

    private static async Task<(int Wide, int Screen)> WidthsAsync(IPage page)
    {
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        return (widths[0], widths[1]);
    }

    private static async Task<Guid> ProposeAsync(HttpClient member, string title) =>
        await CreatedAsync(member.PostAsJsonAsync("/api/v1/ideas", new { title, hypothesis = $"{title} holds." }));

    /// <summary>A run that waits for a CUDA device this machine does not have: it stays queued until cancelled.</summary>
    private static Task<Guid> WaitingRunAsync(HttpClient member, Guid idea) =>
        CreatedAsync(member.PostAsJsonAsync("/api/v1/runs", new { ideaId = idea, config = new { preset = "tiny" }, kind = "cuda" }));

    private static async Task<Guid> CreatedAsync(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
    }

    private Task<IPage> LoggedInPageAsync(string token, BrowserNewContextOptions? options = null) =>
        _portal!.LoggedInPageAsync(lab.Lab.Url, token, options);

    public async Task DisposeAsync()
    {
        if (_portal is not null)
        {
            await _portal.DisposeAsync();
        }
    }
}
