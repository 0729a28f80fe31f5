using Lab.Training.Configuration;
using Lab.Training.Data;
using Lab.Training.Model;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Lab.Training.Engine;

/// <summary>Validation loss, expert load and, on the synthetic corpus, per-domain expert affinity.</summary>
/// <param name="LayerShares">Per MoE layer, each routed expert's share of the validation tokens (see <see cref="ExpertLoadStats.Shares"/>).</param>
public sealed record Evaluation(double ValLoss, ExpertLoadStats Load, IReadOnlyDictionary<string, double[]>? ExpertAffinity, double[][]? LayerShares = null);

/// <summary>
/// Evaluates on fixed, evenly spaced validation windows, so successive evaluations are comparable and training's
/// batch stream is untouched. Affinity is measured at the last MoE layer, where domain structure is most visible.
/// </summary>
internal sealed class Evaluator(MoeTransformer model, TokenCorpus corpus, RunConfig config, Device device)
{
    private readonly BatchSampler _windows = new(corpus.Validation, config.Training.BatchSize, config.Model.ContextLength, 0);

    public Evaluation Run()
    {
        var layers = model.MoeLayers;
        var experts = config.Model.RoutedExperts;
        var loads = layers.Select(_ => new long[experts]).ToArray();
        var domains = corpus.DomainNames.Count;
        var affinity = domains > 0 && layers.Count > 0 ? new long[domains, experts] : null;
        byte[]? batchDomains = null;
        for (var i = 0; i < layers.Count; i++)
        {
            var layer = i;
            layers[i].RoutingObserver = chosen =>
            {
                var ids = chosen.cpu().data<long>().ToArray();
                var perToken = ids.Length / Math.Max(1, batchDomains?.Length ?? ids.Length);
                for (var slot = 0; slot < ids.Length; slot++)
                {
                    loads[layer][ids[slot]]++;
                    if (affinity is not null && batchDomains is not null && layer == layers.Count - 1)
                    {
                        affinity[batchDomains[slot / perToken], ids[slot]]++;
                    }
                }
            };
        }
        double lossSum = 0;
        var batches = 0;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            foreach (var batch in _windows.Evenly(config.Training.EvalBatches))
            {
                using var scope = NewDisposeScope();
                batchDomains = batch.Domains;
                var inputs = tensor(batch.Inputs, [batch.BatchSize, batch.ContextLength], device: device);
                var targets = tensor(batch.Targets, [batch.BatchSize * batch.ContextLength], device: device);
                var logits = model.forward(inputs);
                lossSum += F.cross_entropy(logits.view(-1, model.VocabSize), targets).item<float>();
                batches++;
            }
        }
        finally
        {
            model.train();
            foreach (var layer in layers)
            {
                layer.RoutingObserver = null;
            }
        }
        var load = layers.Count > 0 ? ExpertLoadStats.From(loads) : ExpertLoadStats.Balanced;
        return new Evaluation(lossSum / batches, load, affinity is null ? null : Fractions(affinity, corpus.DomainNames), ExpertLoadStats.Shares(loads));
    }

    private static Dictionary<string, double[]> Fractions(long[,] counts, IReadOnlyList<string> names)
    {
        var result = new Dictionary<string, double[]>();
        for (var d = 0; d < names.Count; d++)
        {
            var row = Enumerable.Range(0, counts.GetLength(1)).Select(e => (double)counts[d, e]).ToArray();
            var total = row.Sum();
            if (total > 0)
            {
                result[names[d]] = row.Select(c => Math.Round(c / total, 4)).ToArray();
            }
        }
        return result;
    }
}
