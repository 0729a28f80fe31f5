namespace Lab.Training.Configuration;

/// <summary>Checks a configuration before any work, with messages that name the JSON field and the value.</summary>
internal static class ConfigValidator
{
    public static IReadOnlyList<string> Validate(RunConfig config)
    {
        var problems = new List<string>();
        ValidateModel(config.Model, problems);
        ValidateTraining(config.Training, problems);
        ValidateData(config.Data, problems);
        return problems;
    }

    private static void ValidateModel(ModelOptions m, List<string> problems)
    {
        Positive(problems, "model.context_length", m.ContextLength);
        Positive(problems, "model.model_dim", m.ModelDim);
        Positive(problems, "model.layers", m.Layers);
        Positive(problems, "model.heads", m.Heads);
        if (m.ModelDim > 0 && m.Heads > 0)
        {
            if (m.ModelDim % m.Heads != 0)
            {
                problems.Add($"model.model_dim ({m.ModelDim}) must be a multiple of model.heads ({m.Heads})");
            }
            else if (m.Attention == AttentionKind.Mha && m.HeadDim % 2 != 0)
            {
                problems.Add($"the head width model_dim/heads ({m.HeadDim}) must be even for rotary position encoding");
            }
        }
        if (m.DenseLayers < 0 || m.DenseLayers > m.Layers)
        {
            problems.Add($"model.dense_layers must be between 0 and model.layers ({m.Layers}), got {m.DenseLayers}");
        }
        NonNegative(problems, "model.shared_experts", m.SharedExperts);
        Positive(problems, "model.expert_hidden", m.ExpertHidden);
        Positive(problems, "model.top_k", m.TopK);
        if (m.RoutedExperts <= 0)
        {
            problems.Add($"model.routed_experts must be at least 1, got {m.RoutedExperts} (zero experts cannot route tokens)");
        }
        else if (m.TopK > m.RoutedExperts)
        {
            problems.Add($"model.top_k ({m.TopK}) is larger than the number of routed experts ({m.RoutedExperts})");
        }
        NonNegative(problems, "model.bias_update_speed", m.BiasUpdateSpeed);
        NonNegative(problems, "model.balance_loss_weight", m.BalanceLossWeight);
        NonNegative(problems, "model.z_loss_weight", m.ZLossWeight);
        Positive(problems, "model.rope_theta", m.RopeTheta);
        Positive(problems, "model.init_std", m.InitStd);
        ValidateMultiTokenPrediction(m, problems);
        if (m.Attention == AttentionKind.Mla)
        {
            ValidateLatentAttention(m, problems);
        }
    }

    private static void ValidateMultiTokenPrediction(ModelOptions m, List<string> problems)
    {
        if (m.MtpDepth < 0 || (m.ContextLength > 0 && m.MtpDepth >= m.ContextLength))
        {
            problems.Add($"model.mtp_depth must be between 0 (off) and model.context_length - 1 ({m.ContextLength - 1}), got {m.MtpDepth}");
        }
        NonNegative(problems, "model.mtp_loss_weight", m.MtpLossWeight);
        if (m.MtpDepth > 0 && m.MtpLossWeight == 0)
        {
            problems.Add("model.mtp_loss_weight must be above 0 when model.mtp_depth is set: with 0 the prediction modules would train on nothing");
        }
    }

    /// <summary>Checked only when <c>model.attention</c> is <c>mla</c>; the fields mean nothing otherwise.</summary>
    private static void ValidateLatentAttention(ModelOptions m, List<string> problems)
    {
        Positive(problems, "model.kv_lora_rank", m.KvLoraRank);
        NonNegative(problems, "model.q_lora_rank", m.QLoraRank);
        Positive(problems, "model.qk_rope_head_dim", m.QkRopeHeadDim);
        if (m.QkRopeHeadDim > 0 && m.QkRopeHeadDim % 2 != 0)
        {
            problems.Add($"model.qk_rope_head_dim ({m.QkRopeHeadDim}) must be even for rotary position encoding");
        }
        if (m.KvLoraRank > 0 && m.QkRopeHeadDim > 0 && m.ModelDim > 0 && m.CachedPerToken >= 2L * m.ModelDim)
        {
            problems.Add(
                $"model.kv_lora_rank ({m.KvLoraRank}) plus model.qk_rope_head_dim ({m.QkRopeHeadDim}) must be below 2 × model.model_dim " +
                $"({2L * m.ModelDim}), the keys and values multi-head attention would cache per token: latent attention would save nothing");
        }
    }

    private static void ValidateTraining(TrainingOptions t, List<string> problems)
    {
        Positive(problems, "training.steps", t.Steps);
        Positive(problems, "training.batch_size", t.BatchSize);
        Positive(problems, "training.gradient_accumulation", t.GradientAccumulation);
        Positive(problems, "training.learning_rate", t.LearningRate);
        if (t.MinLearningRateRatio is < 0 or > 1)
        {
            problems.Add($"training.min_learning_rate_ratio must be between 0 and 1, got {t.MinLearningRateRatio}");
        }
        NonNegative(problems, "training.warmup_steps", t.WarmupSteps);
        NonNegative(problems, "training.weight_decay", t.WeightDecay);
        if (t.Beta1 is < 0 or >= 1 || t.Beta2 is < 0 or >= 1)
        {
            problems.Add($"training.beta1 and training.beta2 must be in [0, 1), got {t.Beta1} and {t.Beta2}");
        }
        NonNegative(problems, "training.gradient_clip", t.GradientClip);
        Positive(problems, "training.eval_every", t.EvalEvery);
        Positive(problems, "training.eval_batches", t.EvalBatches);
        Positive(problems, "training.checkpoint_every", t.CheckpointEvery);
        Positive(problems, "training.keep_checkpoints", t.KeepCheckpoints);
        Positive(problems, "training.log_every", t.LogEvery);
        NonNegative(problems, "training.threads", t.Threads);
    }

    private static void ValidateData(DataOptions d, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(d.Source))
        {
            problems.Add("data.source must be 'synthetic' or the path of a text file or folder");
        }
        if (d.ValidationFraction is <= 0 or > 0.5)
        {
            problems.Add($"data.validation_fraction must be in (0, 0.5], got {d.ValidationFraction}");
        }
        if (d.Tokenizer == TokenizerKind.Bpe && d.BpeVocabSize <= 256)
        {
            problems.Add($"data.bpe_vocab_size must be above 256 (the byte alphabet), got {d.BpeVocabSize}");
        }
        Positive(problems, "data.synthetic_chars", d.SyntheticChars);
    }

    private static void Positive(List<string> problems, string name, double value)
    {
        if (!(value > 0))
        {
            problems.Add($"{name} must be positive, got {value}");
        }
    }

    private static void NonNegative(List<string> problems, string name, double value)
    {
        if (!(value >= 0))
        {
            problems.Add($"{name} must not be negative, got {value}");
        }
    }
}
