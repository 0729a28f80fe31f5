using Lab.Training.Configuration;
using Lab.Training.Engine;
using Lab.Training.Protocol;
using Lab.Training.Model;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Lab.Training.Tests;

/// <summary>
/// Multi-token prediction (DeepSeek-V3, depth 1): an extra module, fed the main model's representation and the next
/// token's embedding, learns to predict the token after next through the model's own head; its loss joins the
/// objective with its weight, and inference ignores it.
/// </summary>
public sealed class MultiTokenPredictionTests
{
    private static readonly ModelOptions Model = TestRuns.Tiny("mtp").Model;

    [Fact]
    [Trait(Lab.Testing.TestSpeed.Trait, Lab.Testing.TestSpeed.Slow)]
    public void A_tiny_run_with_one_prediction_module_learns_and_the_modules_loss_falls()
    {
        using var folder = new TempFolder();

        var events = TestRuns.Run(TestRuns.Tiny("mtp", steps: 150), folder.Path);

        var start = events.OfType<EvaluationEvent>().First();
        var finished = events.OfType<FinishedEvent>().Single();
        Assert.True(finished.ValLoss < 0.6 * Math.Log(256), $"val loss {finished.ValLoss:F3} is not well below ln(256)");
        Assert.True(finished.ValLoss < start.ValLoss - 1, $"val loss {finished.ValLoss:F3} did not fall from {start.ValLoss:F3}");
        var progress = events.OfType<ProgressEvent>().ToList();
        Assert.All(progress, p => Assert.NotNull(p.MtpLoss));
        var (early, late) = (progress.Take(10).Average(p => p.MtpLoss!.Value), progress.TakeLast(10).Average(p => p.MtpLoss!.Value));
        var nextTokenLate = progress.TakeLast(10).Average(p => p.Loss);
        Assert.True(late < early - 1, $"the prediction module's loss did not fall: {early:F3} early, {late:F3} late");
        // The token after next is harder to guess than the next one: the module is not just repeating the main head.
        Assert.True(late > nextTokenLate, $"the module's loss {late:F3} is not above the next-token loss {nextTokenLate:F3}");
    }

    [Fact]
    public void The_module_predicts_the_token_after_next_from_what_came_before_it()
    {
        using var scope = NewDisposeScope();
        using var model = Create(Model, seed: 5);
        var values = Tokens(2, 12);
        var inputs = tensor(values, [2, 12]);
        values[6] = (values[6] + 1) % 256;
        values[12 + 6] = (values[12 + 6] + 1) % 256;
        var changed = tensor(values, [2, 12]);

        var (logits, ahead) = model.Predict(inputs);
        var (changedLogits, changedAhead) = model.Predict(changed);

        Assert.Equal([2, 12, 256], logits.shape);
        Assert.Equal([2, 11, 256], Assert.Single(ahead).shape);
        // Position i of the module sees tokens 0..i+1 and predicts token i+2: a change at token 6 reaches position 5
        // of the module onwards, but position 6 of the main head onwards.
        Assert.Equal(Enumerable.Range(5, 6), ChangedPositions(ahead[0], changedAhead[0]));
        Assert.Equal(Enumerable.Range(6, 6), ChangedPositions(logits, changedLogits));
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(1.5)]
    public void The_objective_adds_the_modules_loss_with_its_weight(double weight)
    {
        using var scope = NewDisposeScope();
        using var model = Create(Model with { MtpLossWeight = weight }, seed: 5);
        var tokens = tensor(Tokens(2, 13), [2, 13]);
        var (inputs, targets) = (tokens.narrow(1, 0, 12), tokens.narrow(1, 1, 12));

        var loss = model.Loss(inputs, targets);
        var ahead = model.Predict(inputs).Ahead[0];

        var afterNext = F.cross_entropy(ahead.reshape(-1, 256), targets.narrow(1, 1, 11).reshape(-1)).item<float>();
        Assert.Equal(afterNext, loss.MultiToken!.item<float>(), 1e-5);
        var expected = loss.NextToken.item<float>() + weight * afterNext + loss.Auxiliary!.item<float>();
        Assert.Equal(expected, loss.Objective.item<float>(), 1e-4);
        // The module's loss trains the main model too (DeepSeek-V3's densified signal): the embedding gets its gradient.
        loss.MultiToken.backward();
        Assert.True(model.MultiTokenModules[0].Projection.grad!.abs().sum().item<float>() > 0);
        Assert.True(model.parameters().First().grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void Inference_ignores_the_module_and_the_main_model_is_the_same_without_it()
    {
        using var scope = NewDisposeScope();
        using var with = Create(Model, seed: 9);
        using var without = Create(Model with { MtpDepth = 0 }, seed: 9);
        var inputs = tensor(Tokens(2, 12), [2, 12]);

        var extra = with.named_parameters().Where(p => p.name.StartsWith("mtp.", StringComparison.Ordinal)).ToList();
        Assert.Equal(without.named_parameters().Select(Describe), with.named_parameters().Except(extra).Select(Describe));
        // The module's own weights: two input norms, the projection M [dim, 2 dim], a block, a final norm. No head of its own.
        var d = Model.ModelDim;
        Assert.Equal([d, 2 * d], with.MultiTokenModules[0].Projection.shape);
        var blockWeights = without.Blocks[^1].parameters().Sum(p => p.numel());
        Assert.Equal(3 * d + 2 * d * d + blockWeights, extra.Sum(p => p.parameter.numel()));
        Assert.DoesNotContain(extra, p => p.parameter.shape.Contains(256));
        Assert.Equal(without.CountParameters().Total + extra.Sum(p => p.parameter.numel()), with.CountParameters().Total);

        with.eval();
        without.eval();
        using var noGrad = no_grad();
        var before = with.forward(inputs);
        Assert.True(before.eq(without.forward(inputs)).all().item<bool>(), "the main model's logits depend on whether a prediction module exists");
        foreach (var (_, parameter) in extra)
        {
            parameter.add_(randn_like(parameter));
        }
        Assert.True(before.eq(with.forward(inputs)).all().item<bool>(), "inference changed with the prediction module's weights");
    }

    private static MoeTransformer Create(ModelOptions options, long seed)
    {
        random.manual_seed(seed);
        return new MoeTransformer(options, 256, CPU, DispatchKernel.Loop);
    }

    private static string Describe((string Name, TorchSharp.Modules.Parameter Parameter) p) => $"{p.Name} {string.Join('x', p.Parameter.shape)}";

    private static long[] Tokens(int rows, int columns)
    {
        var random = new Random(rows * 1000 + columns);
        return Enumerable.Range(0, rows * columns).Select(_ => (long)random.Next(256)).ToArray();
    }

    /// <summary>The positions (dimension 1) where two logit tensors differ.</summary>
    private static IEnumerable<int> ChangedPositions(Tensor a, Tensor b)
    {
        var differs = (a - b).abs().amax([0, 2]).gt(1e-6).data<bool>().ToArray();
        return Enumerable.Range(0, differs.Length).Where(i => differs[i]);
    }
}
