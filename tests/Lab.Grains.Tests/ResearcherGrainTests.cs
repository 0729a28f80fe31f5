using Lab.Contracts;
using Lab.Contracts.Researchers;
using Lab.Knowledge.Researchers;
using Marten;

namespace Lab.Grains.Tests;

[Collection(GrainClusterCollection.Name)]
public sealed class ResearcherGrainTests(GrainClusterFixture lab)
{
    [Fact]
    public async Task Joining_records_one_event_and_a_profile()
    {
        var id = Guid.CreateVersion7();
        var handle = UniqueHandle("ada");

        var member = await lab.Client.GetGrain<IResearcherGrain>(id).Join(new JoinLab(handle, "Ada", ["routing", "  optimisers "], "Likes sparse models."), operatesLab: false);

        Assert.Equal(["routing", "optimisers"], member.Interests);
        await using var session = lab.Store.QuerySession();
        Assert.IsType<ResearcherJoined>(Assert.Single(await session.Events.FetchStreamAsync(id)).Data);
        Assert.Equal(handle, (await session.LoadAsync<ResearcherProfile>(id))?.Handle);
    }

    [Fact]
    public async Task A_taken_handle_is_refused_and_the_second_member_never_exists()
    {
        var handle = UniqueHandle("grace");
        await lab.Client.GetGrain<IResearcherGrain>(Guid.CreateVersion7()).Join(new JoinLab(handle, "Grace"), operatesLab: false);
        var secondId = Guid.CreateVersion7();

        var refused = await Assert.ThrowsAsync<LabRefusedException>(() =>
            lab.Client.GetGrain<IResearcherGrain>(secondId).Join(new JoinLab(handle, "Another Grace"), operatesLab: false));

        Assert.Equal(LabRefusal.Conflict, refused.Kind);
        await using var session = lab.Store.QuerySession();
        Assert.Empty(await session.Events.FetchStreamAsync(secondId));
    }

    [Theory]
    [InlineData("Has Spaces")]
    [InlineData("UPPER")]
    [InlineData("1starts-with-digit")]
    [InlineData("")]
    public async Task A_malformed_handle_is_refused(string handle)
    {
        var refused = await Assert.ThrowsAsync<LabRefusedException>(() =>
            lab.Client.GetGrain<IResearcherGrain>(Guid.CreateVersion7()).Join(new JoinLab(handle, "Someone"), operatesLab: false));

        Assert.Contains("handle", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tokens_are_stored_as_hashes_and_their_history_survives_reactivation()
    {
        var id = Guid.CreateVersion7();
        var grain = lab.Client.GetGrain<IResearcherGrain>(id);
        await grain.Join(new JoinLab(UniqueHandle("alan"), "Alan"), operatesLab: false);

        var first = await grain.IssueToken("laptop");
        var second = await grain.IssueToken("cluster");
        await grain.RevokeToken(first.Id, id);
        await lab.DeactivateAllAsync();
        var tokens = await lab.Client.GetGrain<IResearcherGrain>(id).Tokens();

        Assert.StartsWith(AccessToken.Prefix, first.Token, StringComparison.Ordinal);
        Assert.NotEqual(first.Token, second.Token);
        Assert.Equal(["laptop", "cluster"], tokens.Select(t => t.Name));
        Assert.NotNull(tokens[0].RevokedAt);
        Assert.Null(tokens[1].RevokedAt);
        await using var session = lab.Store.QuerySession();
        var stored = await session.LoadAsync<AccessToken>(second.Id);
        Assert.Equal(AccessToken.HashOf(second.Token), stored!.Hash);
        var history = (await session.Events.FetchStreamAsync(id)).Select(e => e.Data.GetType()).ToList();
        Assert.Equal([typeof(ResearcherJoined), typeof(AccessTokenIssued), typeof(AccessTokenIssued), typeof(AccessTokenRevoked)], history);
    }

    [Fact]
    public async Task A_member_cannot_revoke_a_token_that_is_not_theirs()
    {
        var aliceId = Guid.CreateVersion7();
        var bobId = Guid.CreateVersion7();
        var alice = lab.Client.GetGrain<IResearcherGrain>(aliceId);
        var bob = lab.Client.GetGrain<IResearcherGrain>(bobId);
        await alice.Join(new JoinLab(UniqueHandle("alice"), "Alice"), operatesLab: false);
        await bob.Join(new JoinLab(UniqueHandle("bob"), "Bob"), operatesLab: false);
        var bobs = await bob.IssueToken("bob's");

        var refused = await Assert.ThrowsAsync<LabRefusedException>(() => alice.RevokeToken(bobs.Id, aliceId));

        Assert.Equal(LabRefusal.NotFound, refused.Kind);
        Assert.Null((await bob.Tokens()).Single().RevokedAt);
    }

    [Fact]
    public async Task A_write_that_raced_another_writer_is_refused_and_the_retry_sees_both()
    {
        var id = Guid.CreateVersion7();
        var grain = lab.Client.GetGrain<IResearcherGrain>(id);
        await grain.Join(new JoinLab(UniqueHandle("joan"), "Joan"), operatesLab: false);

        // Another path writes to the member's stream behind the grain's back.
        await using (var session = lab.Store.LightweightSession())
        {
            session.Events.Append(id, new AccessTokenIssued(id, Guid.CreateVersion7(), "elsewhere", DateTimeOffset.UtcNow, AccessToken.HashOf(AccessToken.NewSecret())));
            await session.SaveChangesAsync();
        }
        var refused = await Assert.ThrowsAsync<LabRefusedException>(() => grain.IssueToken("laptop"));
        Assert.Equal(LabRefusal.Conflict, refused.Kind);

        await grain.IssueToken("laptop");
        Assert.Equal(["elsewhere", "laptop"], (await grain.Tokens()).Select(t => t.Name));
    }

    private static string UniqueHandle(string name) => Members.Unique(name);
}
