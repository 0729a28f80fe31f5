using static TorchSharp.torch;

namespace Lab.Training.Model;

/// <summary>The optional router losses; both are zero-cost to skip when their weight is 0.</summary>
internal static class BalanceLosses
{
    /// <summary>
    /// alpha * sum_i f_i * P_i per group (a sequence, or the whole batch), averaged over groups: f_i is expert i's share
    /// of the group's routed slots times experts/k (1 when balanced), P_i its mean normalised affinity.
    /// </summary>
    public static Tensor Balance(Routing routing, long groups, int experts, int topK)
    {
        var tokens = routing.Experts.shape[0] / groups;
        Tensor share;
        using (no_grad())
        {
            var chosen = routing.Experts.view(groups, tokens * topK);
            share = zeros(groups, experts, device: chosen.device)
                .scatter_add_(1, chosen, ones(chosen.shape, device: chosen.device))
                .mul_(experts / (double)(topK * tokens));
        }
        var meanAffinity = routing.Affinities.view(groups, tokens, experts).mean([1]);
        return (share * meanAffinity).sum(-1).mean();
    }

    /// <summary>Router z-loss (ST-MoE): keeps logits small so the softmax/sigmoid stays in its sensitive range.</summary>
    public static Tensor ZLoss(Routing routing) => routing.Logits.logsumexp(-1).square().mean();
}
