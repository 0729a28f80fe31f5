using System.Net.Http.Json;
using Lab.Api;
using Lab.Api.Infrastructure;
using Lab.Contracts;
using Lab.Hosting;
using Lab.Testing;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Lab.Api.Tests;

/// <summary>The real API service (Kestrel, Orleans silo, Marten) on a free port over a fresh PostgreSQL database.</summary>
public sealed class ApiFixture : IAsyncLifetime
{
    private readonly List<WebApplication> _started = [];

    /// <summary>Configuration beyond the database and logging (e.g. other bounds).</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>Authenticated as the lab's first member.</summary>
    public HttpClient Http { get; private set; } = null!;

    /// <summary>Not authenticated at all.</summary>
    public HttpClient Anonymous { get; private set; } = null!;

    public string Token { get; private set; } = "";
    public Guid MemberId { get; private set; }
    public IGrainFactory Grains => _started[0].Services.GetRequiredService<IGrainFactory>();
    public IDocumentStore Store => _started[0].Services.GetRequiredService<IDocumentStore>();

    public async Task InitializeAsync()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("api");
        var all = new Dictionary<string, string?>(Settings)
        {
            [$"ConnectionStrings:{LabServices.Database}"] = connectionString,
            ["Logging:LogLevel:Default"] = "Warning",
        };
        _started.Add(await InProcessService.StartAsync("Lab.Api", "http://127.0.0.1:0", all, ApiService.Build));
        var tokenFile = Path.Combine(TestFolders.Create("apitoken"), "first-member.token");
        var login = await FirstMember.EnsureAsync(_started[0].Services, tokenFile, "founder");
        Token = login.Token;
        MemberId = login.Member.Id;
        Http = ClientWith(Token);
        Anonymous = ClientWith(null);
    }

    /// <summary>A client of the API presenting <paramref name="token"/> (or nothing).</summary>
    public HttpClient ClientWith(string? token)
    {
        var client = new HttpClient { BaseAddress = new Uri(InProcessService.AddressOf(_started[0])) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }
        return client;
    }

    /// <summary>A new member, invited by the first one, with a client presenting their token.</summary>
    public async Task<(HttpClient Client, Guid Id)> NewMemberAsync(string name)
    {
        var invitation = await Answers.Created(Http.PostAsync("/api/v1/invitations", null));
        using var invitee = ClientWith(invitation.GetProperty("code").GetString());
        var joined = await Answers.Created(invitee.PostAsJsonAsync("/api/v1/join", new { handle = $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)], name }));
        return (ClientWith(joined.GetProperty("token").GetProperty("token").GetString()), joined.GetProperty("researcher").GetProperty("id").GetGuid());
    }

    /// <summary>How many events the whole store holds: bad requests must not change it.</summary>
    public async Task<long> EventCountAsync()
    {
        await using var session = Store.QuerySession();
        return await session.Events.QueryAllRawEvents().LongCountAsync();
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        Anonymous.Dispose();
        await InProcessService.StopAllAsync(_started);
    }
}

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiFixture>
{
    public const string Name = "api";
}
