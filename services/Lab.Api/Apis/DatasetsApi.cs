using System.Security.Claims;
using Lab.Api.Infrastructure;
using Lab.Contracts.Datasets;
using Lab.Contracts.Reading;
using Lab.Knowledge.Datasets;
using Marten;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lab.Api.Apis;

/// <summary>
/// Data sets: the only data a run on the pool reads besides the built-in corpus. A member uploads UTF-8 text, every
/// member sees it, and a run names it by id (<c>"source": "dataset:ID"</c>); no run ever names a path.
/// </summary>
public static class DatasetsApi
{
    public const int MaxPageSize = 100;

    public static IEndpointRouteBuilder MapDatasetsApi(this IEndpointRouteBuilder app)
    {
        var datasets = app.MapGroup("/api/v1/datasets").WithTags("Datasets");
        datasets.MapPost("/", UploadDataset).WithName(nameof(UploadDataset))
            .WithSummary("Share a data set: the request body is its UTF-8 text (content type text/plain); ?name= and ?description= describe it")
            .Accepts<string>("text/plain");
        datasets.MapGet("/", ListDatasets).WithName(nameof(ListDatasets)).WithSummary("Data sets, newest first");
        datasets.MapGet("/{id:guid}", GetDataset).WithName(nameof(GetDataset)).WithSummary("One data set's description");
        datasets.MapGet("/{id:guid}/content", GetDatasetContent).WithName(nameof(GetDatasetContent))
            .WithSummary("A data set's text, as it was uploaded (workers fetch it for the runs that train on it)");
        return app;
    }

    public static async Task<Results<Created<DatasetView>, ValidationProblem, ProblemHttpResult>> UploadDataset(
        string? name, string? description, HttpRequest request, ClaimsPrincipal user, IDocumentStore store, IConfiguration configuration,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = DatasetRules.Validate(name, description);
        if (request.ContentType is not { } type || !type.StartsWith("text/plain", StringComparison.OrdinalIgnoreCase))
        {
            errors["body"] = ["The body is the data set's text, sent with the content type text/plain."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The data set cannot be shared as it is");
        }
        var maxBytes = configuration.GetValue<long?>("Lab:Datasets:MaxBytes") ?? DatasetRules.DefaultMaxBytes;
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes;
        }
        var content = await ReadAtMostAsync(request.Body, maxBytes, cancellationToken);
        if (content is null)
        {
            return TypedResults.Problem($"A data set is at most {maxBytes} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge, title: "The data set is too large");
        }
        if (DatasetStore.Unusable(content) is { } reason)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = [reason] }, title: "The data set cannot be shared as it is");
        }
        var saved = await DatasetStore.SaveAsync(store, name!, description ?? "", content, user.MemberId(), clock.GetUtcNow(), cancellationToken);
        return TypedResults.Created($"/api/v1/datasets/{saved.Id}", saved);
    }

    public static async Task<Results<Ok<Page<DatasetView>>, ValidationProblem>> ListDatasets(int? offset, int? limit, IQuerySession session, CancellationToken cancellationToken)
    {
        var paging = Paging.Validate(offset, limit, MaxPageSize);
        if (paging.Errors.Count > 0)
        {
            return TypedResults.ValidationProblem(paging.Errors);
        }
        var total = await session.Query<Dataset>().CountAsync(cancellationToken);
        var rows = await session.Query<Dataset>().OrderByDescending(d => d.UploadedAt).Skip(paging.Offset).Take(paging.Limit).ToListAsync(cancellationToken);
        return TypedResults.Ok(new Page<DatasetView>([.. rows.Select(d => d.ToView())], total, paging.Offset, paging.Limit));
    }

    public static async Task<Results<Ok<DatasetView>, ProblemHttpResult>> GetDataset(Guid id, IQuerySession session, CancellationToken cancellationToken) =>
        await session.LoadAsync<Dataset>(id, cancellationToken) is { } dataset
            ? TypedResults.Ok(dataset.ToView())
            : Problems.NotFound($"No data set has the id {id}.");

    public static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> GetDatasetContent(Guid id, IDocumentStore store, CancellationToken cancellationToken)
    {
        await using (var session = store.QuerySession())
        {
            if (await session.LoadAsync<Dataset>(id, cancellationToken) is null)
            {
                return Problems.NotFound($"No data set has the id {id}.");
            }
        }
        return TypedResults.Stream(body => DatasetStore.CopyContentAsync(store, id, body, cancellationToken), "text/plain; charset=utf-8");
    }

    /// <summary>The body, or null when it is longer than <paramref name="maxBytes"/> (reading stops there).</summary>
    private static async Task<byte[]?> ReadAtMostAsync(Stream body, long maxBytes, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
