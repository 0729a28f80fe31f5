using Lab.Contracts.Pool;
using Lab.Grains.Pool;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lab.Api.Apis;

public static class PoolApi
{
    public static IEndpointRouteBuilder MapPoolApi(this IEndpointRouteBuilder app)
    {
        var pool = app.MapGroup("/api/v1/pool").WithTags("Pool");

        pool.MapGet("/", GetPool)
            .WithName(nameof(GetPool))
            .WithSummary("The shared pool: nodes, devices, utilisation, running runs, the queue with reasons and estimated starts, fair shares");
        pool.MapPost("/heartbeats", Heartbeat)
            .WithName(nameof(Heartbeat))
            .WithSummary("A worker says its node is alive, which devices it offers and what its runs did; the answer says what it should run (operators only)")
            .RequireAuthorization(Infrastructure.ApiServiceExtensions.OperatorPolicy)
            // Workers' heartbeats keep leases alive: refusing one would cost runs their devices. Operators only, so no member's bound.
            .DisableRateLimiting();
        return app;
    }

    public static async Task<Ok<PoolView>> GetPool(IGrainFactory grains) =>
        TypedResults.Ok(await grains.GetGrain<IPoolGrain>(0).Get());

    /// <summary>What the node's runs did goes to their run grains; only what changes the pool goes through the pool grain.</summary>
    public static async Task<Results<Ok<NodeOrders>, ValidationProblem>> Heartbeat(NodeHeartbeat heartbeat, HeartbeatRouter router)
    {
        var errors = PoolRules.Validate(heartbeat);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The heartbeat was not understood");
        }
        return TypedResults.Ok(await router.RouteAsync(heartbeat));
    }
}
