using Lab.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Lab.Api.Apis;

public static class BoundsApi
{
    public static IEndpointRouteBuilder MapBoundsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/bounds", GetBounds)
            .WithTags("Pool")
            .WithName(nameof(GetBounds))
            .WithSummary("The limits that protect the lab's machines (steps, run time, threads, tokens a step, memory a run, runs waiting per member, writes per token): the same for everyone, set by operators");
        return app;
    }

    public static Ok<LabBounds> GetBounds(IOptions<LabBounds> bounds) => TypedResults.Ok(bounds.Value);
}
