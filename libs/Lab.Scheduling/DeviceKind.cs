namespace Lab.Scheduling;

/// <summary>What a device is. A run may ask for one kind, or take any.</summary>
public enum DeviceKind
{
    Cpu,
    Cuda,
}
