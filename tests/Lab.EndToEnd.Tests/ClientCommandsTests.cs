using System.Net.Http.Json;
using System.Text.Json;
using Lab.Testing;

namespace Lab.EndToEnd.Tests;

/// <summary>The <c>lab</c> client commands as a person or a script runs them, against a running Lab.</summary>
[Collection(RunningLabCollection.Name)]
public sealed class ClientCommandsTests(RunningLabFixture lab) : IDisposable
{
    private readonly string _folder = TestFolders.Create("cli");

    private string ConfigFile => Path.Combine(_folder, "config", "lab.json");

    [Fact]
    public async Task A_member_logs_in_proposes_joins_writes_a_note_and_finds_it_by_search()
    {
        var login = await LabAsync("login", "--url", lab.Lab.Url, "--token", lab.Token);
        Assert.True(login.ExitCode == 0, login.ToString());
        var me = await lab.Http.GetFromJsonAsync<JsonElement>("/api/v1/me");
        Assert.Contains("@" + me.GetProperty("handle").GetString(), login.Stdout, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ConfigFile));
        }
        Assert.Contains(lab.Token, await File.ReadAllTextAsync(ConfigFile), StringComparison.Ordinal);

        // From here on the URL and token come from the config file that login wrote.
        var word = "Zq" + Guid.NewGuid().ToString("N")[..8];
        var proposed = await JsonAsync("ideas", "propose", "--title", $"Shared experts absorb {word} syntax",
            "--hypothesis", $"One shared expert learns the {word} syntax every domain needs.", "--motivation", "Fewer routed experts.", "--json");
        var ideaId = proposed.GetProperty("id").GetGuid();
        Assert.Equal("Proposed", proposed.GetProperty("status").GetString());

        var second = await LabAsync("ideas", "propose", "--title", $"Shared experts and {word} syntax at scale",
            "--hypothesis", $"The {word} syntax effect grows with the number of routed experts.", "--builds-on", ideaId.ToString());
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("Similar ideas and knowledge", second.Stdout, StringComparison.Ordinal);
        Assert.Contains($"Shared experts absorb {word} syntax", second.Stdout, StringComparison.Ordinal);

        var board = await JsonAsync("ideas", "list", "--sort", "recent", "--json");
        Assert.Contains(board.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetGuid() == ideaId);

        var joined = await JsonAsync("teams", "join", ideaId.ToString(), "--json");
        Assert.Contains(joined.GetProperty("members").EnumerateArray(), m => m.GetGuid() == me.GetProperty("id").GetGuid());

        var note = await JsonAsync("notes", "write", "--title", $"First {word} run", "--body", $"The shared expert took **{word}** tokens first.", "--idea", ideaId.ToString(), "--json");
        var noteId = note.GetProperty("id").GetGuid();
        Assert.Equal(ideaId, note.GetProperty("attachedId").GetGuid());

        // Knowledge is projected in the transaction that writes it: the note is found at once.
        var results = await JsonAsync("search", word, "--kind", "note", "--json");
        Assert.Contains(results.GetProperty("items").EnumerateArray(), h => h.GetProperty("id").GetGuid() == noteId);
        var printed = await LabAsync("search", word);
        Assert.Contains($"First {word} run", printed.Stdout, StringComparison.Ordinal);

        var shown = await LabAsync("ideas", "show", ideaId.ToString());
        Assert.True(shown.ExitCode == 0, shown.ToString());
        Assert.Contains("@" + me.GetProperty("handle").GetString(), shown.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_token_with_a_rejected_one_with_no_server_or_bad_input_it_says_why_and_fails()
    {
        var noToken = await LabAsync("ideas", "list", "--url", lab.Lab.Url);
        Assert.Equal(2, noToken.ExitCode);
        Assert.Contains("No token", noToken.Stderr, StringComparison.Ordinal);

        var rejected = await LabAsync(["ideas", "list", "--url", lab.Lab.Url], token: "lab_not-a-real-token");
        Assert.Equal(2, rejected.ExitCode);
        Assert.Contains("401", rejected.Stderr, StringComparison.Ordinal);

        var badLogin = await LabAsync("login", "--url", lab.Lab.Url, "--token", "lab_not-a-real-token");
        Assert.Equal(2, badLogin.ExitCode);
        Assert.False(File.Exists(ConfigFile), "a rejected login wrote the config file");

        var unreachable = await LabAsync(["ideas", "list", "--url", $"http://127.0.0.1:{Lab.Hosting.FreePort.Next()}"], token: lab.Token);
        Assert.Equal(3, unreachable.ExitCode);
        Assert.Contains("Cannot reach Lab", unreachable.Stderr, StringComparison.Ordinal);

        var total = (await lab.Http.GetFromJsonAsync<JsonElement>("/api/v1/ideas")).GetProperty("total").GetInt32();
        var empty = await LabAsync(["ideas", "propose", "--url", lab.Lab.Url, "--title", " ", "--hypothesis", "Something."], token: lab.Token);
        Assert.Equal(1, empty.ExitCode);
        Assert.Contains("title", empty.Stderr, StringComparison.Ordinal);
        Assert.Contains("required", empty.Stderr, StringComparison.Ordinal);
        Assert.Equal(total, (await lab.Http.GetFromJsonAsync<JsonElement>("/api/v1/ideas")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task A_member_shares_a_text_file_as_a_data_set_through_the_gateway_and_lists_it()
    {
        var file = Path.Combine(_folder, "routing.txt");
        await File.WriteAllTextAsync(file, string.Concat(Enumerable.Repeat("The router sends each token to two experts.\n", 200)));

        var shared = await LabAsync(["datasets", "upload", file, "--name", "Routing sentences", "--url", lab.Lab.Url, "--json"], token: lab.Token);
        Assert.True(shared.ExitCode == 0, shared.ToString());
        var dataset = shared.Json();
        Assert.Equal(new FileInfo(file).Length, dataset.GetProperty("bytes").GetInt64());

        var listed = await LabAsync(["datasets", "list", "--url", lab.Lab.Url], token: lab.Token);
        Assert.Contains(dataset.GetProperty("id").GetGuid().ToString(), listed.Stdout, StringComparison.Ordinal);
        var missing = await LabAsync(["datasets", "upload", Path.Combine(_folder, "absent.txt"), "--name", "Absent", "--url", lab.Lab.Url], token: lab.Token);
        Assert.NotEqual(0, missing.ExitCode);
    }

    public void Dispose() => TestFolders.TryDelete(_folder);

    private Task<LabCommandResult> LabAsync(params string[] arguments) => LabAsync(arguments, token: null);

    private async Task<JsonElement> JsonAsync(params string[] arguments)
    {
        var result = await LabAsync(arguments);
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonDocument.Parse(result.Stdout).RootElement.Clone();
    }

    /// <summary>Runs the built <c>lab</c> command with its config in this test's folder and no LAB_ variables but the token given.</summary>
    private Task<LabCommandResult> LabAsync(string[] arguments, string? token)
    {
        var environment = new Dictionary<string, string?> { ["LAB_CONFIG"] = ConfigFile };
        if (token is not null)
        {
            environment["LAB_TOKEN"] = token;
        }
        return LabCommand.RunAsync(arguments, environment);
    }

    /// <summary>Search reads a projection: give it a moment to catch up.</summary>
}
