namespace Lab.Contracts.Datasets;

/// <summary>A member shared a body of UTF-8 text for runs to train on; its content is kept beside the event, by id.</summary>
[StoredAs("dataset_uploaded")]
public sealed record DatasetUploaded(Guid DatasetId, string Name, string Description, long Bytes, string Sha256, Guid UploadedBy, DateTimeOffset At) : ILabEvent
{
    Guid? ILabEvent.Actor => UploadedBy;
}

/// <summary>A data set as every member sees it; runs name it as <c>"data": {"source": "dataset:ID"}</c>.</summary>
[GenerateSerializer, Immutable, Alias("lab.dataset")]
public sealed record DatasetView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string Description,
    [property: Id(3)] long Bytes,
    [property: Id(4)] string Sha256,
    [property: Id(5)] Guid UploadedBy,
    [property: Id(6)] DateTimeOffset UploadedAt);

public static class DatasetRules
{
    public const int NameMaxLength = 120;
    public const int DescriptionMaxLength = 2000;

    /// <summary>The largest data set one upload may be, unless an operator sets <c>Lab:Datasets:MaxBytes</c>.</summary>
    public const long DefaultMaxBytes = 64L * 1024 * 1024;

    public static Dictionary<string, string[]> Validate(string? name, string? description)
    {
        var errors = new Dictionary<string, string[]>();
        Text.Require(errors, "name", name, NameMaxLength);
        Text.Optional(errors, "description", description, DescriptionMaxLength);
        return errors;
    }
}
