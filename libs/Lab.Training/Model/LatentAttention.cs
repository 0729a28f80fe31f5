using Lab.Training.Configuration;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Lab.Training.Model;

/// <summary>
/// Multi-head latent attention (DeepSeek-V2, kept in V3). Every head's key and value are expanded from one compressed,
/// RMS-normalised latent per token (<c>kv_lora_rank</c> wide), and positions reach the scores through a decoupled
/// rotary part: each query head has its own rotary slice, and all heads share one rotary key per token. (Rotating the
/// keys expanded from the latent would put a position-dependent rotation between the up-projection and the query, so a
/// decoder could no longer fold the up-projection into its queries and would have to rebuild every cached token's keys
/// at each step.) What a decoder keeps per token and layer is <see cref="Compress"/>'s output,
/// <c>kv_lora_rank + qk_rope_head_dim</c> numbers, instead of full keys and values (2 × model_dim).
/// </summary>
public sealed class LatentAttention : nn.Module<Tensor, Tensor>
{
    /// <summary>[q_lora_rank, model_dim]: the query latent, when queries are compressed.</summary>
    [ComponentName(Name = "q_down")]
    private readonly Parameter? _queryDown;
    [ComponentName(Name = "q_norm")]
    private readonly RmsNorm? _queryNorm;

    /// <summary>[heads × (head_dim + qk_rope_head_dim), q_lora_rank or model_dim]: every head's query, content and rotary parts.</summary>
    [ComponentName(Name = "q")]
    private readonly Parameter _query;

    /// <summary>[kv_lora_rank + qk_rope_head_dim, model_dim]: the key-value latent and the shared rotary key, in one matmul.</summary>
    [ComponentName(Name = "kv_down")]
    private readonly Parameter _keyValueDown;
    [ComponentName(Name = "kv_norm")]
    private readonly RmsNorm _latentNorm;

    /// <summary>[heads × 2 × head_dim, kv_lora_rank]: every head's content key and value from the latent.</summary>
    [ComponentName(Name = "kv_up")]
    private readonly Parameter _keyValueUp;
    [ComponentName(Name = "out")]
    private readonly Parameter _out;

    private readonly RotaryEmbedding _rope;
    private readonly int _heads;
    private readonly int _headDim;
    private readonly int _latent;
    private readonly int _rotary;

    public LatentAttention(string name, ModelOptions options, RotaryEmbedding rope, ParameterInit init) : base(name)
    {
        (_heads, _headDim, _latent, _rotary) = (options.Heads, options.HeadDim, options.KvLoraRank, options.QkRopeHeadDim);
        var dim = options.ModelDim;
        if (options.QLoraRank > 0)
        {
            _queryDown = init.Normal(options.QLoraRank, dim);
            _queryNorm = new RmsNorm("q_norm", options.QLoraRank, init);
        }
        _query = init.Normal(_heads * (_headDim + _rotary), options.QLoraRank > 0 ? options.QLoraRank : dim);
        _keyValueDown = init.Normal(_latent + _rotary, dim);
        _latentNorm = new RmsNorm("kv_norm", _latent, init);
        _keyValueUp = init.Normal(_heads * 2 * _headDim, _latent);
        _out = init.Residual(dim, _heads * _headDim);
        _rope = rope;
        RegisterComponents();
    }

    /// <summary>Numbers cached per token: the latent and the rotary key.</summary>
    public int CachedPerToken => _latent + _rotary;

    public override Tensor forward(Tensor input) => Attend(input, Compress(input));

    /// <summary>
    /// What a decoder caches for tokens <paramref name="input"/> [batch, time, model_dim] at positions from
    /// <paramref name="start"/>: [batch, time, kv_lora_rank + qk_rope_head_dim], the normalised latent then the rotated key.
    /// </summary>
    public Tensor Compress(Tensor input, long start = 0)
    {
        var down = F.linear(input, _keyValueDown);
        var latent = _latentNorm.forward(down.narrow(-1, 0, _latent));
        var rotaryKey = _rope.Apply(down.narrow(-1, _latent, _rotary), start);
        return cat([latent, rotaryKey], -1);
    }

    /// <summary>
    /// Attention of the tokens <paramref name="input"/> [batch, time, model_dim], at positions from <paramref name="start"/>,
    /// over <paramref name="cache"/> (what <see cref="Compress"/> gave for every token up to the last of them): either the
    /// same tokens (time = cached, causal), or one new token after the cached ones (a decoder's step).
    /// </summary>
    public Tensor Attend(Tensor input, Tensor cache, long start = 0)
    {
        var (batch, time, cached) = (input.shape[0], input.shape[1], cache.shape[1]);
        if (time != cached && time != 1)
        {
            throw new ArgumentException($"attend either the cached tokens themselves ({cached}) or one new token, not {time}");
        }
        var queryInput = _queryDown is null ? input : _queryNorm!.forward(F.linear(input, _queryDown));
        var query = F.linear(queryInput, _query).view(batch, time, _heads, _headDim + _rotary);
        query = cat([query.narrow(-1, 0, _headDim), _rope.Apply(query.narrow(-1, _headDim, _rotary), start)], -1);

        var keyValue = F.linear(cache.narrow(-1, 0, _latent), _keyValueUp).view(batch, cached, _heads, 2 * _headDim);
        var rotaryKey = cache.narrow(-1, _latent, _rotary).unsqueeze(2).expand(batch, cached, _heads, _rotary);
        var key = cat([keyValue.narrow(-1, 0, _headDim), rotaryKey], -1);
        var value = keyValue.narrow(-1, _headDim, _headDim);

        // Scores are scaled by 1/sqrt(head_dim + qk_rope_head_dim), the width of query and key, as in the paper.
        var attended = F.scaled_dot_product_attention(query.transpose(1, 2), key.transpose(1, 2), value.transpose(1, 2), is_casual: time > 1);
        return F.linear(attended.transpose(1, 2).reshape(batch, time, _heads * _headDim), _out);
    }
}
