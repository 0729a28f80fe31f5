using System.Collections.Concurrent;
using System.Diagnostics;
using Lab.Training.Model;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lab.Training.Engine;

/// <summary>
/// One copy of the model on one device of a run. In a data-parallel run every replica computes the loss and gradients
/// of its share of each batch at the same time as the others, on a thread of its own that computes with the device's
/// share of the CPU threads (torch's thread count is per thread for OpenMP); the trainer adds the gradients into the
/// first replica, steps the one optimizer there and copies the weights back to the others. A run on one device has
/// one replica and no thread of its own: it computes on the trainer's thread, as before data parallelism.
/// </summary>
internal sealed class Replica : IDisposable
{
    private readonly BlockingCollection<Action>? _work;
    private readonly Thread? _thread;
    private (Tensor From, Tensor To)[] _mirror = [];

    public Replica(PlacedDevice device, MoeTransformer model, bool ownThread)
    {
        Device = device;
        Model = model;
        Parameters = [.. model.parameters()];
        if (ownThread)
        {
            _work = [];
            using var ready = new ManualResetEventSlim();
            _thread = new Thread(() => Serve(ready)) { IsBackground = true, Name = $"replica {device.Id}" };
            _thread.Start();
            ready.Wait();
        }
    }

    public PlacedDevice Device { get; }

    public MoeTransformer Model { get; }

    public Parameter[] Parameters { get; }

    /// <summary>Training tokens and seconds of computing since the last progress line.</summary>
    public long WindowTokens { get; private set; }

    public double WindowSeconds { get; private set; }

    /// <summary>Makes this replica copy <paramref name="source"/>'s state (weights and balancing biases) on every <see cref="CopyFromSource"/>.</summary>
    public void Mirror(Replica source)
    {
        var from = source.Model.state_dict();
        var to = Model.state_dict();
        _mirror = [.. from.Select(entry => (entry.Value, to[entry.Key]))];
        CopyFromSource();
    }

    /// <summary>The source's current state, copied into this replica's tensors.</summary>
    public void CopyFromSource()
    {
        using var noGrad = no_grad();
        foreach (var (from, to) in _mirror)
        {
            to.copy_(from);
        }
    }

    /// <summary>Runs <paramref name="work"/> on this replica's thread (or here, for a run on one device), timing it.</summary>
    public Task<T> RunAsync<T>(Func<T> work, long tokens)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Timed()
        {
            var clock = Stopwatch.StartNew();
            T result;
            try
            {
                result = work();
            }
            catch (Exception e)
            {
                done.SetException(e);
                return;
            }
            WindowTokens += tokens;
            WindowSeconds += clock.Elapsed.TotalSeconds;
            done.SetResult(result);
        }
        if (_work is null)
        {
            Timed();
        }
        else
        {
            _work.Add(Timed);
        }
        return done.Task;
    }

    /// <summary>This replica's figures since the last call, for a progress line.</summary>
    public (long Tokens, double Seconds) TakeWindow()
    {
        var window = (WindowTokens, WindowSeconds);
        (WindowTokens, WindowSeconds) = (0, 0);
        return window;
    }

    private void Serve(ManualResetEventSlim ready)
    {
        // OpenMP keeps the thread count per thread: this one computes with its device's share.
        torch.set_num_threads(Device.Threads);
        ready.Set();
        foreach (var work in _work!.GetConsumingEnumerable())
        {
            work();
        }
    }

    public void Dispose()
    {
        _work?.CompleteAdding();
        _thread?.Join();
        _work?.Dispose();
    }
}
