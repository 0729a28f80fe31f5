namespace Lab.Training.Tests;

/// <summary>A node tells the pool how much memory a run on its CPU can have: the machine's, or its control group's limit when lower.</summary>
public sealed class MachineMemoryTests
{
    [Fact]
    public void The_cpu_device_offers_the_machines_memory()
    {
        var cpu = ComputeDevices.Discover().SingleOrDefault(d => d.Kind == "cpu");
        if (cpu is null)
        {
            return; // a CUDA machine offers its GPUs instead
        }

        Assert.NotNull(cpu.MemoryBytes);
        Assert.InRange(cpu.MemoryBytes.Value, 1L << 28, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * 2);
    }

    [Fact]
    public void The_lowest_limit_of_the_processs_groups_and_their_parents_wins_over_the_machines_memory()
    {
        using var root = new TempFolder();
        Write(root.Sub("proc/meminfo"), "MemTotal:       16384 kB\nMemFree:         1024 kB\n");
        Write(root.Sub("proc/self/cgroup"), "4:memory:/lab/worker\n0::/lab/worker\n");
        // v1: the worker's own group has no limit, its parent has one.
        Write(root.Sub("cgroup/memory/lab/worker/memory.limit_in_bytes"), "9223372036854771712\n");
        Write(root.Sub("cgroup/memory/lab/memory.limit_in_bytes"), "12582912\n");
        Assert.Equal(12L << 20, MachineMemory.Total(root.Sub("proc"), root.Sub("cgroup")));

        // v2: a lower limit on the worker's own group; "max" means none.
        Write(root.Sub("cgroup/lab/worker/memory.max"), "8388608\n");
        Write(root.Sub("cgroup/lab/memory.max"), "max\n");
        Assert.Equal(8L << 20, MachineMemory.Total(root.Sub("proc"), root.Sub("cgroup")));
    }

    [Fact]
    public void Without_limits_the_machines_memory_counts_and_without_proc_nothing_is_known()
    {
        using var root = new TempFolder();
        Write(root.Sub("proc/meminfo"), "MemTotal:       16384 kB\n");
        Write(root.Sub("proc/self/cgroup"), "0::/\n");

        Assert.Equal(16L << 20, MachineMemory.Total(root.Sub("proc"), root.Sub("cgroup")));
        Assert.Null(MachineMemory.Total(root.Sub("nowhere"), root.Sub("cgroup")));
    }

    private static void Write(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
