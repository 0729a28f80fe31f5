using System.Text.Json.Serialization;

namespace Lab.Training.Configuration;

/// <summary>How the feed-forward layers are built: DeepSeekMoE layers, or the dense baseline with equal active width.</summary>
public enum FeedForwardKind
{
    Moe,
    Dense,
}

/// <summary>How router affinities are formed.</summary>
public enum GatingKind
{
    /// <summary>DeepSeek-V3: sigmoid affinities, normalised over the chosen experts.</summary>
    Sigmoid,

    /// <summary>The classic alternative (GShard, DeepSeekMoE v1): softmax probabilities, usually with a batch balance loss.</summary>
    Softmax,
}

/// <summary>Over which tokens the balance loss counts expert use.</summary>
public enum BalanceLossScope
{
    /// <summary>Per sequence, averaged over the batch (DeepSeek-V3's complementary sequence-wise loss).</summary>
    Sequence,

    /// <summary>Over the whole batch (the classic auxiliary loss).</summary>
    Batch,
}

/// <summary>How routed experts multiply their tokens.</summary>
public enum DispatchKernel
{
    /// <summary><c>torch._grouped_mm</c> through TorchScript: one native call per projection for all experts.</summary>
    GroupedMatmul,

    /// <summary>One matmul per expert on its contiguous slice: the portable fallback.</summary>
    Loop,
}

/// <summary>
/// The model's shape. Defaults are the <c>small</c> preset; a JSON file only needs the fields it changes.
/// The vocabulary size is not here: it comes from the tokenizer.
/// </summary>
public sealed record ModelOptions
{
    public int ContextLength { get; init; } = 256;
    public int ModelDim { get; init; } = 256;
    public int Layers { get; init; } = 4;
    public int Heads { get; init; } = 4;

    /// <summary>The first this many layers use a dense feed-forward (DeepSeek keeps the first layer dense).</summary>
    public int DenseLayers { get; init; }

    public FeedForwardKind FeedForward { get; init; } = FeedForwardKind.Moe;
    public int SharedExperts { get; init; } = 1;
    public int RoutedExperts { get; init; } = 16;
    public int TopK { get; init; } = 4;

    /// <summary>Hidden width of one (fine-grained) expert; dense layers use (shared + top-k) times this, the same active width.</summary>
    public int ExpertHidden { get; init; } = 128;

    public GatingKind Gating { get; init; } = GatingKind.Sigmoid;

    /// <summary>Aux-loss-free balancing: how far each expert's selection bias moves per step (0 turns it off).</summary>
    public double BiasUpdateSpeed { get; init; } = 0.001;

    public double BalanceLossWeight { get; init; } = 0.0001;
    public BalanceLossScope BalanceLossScope { get; init; } = BalanceLossScope.Sequence;
    public double ZLossWeight { get; init; }
    public bool TiedEmbeddings { get; init; } = true;
    public double RopeTheta { get; init; } = 10_000;
    public double InitStd { get; init; } = 0.02;
    public DispatchKernel Dispatch { get; init; } = DispatchKernel.GroupedMatmul;

    [JsonIgnore]
    public int HeadDim => ModelDim / Heads;

    /// <summary>Hidden width of a dense feed-forward with the same active parameters as one MoE layer.</summary>
    [JsonIgnore]
    public int DenseHidden => (SharedExperts + TopK) * ExpertHidden;

    public bool IsMoeLayer(int layer) => FeedForward == FeedForwardKind.Moe && layer >= DenseLayers;
}
