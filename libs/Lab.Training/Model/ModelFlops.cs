using Lab.Training.Configuration;

namespace Lab.Training.Model;

/// <summary>
/// Useful training FLOPs per token (PaLM's "model FLOPs"): 6 per active matmul weight (forward, and backward for
/// inputs and weights) plus, per attention layer, 6 * context * (query-key width + value width) for the scores and the
/// weighted values (12 * context * dim with multi-head attention). Multi-token prediction modules count like the
/// layers they hold, plus their projection and a pass through the output head. Routing and data movement do not
/// count: they are the overhead this number exposes.
/// </summary>
public static class ModelFlops
{
    public static double PerToken(ModelOptions options, int vocabSize)
    {
        var d = (double)options.ModelDim;
        var attention = options.AttentionWeights();
        var perLayer = Enumerable.Range(0, options.Layers).Sum(layer =>
            attention + FeedForwardWeights(options, options.IsMoeLayer(layer)));
        var lastIsMoe = options.IsMoeLayer(options.Layers - 1);
        var prediction = options.MtpDepth * (2 * d * d + attention + FeedForwardWeights(options, lastIsMoe) + d * vocabSize);
        var weights = perLayer + d * vocabSize + prediction;
        return 6 * weights + 6.0 * (options.Layers + options.MtpDepth) * options.ContextLength * ScoreWidth(options);
    }

    /// <summary>Forward+backward FLOPs of one MoE (or its dense twin) feed-forward layer for this many tokens.</summary>
    public static double FeedForwardLayer(ModelOptions options, long tokens, bool moe) =>
        6.0 * tokens * FeedForwardWeights(options, moe);

    private static double FeedForwardWeights(ModelOptions options, bool moe)
    {
        var d = (double)options.ModelDim;
        var active = 3 * d * options.DenseHidden;
        return moe ? active + d * options.RoutedExperts : active;
    }

    /// <summary>Per query and key, the width of their dot product plus the width of the value it weights.</summary>
    private static double ScoreWidth(ModelOptions options) => options.Attention == AttentionKind.Mla
        ? (double)options.Heads * (2 * options.HeadDim + options.QkRopeHeadDim)
        : 2.0 * options.ModelDim;
}
