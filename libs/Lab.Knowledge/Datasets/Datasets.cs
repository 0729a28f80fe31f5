using System.Security.Cryptography;
using System.Text;
using Lab.Contracts.Datasets;
using Marten;
using Npgsql;

namespace Lab.Knowledge.Datasets;

/// <summary>A data set's description, projected inline from its one event.</summary>
public sealed class Dataset
{
    public Guid Id { get; set; }
    public string Name { get; set; } = "";
    public string Description { get; set; } = "";
    public long Bytes { get; set; }
    public string Sha256 { get; set; } = "";
    public Guid UploadedBy { get; set; }
    public DateTimeOffset UploadedAt { get; set; }

    public DatasetView ToView() => new(Id, Name, Description, Bytes, Sha256, UploadedBy, UploadedAt);
}

public sealed partial class DatasetProjection : Marten.Events.Aggregation.SingleStreamProjection<Dataset, Guid>
{
    public static Dataset Create(DatasetUploaded e) => new()
    {
        Id = e.DatasetId,
        Name = e.Name,
        Description = e.Description,
        Bytes = e.Bytes,
        Sha256 = e.Sha256,
        UploadedBy = e.UploadedBy,
        UploadedAt = e.At,
    };
}

/// <summary>
/// Data sets: their descriptions are events and a projection like everything else; their content is bytes in a table
/// of its own, written in the same transaction as the event, so a data set is either there whole or not at all. A data
/// set never changes: a new version is a new data set.
/// </summary>
public static class DatasetStore
{
    public const string ContentTable = $"{KnowledgeStore.Schema}.dataset_content";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static void Register(StoreOptions options)
    {
        options.Projections.Add<DatasetProjection>(JasperFx.Events.Projections.ProjectionLifecycle.Inline);
        options.Schema.For<Dataset>().Index(x => x.UploadedAt);
        var content = new Weasel.Postgresql.Tables.Table(ContentTable);
        content.AddColumn<Guid>("id").AsPrimaryKey();
        content.AddColumn("content", "bytea").NotNull();
        options.Storage.ExtendedSchemaObjects.Add(content);
    }

    /// <summary>Why <paramref name="content"/> is not text a run can train on, or null when it is.</summary>
    public static string? Unusable(ReadOnlySpan<byte> content)
    {
        if (content.IsEmpty)
        {
            return "The data set is empty.";
        }
        try
        {
            var text = StrictUtf8.GetString(content);
            return text.Contains('\0', StringComparison.Ordinal) ? "The data set holds NUL characters: it must be UTF-8 text." : null;
        }
        catch (DecoderFallbackException)
        {
            return "The data set is not valid UTF-8 text.";
        }
    }

    /// <summary>Records the upload and stores its content, in one transaction.</summary>
    public static async Task<DatasetView> SaveAsync(IDocumentStore store, string name, string description, byte[] content, Guid by, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var uploaded = new DatasetUploaded(Guid.CreateVersion7(), name.Trim(), description.Trim(), content.LongLength,
            Convert.ToHexStringLower(SHA256.HashData(content)), by, at);
        await using var session = store.LightweightSession();
        session.Events.StartStream<Dataset>(uploaded.DatasetId, session.Events.Stamped(uploaded));
        session.QueueSqlCommand($"INSERT INTO {ContentTable} (id, content) VALUES (?, ?)", uploaded.DatasetId, content);
        await session.SaveChangesAsync(cancellationToken);
        return DatasetProjection.Create(uploaded).ToView();
    }

    /// <summary>Copies a data set's content to <paramref name="destination"/>; false when there is no such data set.</summary>
    public static async Task<bool> CopyContentAsync(IDocumentStore store, Guid id, Stream destination, CancellationToken cancellationToken)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"SELECT content FROM {ContentTable} WHERE id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return false;
        }
        await using var content = reader.GetStream(0);
        await content.CopyToAsync(destination, cancellationToken);
        return true;
    }
}
