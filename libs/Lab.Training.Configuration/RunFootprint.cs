namespace Lab.Training.Configuration;

/// <summary>
/// What a run will need in memory on its device, estimated from its configuration alone (no data read, no torch), so
/// that a run too large for the lab's bound or for any node is refused before it starts rather than taking a node down.
/// </summary>
/// <param name="VocabSize">The vocabulary the estimate assumes (see <see cref="VocabularySize"/>).</param>
/// <param name="Parameters">Every parameter of the model, as the engine counts them in its <c>started</c> line.</param>
/// <param name="ActiveParameters">Parameters a token uses (shared experts and top-k of the routed ones).</param>
/// <param name="StateBytes">Weights, gradients and AdamW's two moments, all fp32: 16 bytes a parameter.</param>
/// <param name="ActivationBytes">What one step keeps of its forward passes until the step ends.</param>
public sealed record RunFootprint(int VocabSize, long Parameters, long ActiveParameters, long StateBytes, long ActivationBytes)
{
    /// <summary>fp32 weight, its gradient, and AdamW's first and second moments.</summary>
    public const int StateBytesPerParameter = 4 * 4;

    /// <summary>
    /// What a training process holds besides the model and its activations: the .NET runtime, libtorch's code and thread
    /// pools, the corpus, the allocator's slack. <c>lab train</c> on the tiny preset with one sequence a step peaks at
    /// about 210 MB here; a CUDA context takes a few hundred MB of the device. Half a GiB covers both.
    /// </summary>
    public const long RuntimeBytes = 512L * 1024 * 1024;

    private const int BytesPerFloat = 4;

    /// <summary>Logits, their softmax and its gradient in the loss.</summary>
    private const double EndFloatsPerVocabEntry = 8;

    /// <summary>The embedded tokens and the final norm.</summary>
    private const double EndFloatsPerWidth = 16;

    /// <summary>
    /// Per unit of model_dim in every layer: the two norms' inputs and outputs, fused QKV, rotated queries and keys, the
    /// attention output and projections, the residual sums. Doubling model_dim added 39 floats per unit of width with
    /// top_k 4, of which the routed rows below take 8; 36 rather than 31 keeps large runs from being underestimated.
    /// </summary>
    private const double LayerFloatsPerWidth = 36;

    /// <summary>Per unit of a SwiGLU's hidden width (shared experts, dense layers): gate and up, the activation, their product.</summary>
    private const double HiddenFloatsPerUnit = 5;

    /// <summary>Per routed expert, from the router: logits, scores, normalised affinities.</summary>
    private const double RouterFloatsPerExpert = 4;

    /// <summary>
    /// What a replica past the first holds of its own: its copy of the weights and their gradients (the trainer adds the
    /// gradients into the first replica, steps the one optimizer there and copies the weights back).
    /// </summary>
    public const int ReplicaStateBytesPerParameter = 2 * 4;

    /// <summary>The devices the run trains on data parallel, one replica of the model on each (1 unless <see cref="Of(RunConfig, int)"/> was told more).</summary>
    public int Replicas { get; init; } = 1;

    /// <summary>Activations of the replica with the largest share of each batch (all of them with one replica).</summary>
    public long ReplicaActivationBytes { get; init; } = ActivationBytes;

    /// <summary>
    /// The whole run in one process whose replicas share its memory (CPU slices of a node): the first replica's weights,
    /// gradients and optimizer state, every other replica's weights and gradients, the activations of the whole batch
    /// (the replicas compute their shares at the same time), and the runtime once.
    /// </summary>
    public long TotalBytes => Clamp(StateBytes + (Replicas - 1) * (double)Parameters * ReplicaStateBytesPerParameter + ActivationBytes + RuntimeBytes);

    /// <summary>
    /// What each device needs where every replica has memory of its own (GPUs): the first replica's weights, gradients
    /// and optimizer state (any of the devices may hold the first), the activations of its share of each batch, and a
    /// runtime (a CUDA context) of its own. The same as <see cref="TotalBytes"/> for one replica.
    /// </summary>
    public long DeviceBytes => Clamp((double)StateBytes + ReplicaActivationBytes + RuntimeBytes);

