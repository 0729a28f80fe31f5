namespace Lab.Contracts.Runs;

/// <summary>
/// What a run trains, in the few figures people compare runs by: read from its resolved configuration when it is
/// submitted (the configuration itself stays the whole truth, in <see cref="RunView.Config"/>).
/// </summary>
/// <param name="Preset">The preset whose model the run trains (<c>tiny</c>, <c>small</c>), or null for a model of its own.</param>
/// <param name="FeedForward"><c>moe</c> (DeepSeekMoE layers) or <c>dense</c> (the baseline with the same active width).</param>
/// <param name="Attention"><c>mha</c> or <c>mla</c> (multi-head latent attention).</param>
/// <param name="Data"><c>synthetic</c> or <c>dataset:ID</c>.</param>
[GenerateSerializer, Immutable, Alias("lab.run-setup")]
public sealed record RunSetup(
    [property: Id(0)] string? Preset,
    [property: Id(1)] string FeedForward,
    [property: Id(2)] int ModelDim,
    [property: Id(3)] int Layers,
    [property: Id(4)] int Heads,
    [property: Id(5)] int ContextLength,
    [property: Id(6)] int RoutedExperts,
    [property: Id(7)] int SharedExperts,
    [property: Id(8)] int TopK,
    [property: Id(9)] int ExpertHidden,
    [property: Id(10)] string Attention,
    [property: Id(11)] int Steps,
    [property: Id(12)] int BatchSize,
    [property: Id(13)] double LearningRate,
    [property: Id(14)] string Data,
    [property: Id(15)] long Seed);

/// <summary>What the run list can be sorted by (<c>GET /api/v1/runs?sort=</c>).</summary>
public enum RunSort
{
    /// <summary>When it was submitted (the default, newest first).</summary>
    Submitted,
    Name,
    Status,
    Step,
    Loss,
    ValLoss,
    DeviceTime,
    ModelDim,
    Layers,
    Experts,
    Steps,
    Data,
}

/// <summary>Which way a list is sorted (<c>order=asc|desc</c>).</summary>
public enum SortDirection
{
    Asc,
    Desc,
}

/// <summary>Which runs a list shows and how it sorts them, as clients ask for it (<c>GET /api/v1/runs</c>).</summary>
/// <param name="Text">A name or idea title holding it (any case), or a tag equal to it.</param>
/// <param name="Direction">Null for the column's natural direction (newest and largest first; names, data and losses from the lowest).</param>
public sealed record RunQuery(Guid? IdeaId = null, RunStatus? Status = null, string? Tag = null, string? Text = null,
    RunSort? Order = null, SortDirection? Direction = null)
{
    /// <summary>The direction the list is sorted in: the one asked for, or the column's natural one.</summary>
    public SortDirection EffectiveDirection => Direction ?? NaturalDirection(Order ?? RunSort.Submitted);

    /// <summary>Newest, largest and longest first; names, data, statuses and losses (lower is better) from the first.</summary>
    public static SortDirection NaturalDirection(RunSort order) =>
        order is RunSort.Name or RunSort.Data or RunSort.Status or RunSort.Loss or RunSort.ValLoss ? SortDirection.Asc : SortDirection.Desc;
}
