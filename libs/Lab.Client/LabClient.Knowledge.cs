using System.Net.Http.Headers;
using Lab.Contracts.Datasets;
using Lab.Contracts.Knowledge;
using Lab.Contracts.Reading;

namespace Lab.Client;

// The knowledge base: notes, insights, search, the feed and shared data sets.
public sealed partial class LabClient
{
    public Task<NoteView> WriteNoteAsync(WriteNote note, CancellationToken cancellationToken = default) =>
        PostAsync<NoteView>("notes", note, cancellationToken);

    public Task<NoteView> EditNoteAsync(Guid note, EditNote edit, CancellationToken cancellationToken = default) =>
        PutAsync<NoteView>($"notes/{note}", edit, cancellationToken);

    public Task<NoteView> GetNoteAsync(Guid note, CancellationToken cancellationToken = default) =>
        GetAsync<NoteView>($"notes/{note}", cancellationToken);

    /// <summary>Notes, newest first; only those about <paramref name="idea"/> when given.</summary>
    public Task<Page<NoteView>> ListNotesAsync(Guid? idea = null, int? offset = null, int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<Page<NoteView>>(PathOf("notes", ("ideaId", idea), ("offset", offset), ("limit", limit)), cancellationToken);

    public Task<InsightView> PublishInsightAsync(PublishInsight insight, CancellationToken cancellationToken = default) =>
        PostAsync<InsightView>("insights", insight, cancellationToken);

    /// <summary>Insights, newest first; only those about <paramref name="idea"/> when given.</summary>
    public Task<Page<InsightView>> ListInsightsAsync(Guid? idea = null, int? offset = null, int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<Page<InsightView>>(PathOf("insights", ("ideaId", idea), ("offset", offset), ("limit", limit)), cancellationToken);

    /// <summary>
    /// Full-text search over ideas, notes, insights and finished runs (only <paramref name="kind"/>: idea, note, insight or
    /// run, when given); the answer says what the query probably meant when one of its words looks misspelt.
    /// </summary>
    public Task<SearchResults> SearchAsync(string query, string? kind = null, int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<SearchResults>(PathOf("knowledge/search", ("q", query), ("limit", limit), ("kind", kind)), cancellationToken);

    public Task<InsightView> GetInsightAsync(Guid insight, CancellationToken cancellationToken = default) =>
        GetAsync<InsightView>($"insights/{insight}", cancellationToken);

    /// <summary>
    /// What <paramref name="id"/> (a whole id or its start) names, as a <paramref name="kind"/> (idea, note, insight, run,
    /// researcher, dataset) or anything when null. An ambiguous start is refused (409) with its
    /// <see cref="LabProblem.Candidates"/>; one that names nothing with 404.
    /// </summary>
    public Task<IdMatch> ResolveIdAsync(string id, string? kind = null, CancellationToken cancellationToken = default) =>
        GetAsync<IdMatch>(PathOf($"ids/{Uri.EscapeDataString(id)}", ("kind", kind)), cancellationToken);

    /// <summary>What happened in the lab, newest first.</summary>
    public Task<Page<HistoryEntry>> GetFeedAsync(int? offset = null, int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<Page<HistoryEntry>>(PathOf("feed", ("offset", offset), ("limit", limit)), cancellationToken);

    /// <summary>Shares <paramref name="text"/> (UTF-8) as a data set that runs can train on.</summary>
    public async Task<DatasetView> UploadDatasetAsync(string name, string? description, Stream text, CancellationToken cancellationToken = default)
    {
        using var content = new StreamContent(text);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/plain") { CharSet = "utf-8" };
        return await SendAsync<DatasetView>(HttpMethod.Post, PathOf("datasets", ("name", name), ("description", description)), content, cancellationToken);
    }

    public Task<Page<DatasetView>> ListDatasetsAsync(int? offset = null, int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<Page<DatasetView>>(PathOf("datasets", ("offset", offset), ("limit", limit)), cancellationToken);

    /// <summary>Copies a data set's text, as it was shared, into <paramref name="target"/>.</summary>
    public async Task CopyDatasetAsync(Guid dataset, Stream target, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Root + $"datasets/{dataset}/content");
        using var response = await SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await using var content = await response.Content.ReadAsStreamAsync(cancellationToken);
        await content.CopyToAsync(target, cancellationToken);
    }
}
