using Lab.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lab.Api.Apis;

public sealed record Paging(int Offset, int Limit, Dictionary<string, string[]> Errors)
{
    public const int DefaultLimit = 50;

    /// <summary>
    /// The most ids one batch lookup (<c>?ids=A&amp;ids=B</c>) names: about 4 KB of address, well within what the
    /// gateway and servers take.
    /// </summary>
    public const int MaxIds = 100;

    /// <summary>
    /// The page asked for, with errors by field. A batch lookup by <paramref name="ids"/> answers all of them on one page
    /// unless a limit is given.
    /// </summary>
    public static Paging Validate(int? offset, int? limit, int maxLimit, Guid[]? ids = null)
    {
        var errors = new Dictionary<string, string[]>();
        if (ids is { Length: > MaxIds })
        {
            errors["ids"] = [$"Look up at most {MaxIds} ids at once."];
        }
        limit ??= ids is { Length: > 0 } ? Math.Min(ids.Length, maxLimit) : null;
        if (offset < 0)
        {
            errors["offset"] = ["The offset must be 0 or more."];
        }
        if (limit is < 1 || limit > maxLimit)
        {
            errors["limit"] = [$"The limit must be between 1 and {maxLimit}."];
        }
        return new Paging(offset ?? 0, limit ?? Math.Min(DefaultLimit, maxLimit), errors);
    }
}

/// <summary>A query parameter naming one of an enum's values: by name, in any case; numbers and unknown names are an error for that field.</summary>
public static class QueryChoice
{
    public static T? Parse<T>(string? value, string field, Dictionary<string, string[]> errors) where T : struct, Enum
    {
        if (value is null)
        {
            return null;
        }
        if (Choices.TryParse<T>(value, out var choice))
        {
            return choice;
        }
        errors[field] = [$"The {field} is one of {string.Join(", ", Enum.GetNames<T>())}."];
        return null;
    }
}

public static class Problems
{
    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    public static ProblemHttpResult TooMany(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status429TooManyRequests, title: "Too many at once");

    public static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status403Forbidden, title: "Not allowed");
}
