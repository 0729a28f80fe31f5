using Lab.Training.Configuration;
using Lab.Training.Engine;
using Lab.Training.Protocol;
using Lab.Training.Model;
using static TorchSharp.torch;

namespace Lab.Training.Tests;

/// <summary>
/// Multi-head latent attention (DeepSeek-V2/V3): keys and values come from a compressed latent and positions from a
/// decoupled rotary key, so what a decoder must keep per token is that latent and that key, far less than full keys
/// and values, and attending from them alone gives the layer's own output.
/// </summary>
public sealed class LatentAttentionTests
{
    [Fact]
    [Trait(Lab.Testing.TestSpeed.Trait, Lab.Testing.TestSpeed.Slow)]
    public void A_tiny_run_with_latent_attention_learns_the_synthetic_corpus()
    {
        using var folder = new TempFolder();

        var events = TestRuns.Run(TestRuns.Tiny("mla", steps: 150), folder.Path);

        var start = events.OfType<EvaluationEvent>().First();
        var finished = events.OfType<FinishedEvent>().Single();
        Assert.InRange(start.ValLoss, Math.Log(256) - 0.5, Math.Log(256) + 0.5);
        Assert.True(finished.ValLoss < 0.6 * Math.Log(256), $"val loss {finished.ValLoss:F3} is not well below ln(256)");
        Assert.True(finished.ValLoss < start.ValLoss - 1, $"val loss {finished.ValLoss:F3} did not fall from {start.ValLoss:F3}");
    }

    [Fact]
    public void A_decoder_that_keeps_only_the_latent_and_the_rotary_key_gets_the_layers_own_output()
    {
        using var scope = NewDisposeScope();
        var options = TestRuns.Tiny("mla").Model with { QLoraRank = 24 };
        random.manual_seed(11);
        using var rope = new RotaryEmbedding(options.ContextLength, options.RotaryDim, options.RopeTheta, CPU);
        using var attention = new LatentAttention("attention", options, rope, new ParameterInit(0.2, 1, CPU));
        var input = randn(2, 10, options.ModelDim);

        var output = attention.forward(input);
        var cache = attention.Compress(input);

        Assert.Equal([2, 10, options.KvLoraRank + options.QkRopeHeadDim], cache.shape);
        Assert.Equal(options.CachedPerToken, cache.shape[2]);
        for (var position = 0; position < 10; position++)
        {
            // One token at a time, as a decoder generates: its cache entry, then attention over all entries so far.
            var token = input.narrow(1, position, 1);
            var entry = attention.Compress(token, start: position);
            AssertClose(cache.narrow(1, position, 1), entry, $"cache entry of position {position}");
            var step = attention.Attend(token, cache.narrow(1, 0, position + 1), start: position);
            AssertClose(output.narrow(1, position, 1), step, $"output at position {position}");
        }
    }

    [Fact]
    public void The_cache_per_token_is_the_latent_plus_the_rotary_key_far_below_full_keys_and_values()
    {
        var small = Presets.Get(Presets.Small).Model;
        var latent = small with { Attention = AttentionKind.Mla };
        using var rope = new RotaryEmbedding(small.ContextLength, small.HeadDim, small.RopeTheta, CPU);
        using var mha = Block(small, rope);
        using var mla = Block(latent, rope);
        var (d, heads, head, rank, rotary) = (small.ModelDim, small.Heads, small.HeadDim, latent.KvLoraRank, latent.QkRopeHeadDim);

        // Multi-head attention: queries, keys and values of every head from the input; keys and values are 2 × d a token.
        Assert.Equal([3L * d, d], Shape(mha, "attention.qkv"));
        Assert.Equal(2L * d, small.CachedPerToken);
        // Latent attention: one joint down-projection to the latent and the shared rotary key (what is cached), one
        // up-projection from the latent to every head's key and value, and queries with a rotary part per head.
        Assert.Equal([(long)rank + rotary, d], Shape(mla, "attention.kv_down"));
        Assert.Equal([2L * heads * head, rank], Shape(mla, "attention.kv_up"));
        Assert.Equal([(long)heads * (head + rotary), d], Shape(mla, "attention.q"));
        Assert.Equal([rank], Shape(mla, "attention.kv_norm.weight"));
        Assert.Equal(rank + rotary, ((LatentAttention)mla.Attention).CachedPerToken);
        Assert.Equal(rank + rotary, latent.CachedPerToken);
        Assert.True(small.CachedPerToken >= 10 * latent.CachedPerToken,
            $"the small preset caches {latent.CachedPerToken} numbers a token with latent attention, against {small.CachedPerToken}");
        var attentionWeights = mla.Attention.parameters().Sum(p => p.numel());
        Assert.Equal(latent.AttentionWeights() + rank, attentionWeights);
    }

    /// <summary>A block to look at, not to run: the rotary tables' width does not matter here.</summary>
    private static TransformerBlock Block(ModelOptions options, RotaryEmbedding rope) =>
        TransformerBlock.Create("block", options, moe: true, rope, new ParameterInit(0.02, 1, CPU), CPU, DispatchKernel.Loop);

    private static long[] Shape(TransformerBlock block, string name) =>
        block.named_parameters().Single(p => p.name == name).parameter.shape;

    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        var error = (expected - actual).abs().max().item<float>();
        Assert.True(error <= 1e-5 * Math.Max(1, expected.abs().max().item<float>()), $"{what}: largest difference {error:E2}");
    }
}
