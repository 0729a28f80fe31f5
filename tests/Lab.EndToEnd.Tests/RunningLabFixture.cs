using Lab.Testing;

namespace Lab.EndToEnd.Tests;

/// <summary>One <c>lab up</c> process shared by a test collection, with its own data folder and free port.</summary>
public sealed class RunningLabFixture : IAsyncLifetime
{
    public string DataFolder { get; } = TestFolders.Create("labup");
    public LabProcess Lab { get; private set; } = null!;
    /// <summary>Authenticated with the first member's token, as written by <c>--token-file</c>.</summary>
    public HttpClient Http { get; private set; } = null!;
    public string Token { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var tokenFile = Path.Combine(DataFolder, "given.token");
        Lab = await LabProcess.UpAsync(DataFolder, "--token-file", tokenFile);
        Token = (await File.ReadAllTextAsync(tokenFile)).Trim();
        Http = LabProcess.Client(Lab.Url, Token);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Lab.DisposeAsync();
        TestFolders.TryDelete(DataFolder);
    }
}

[CollectionDefinition(Name)]
public sealed class RunningLabCollection : ICollectionFixture<RunningLabFixture>
{
    public const string Name = "running lab";
}