    /// <summary>
    /// The estimate for a resolved configuration (presets merged), trained data parallel on <paramref name="replicas"/>
    /// devices: each batch split between them, the first ones taking one sequence more when it does not divide evenly.
    /// </summary>
    public static RunFootprint Of(RunConfig config, int replicas = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(replicas, 1);
        var vocab = VocabularySize(config.Data);
        var (parameters, active) = Count(config.Model, vocab);
        var activations = ActivationBytesOf(config, vocab);
        var batch = Math.Max(1, config.Training.BatchSize);
        var largestShare = Math.Ceiling((double)batch / replicas) / batch;
        return new RunFootprint(vocab, Clamp(parameters), Clamp(active), Clamp(parameters * StateBytesPerParameter), Clamp(activations))
        {
            Replicas = replicas,
            ReplicaActivationBytes = Clamp(activations * largestShare),
        };
    }

    /// <summary>
    /// The vocabulary the model will have: 256 for bytes, the requested size for BPE (the most it can learn), and for
    /// characters 256, an assumption (the alphabet is known only once the text is read; it only changes the embedding).
    /// </summary>
    public static int VocabularySize(DataOptions data) => data.Tokenizer switch
    {
        TokenizerKind.Bpe => data.BpeVocabSize,
        _ => 256,
    };

    /// <summary>
    /// The model's parameters as the engine builds them (<c>MoeTransformer</c>): the token embedding (and an untied head),
    /// a final norm, and per layer two norms, fused QKV and output projections, and a feed-forward: a dense SwiGLU, or a
    /// router, shared experts as one SwiGLU and the routed experts' stacked weights. Active parameters leave out the
    /// routed experts a token does not use, as the engine does.
    /// </summary>
    public static (long Total, long Active) CountParameters(ModelOptions model, int vocabSize)
    {
        var (total, active) = Count(model, vocabSize);
        return (Clamp(total), Clamp(active));
    }

    /// <summary>
    /// The count in doubles, so that no configuration, however absurd, overflows (integers are exact in a double up to
    /// 2^53, far beyond any model a node can hold), and per kind of layer rather than per layer, so that a billion layers
    /// cost nothing to estimate.
    /// </summary>
    private static (double Total, double Active) Count(ModelOptions model, int vocabSize)
    {
        double d = model.ModelDim;
        var moeLayers = MoeLayers(model);
        var denseLayers = model.Layers - moeLayers;
        var routed = model.RoutedExperts * SwiGlu(d, model.ExpertHidden);
        var moe = model.RoutedExperts * d + SwiGlu(d, (double)model.SharedExperts * model.ExpertHidden) + routed;
        var dense = SwiGlu(d, DenseHidden(model));
        var attention = model.AttentionWeights() + AttentionNormWeights(model);
        // A prediction module: two input norms, the projection M (2 × dim²), a block like the last layer, a final norm.
        var lastIsMoe = model.IsMoeLayer(model.Layers - 1);
        var prediction = 3 * d + 2 * d * d + 2 * d + attention + (lastIsMoe ? moe : dense);
        var total = vocabSize * d * (model.TiedEmbeddings ? 1 : 2) + d
            + model.Layers * (2 * d + attention)
            + denseLayers * dense
            + moeLayers * moe
            + Math.Max(0, model.MtpDepth) * prediction;
        var routedLayers = moeLayers + (lastIsMoe ? Math.Max(0, model.MtpDepth) : 0);
        var inactive = routedLayers * SwiGlu(d, model.ExpertHidden) * (model.RoutedExperts - model.TopK);
        return (total, total - inactive);
    }

    /// <summary>Latent attention normalises its latents: the key-value one, and the query one when queries are compressed.</summary>
    private static double AttentionNormWeights(ModelOptions model) =>
        model.Attention == AttentionKind.Mla ? (double)model.KvLoraRank + Math.Max(0, model.QLoraRank) : 0;

    /// <summary>Layers whose feed-forward is an MoE layer: all but the first dense_layers, unless the model is dense.</summary>
    private static double MoeLayers(ModelOptions model) =>
        model.FeedForward == FeedForwardKind.Moe ? Math.Max(0, model.Layers - Math.Max(0, model.DenseLayers)) : 0;

    /// <summary>A figure as a whole number, at most a quarter of long's range so that sums of them cannot overflow.</summary>
    private static long Clamp(double value) => (long)Math.Min(Math.Max(0, value), long.MaxValue / 4);

    /// <summary><see cref="ModelOptions.DenseHidden"/> without int overflow.</summary>
    private static double DenseHidden(ModelOptions model) => ((double)model.SharedExperts + model.TopK) * model.ExpertHidden;

