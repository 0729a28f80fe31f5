using TorchSharp;

namespace Lab.Training;

/// <summary>
/// One device of a run: the id the machine knows it by (<c>cuda:2</c>, <c>cpu:1</c>, as the worker offers it to the
/// pool), its index among the machine's devices of its kind, the torch device the replica of the model on it lives on,
/// and the CPU threads that replica computes with.
/// </summary>
public sealed record PlacedDevice(string Id, string Kind, int Index, torch.Device Torch, int Threads);

/// <summary>
/// The devices a run trains on, in order: one replica of the model on each. The first holds the optimizer and is the
/// one evaluated and saved; with more than one the run is data parallel (see <c>Engine/Trainer.cs</c>).
/// </summary>
public sealed record DevicePlacement(IReadOnlyList<PlacedDevice> Devices)
{
    public PlacedDevice Primary => Devices[0];

    public IReadOnlyList<string> Ids => [.. Devices.Select(d => d.Id)];
}
