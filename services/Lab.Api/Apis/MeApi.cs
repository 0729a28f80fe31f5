using System.Security.Claims;
using Lab.Api.Infrastructure;
using Lab.Contracts.Researchers;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lab.Api.Apis;

/// <summary>The authenticated member: who they are, and their personal access tokens.</summary>
public static class MeApi
{
    public sealed record NewToken(string Name);

    public static IEndpointRouteBuilder MapMeApi(this IEndpointRouteBuilder app)
    {
        var me = app.MapGroup("/api/v1/me").WithTags("Me");

        me.MapGet("/", GetMe).WithName(nameof(GetMe)).WithSummary("The member this token belongs to");
        me.MapGet("/tokens", ListTokens).WithName(nameof(ListTokens)).WithSummary("My personal access tokens (never their secrets)");
        me.MapPost("/tokens", IssueToken).WithName(nameof(IssueToken)).WithSummary("Create a personal access token; its secret is shown only in this answer");
        me.MapDelete("/tokens/{id:guid}", RevokeToken).WithName(nameof(RevokeToken)).WithSummary("Revoke one of my tokens");
        return app;
    }

    public static async Task<Results<Ok<ResearcherView>, ProblemHttpResult>> GetMe(ClaimsPrincipal user, IGrainFactory grains)
    {
        var member = await grains.GetGrain<IResearcherGrain>(user.MemberId()).Get();
        return member is null ? Problems.NotFound("This token's member no longer exists.") : TypedResults.Ok(member);
    }

    public static async Task<Ok<IReadOnlyList<TokenView>>> ListTokens(ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await grains.GetGrain<IResearcherGrain>(user.MemberId()).Tokens());

    public static async Task<Results<Created<IssuedToken>, ValidationProblem>> IssueToken(NewToken request, ClaimsPrincipal user, IGrainFactory grains)
    {
        var errors = ResearcherRules.ValidateTokenName(request?.Name);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The token cannot be created as asked");
        }
        var issued = await grains.GetGrain<IResearcherGrain>(user.MemberId()).IssueToken(request!.Name);
        return TypedResults.Created($"/api/v1/me/tokens/{issued.Id}", issued);
    }

    public static async Task<Ok<TokenView>> RevokeToken(Guid id, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await grains.GetGrain<IResearcherGrain>(user.MemberId()).RevokeToken(id, user.MemberId()));
}