    /// <summary>Gate and up projections fused (2 × hidden × dim) plus the down projection (dim × hidden).</summary>
    private static double SwiGlu(double dim, double hidden) => 3 * dim * hidden;

    /// <summary>
    /// Activations: every intermediate tensor of a step's forward passes lives until the step ends (the engine's dispose
    /// scope spans the step, micro-batches of gradient accumulation included), so they scale with the step's tokens,
    /// batch_size × gradient_accumulation × context_length, times the floats each token leaves per layer and at the ends.
    /// The factors were fitted to the peak resident memory of <c>lab train</c> (fp32, CPU, one thread) on eleven
    /// configurations around the small preset (2,048 to 16,384 tokens a step, 1 to 8 layers, model_dim 256 and 512,
    /// top_k 4 and 8, dense, BPE 1024, context 1,024): the estimate was 1 % to 20 % above what was measured (50 % above
    /// on a 256-token step, where the runtime allowance dominates). Multi-head attention adds nothing quadratic in the
    /// context: libtorch's fused attention does not keep the attention matrix. Latent attention does (its values are
    /// narrower than its queries and keys, which the fused kernel does not take), and it keeps its latents and the
    /// widened queries and keys; a prediction module keeps what a layer does plus its own pass through the output head.
    /// Those two terms are not fitted, only checked on the small preset (2,048 tokens a step, one thread, peak resident
    /// memory of <c>lab train</c>): plain 892 MB measured, 1,155 MB estimated; latent attention 976 MB measured, 1,269 MB
    /// estimated; one prediction module 1,055 MB measured, 1,332 MB estimated.
    /// </summary>
    private static double ActivationBytesOf(RunConfig config, int vocab)
    {
        var model = config.Model;
        var tokens = (double)config.Training.BatchSize * config.Training.GradientAccumulation * model.ContextLength;
        var moeLayers = MoeLayers(model);
        var depth = Math.Max(0, model.MtpDepth);
        var prediction = depth * (LayerFloatsPerToken(model, model.IsMoeLayer(model.Layers - 1)) + LatentAttentionFloats(model)
            + EndFloatsPerVocabEntry * vocab + PredictionFloatsPerWidth * model.ModelDim);
        var perToken = EndFloatsPerVocabEntry * vocab + EndFloatsPerWidth * model.ModelDim
            + moeLayers * LayerFloatsPerToken(model, moe: true)
            + (model.Layers - moeLayers) * LayerFloatsPerToken(model, moe: false)
            + model.Layers * LatentAttentionFloats(model)
            + prediction;
        return tokens * perToken * BytesPerFloat;
    }

    /// <summary>A prediction module's two input norms, their concatenation (2 × model_dim), its projection and final norm.</summary>
    private const double PredictionFloatsPerWidth = 8;

    /// <summary>
    /// What latent attention keeps per token and layer beyond multi-head attention: the widened queries and keys before
    /// and after their rotary parts are joined (3 × heads × (head_dim + qk_rope_head_dim)), the latents (3 × (kv_lora_rank +
    /// qk_rope_head_dim)), the expanded keys and values (2 × model_dim), and a row of scores and of probabilities per head.
    /// </summary>
    private static double LatentAttentionFloats(ModelOptions model) => model.Attention != AttentionKind.Mla ? 0
        : 3.0 * model.Heads * ((double)model.HeadDim + model.QkRopeHeadDim) + 3.0 * ((double)model.KvLoraRank + model.QkRopeHeadDim)
            + 2.0 * model.ModelDim + 2.0 * model.Heads * model.ContextLength;

    /// <summary>Per routed expert a token uses: its gathered input row and weighted output (2 × model_dim) and its hidden values (3 × expert_hidden).</summary>
    private static double RoutedSlotFloats(ModelOptions model) => 2.0 * model.ModelDim + 3.0 * model.ExpertHidden;

    private static double LayerFloatsPerToken(ModelOptions model, bool moe) => LayerFloatsPerWidth * model.ModelDim + (moe
        ? model.TopK * RoutedSlotFloats(model) + HiddenFloatsPerUnit * model.SharedExperts * model.ExpertHidden + RouterFloatsPerExpert * model.RoutedExperts
        : HiddenFloatsPerUnit * DenseHidden(model));
}
