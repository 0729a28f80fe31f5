using Lab.Testing;

namespace Lab.EndToEnd.Tests;

/// <summary>One <c>lab up</c> process shared by a test collection, with its own data folder and free port.</summary>
public sealed class RunningLabFixture : IAsyncLifetime
{
    public string DataFolder { get; } = TestFolders.Create("labup");
    public LabProcess Lab { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Lab = await LabProcess.UpAsync(DataFolder);
        Http = new HttpClient { BaseAddress = new Uri(Lab.Url) };
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
