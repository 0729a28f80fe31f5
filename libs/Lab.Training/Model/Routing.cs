using static TorchSharp.torch;

namespace Lab.Training.Model;

/// <summary>
/// One router decision for N tokens: the chosen experts [N, k] (int64), their gate weights [N, k], the affinities
/// normalised over all experts [N, experts] (for the balance loss), and the raw logits (for the z-loss).
/// </summary>
public sealed record Routing(Tensor Experts, Tensor Weights, Tensor Affinities, Tensor Logits);
