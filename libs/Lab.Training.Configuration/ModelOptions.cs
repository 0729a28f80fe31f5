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

/// <summary>How each layer attends.</summary>
public enum AttentionKind
{
    /// <summary>Multi-head attention with rotary positions: a decoder caches full keys and values, 2 × model_dim numbers per token and layer.</summary>
    Mha,

    /// <summary>
    /// Multi-head latent attention (DeepSeek-V2/V3): keys and values are expanded from one compressed latent of
    /// <c>kv_lora_rank</c> numbers, and positions enter through a separate rotary key of <c>qk_rope_head_dim</c> numbers
    /// shared by all heads, so a decoder caches only those two per token and layer.
    /// </summary>
    Mla,
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

    /// <summary>
    /// Multi-token prediction (DeepSeek-V3): this many extra modules, the k-th predicting the token k+1 places ahead
    /// from the previous depth's representation and the embedding of the token k places ahead. 0 turns it off;
    /// inference never uses them.
    /// </summary>
    public int MtpDepth { get; init; }

    /// <summary>The weight λ of the multi-token prediction loss: the objective adds λ times the mean loss over depths (DeepSeek-V3: 0.3, later 0.1).</summary>
    public double MtpLossWeight { get; init; } = 0.3;

    public AttentionKind Attention { get; init; } = AttentionKind.Mha;

    /// <summary>Multi-head latent attention: width of the compressed key-value latent every head's keys and values come from.</summary>
    public int KvLoraRank { get; init; } = 32;

    /// <summary>Multi-head latent attention: width of the compressed query latent; 0 projects queries straight from the input (as DeepSeek-V2-Lite).</summary>
    public int QLoraRank { get; init; }

    /// <summary>Multi-head latent attention: width of the decoupled rotary part of each query and of the one rotary key all heads share.</summary>
    public int QkRopeHeadDim { get; init; } = 16;

    [JsonIgnore]
    public int HeadDim => ModelDim / Heads;

    /// <summary>Width that rotary positions turn: a whole head, or with latent attention only the decoupled rotary part.</summary>
    [JsonIgnore]
    public int RotaryDim => Attention == AttentionKind.Mla ? QkRopeHeadDim : HeadDim;

    /// <summary>Numbers a decoder keeps per token and layer to attend to it later: full keys and values, or the latent and the rotary key.</summary>
    [JsonIgnore]
    public long CachedPerToken => Attention == AttentionKind.Mla ? (long)KvLoraRank + QkRopeHeadDim : 2L * ModelDim;

    /// <summary>Hidden width of a dense feed-forward with the same active parameters as one MoE layer.</summary>
    [JsonIgnore]
    public int DenseHidden => (SharedExperts + TopK) * ExpertHidden;

    public bool IsMoeLayer(int layer) => FeedForward == FeedForwardKind.Moe && layer >= DenseLayers;

    /// <summary>
    /// Matrix weights of one attention layer (no norms). Multi-head: fused QKV and output, 4 × model_dim². Latent:
    /// the query projection (through the query latent when <c>q_lora_rank</c> is set), the joint down-projection to the
    /// key-value latent and the rotary key, the up-projection to every head's key and value, and the output.
    /// </summary>
    public double AttentionWeights()
    {
        double d = ModelDim;
        if (Attention == AttentionKind.Mha)
        {
            return 4 * d * d;
        }
        var queryWidth = (double)Heads * (HeadDim + QkRopeHeadDim);
        var query = QLoraRank > 0 ? d * QLoraRank + (double)QLoraRank * queryWidth : d * queryWidth;
        return query + d * ((double)KvLoraRank + QkRopeHeadDim) + (double)KvLoraRank * 2 * ModelDim + d * d;
    }
}
