using System.Numerics;

namespace Lab.Scheduling;

/// <summary>
/// Devices of one node by index (0 to 63, as <c>PoolRules.MaxDevicesPerNode</c> allows), held as a bit mask:
/// a value that copies, compares and combines without allocating.
/// </summary>
public readonly record struct DeviceSet(ulong Mask)
{
    public const int MaxDevicesPerNode = 64;

    public int Count => BitOperations.PopCount(Mask);

    public bool IsEmpty => Mask == 0;

    /// <summary>Devices 0 to <paramref name="count"/> - 1.</summary>
    public static DeviceSet FirstN(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, MaxDevicesPerNode);
        return new DeviceSet(count == MaxDevicesPerNode ? ulong.MaxValue : (1UL << count) - 1);
    }

    public static DeviceSet Of(params ReadOnlySpan<int> devices)
    {
        var mask = 0UL;
        foreach (var device in devices)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(device);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(device, MaxDevicesPerNode);
            mask |= 1UL << device;
        }
        return new DeviceSet(mask);
    }

    public bool Contains(int device) => (uint)device < MaxDevicesPerNode && (Mask & (1UL << device)) != 0;

    public bool Overlaps(DeviceSet other) => (Mask & other.Mask) != 0;

    public int[] ToArray()
    {
        var devices = new int[Count];
        var i = 0;
        foreach (var device in this)
        {
            devices[i++] = device;
        }
        return devices;
    }

    public Enumerator GetEnumerator() => new(Mask);

    public override string ToString() => string.Join(',', ToArray());

    /// <summary>Enumerates device indexes in ascending order without allocating.</summary>
    public struct Enumerator(ulong mask)
    {
        private ulong _rest = mask;

        public int Current { get; private set; }

        public bool MoveNext()
        {
            if (_rest == 0)
            {
                return false;
            }
            Current = BitOperations.TrailingZeroCount(_rest);
            _rest &= _rest - 1;
            return true;
        }
    }
}
