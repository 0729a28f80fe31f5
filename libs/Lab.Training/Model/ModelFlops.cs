using Lab.Training.Configuration;

namespace Lab.Training.Model;

/// <summary>
/// Useful training FLOPs per token (PaLM's "model FLOPs"): 6 per active matmul weight (forward, and backward for
/// inputs and weights) plus 12 * layers * context * dim for attention scores. Routing and data movement do not
/// count: they are the overhead this number exposes.
/// </summary>
public static class ModelFlops
{
    public static double PerToken(ModelOptions options, int vocabSize)
    {
        var d = (double)options.ModelDim;
        var perLayer = Enumerable.Range(0, options.Layers).Sum(layer =>
            4 * d * d + FeedForwardWeights(options, options.IsMoeLayer(layer)));
        var weights = perLayer + d * vocabSize;
        return 6 * weights + 12.0 * options.Layers * options.ContextLength * d;
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
}
