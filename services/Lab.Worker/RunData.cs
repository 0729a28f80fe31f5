using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Lab.Client;
using Lab.Contracts.Pool;
using Lab.Training.Configuration;

namespace Lab.Worker;

/// <summary>
/// The data a run trains on, in its own folder: the built-in corpus needs nothing; a data set (<c>dataset:ID</c>) is
/// fetched from the lab once into <c>data/</c> in the run's folder, and the configuration the process gets names that
/// file. Fetching happens beside the heartbeats; the run starts on the first heartbeat after its data is there.
/// </summary>
public sealed class RunData(IServiceProvider services)
{
    private readonly ConcurrentDictionary<Guid, Task> _fetching = new();

    /// <summary>
    /// The configuration to start the run with, or null while its data set is being fetched (<paramref name="ready"/> is
    /// called when that is done). Throws <see cref="RunDataException"/> when the data set cannot be had.
    /// </summary>
    public string? Prepare(RunOrder order, string folder, Action ready)
    {
        if (RunConfig.FromJson(order.Config, "config").Data.DatasetId is not { } dataset)
        {
            return order.Config;
        }
        var file = Path.Combine(folder, "data", $"{dataset:N}.txt");
        if (File.Exists(file))
        {
            _fetching.TryRemove(order.RunId, out _);
            var config = JsonNode.Parse(order.Config)!.AsObject();
            config["data"]!["source"] = file;
            return config.ToJsonString();
        }
        if (_fetching.TryGetValue(order.RunId, out var fetch))
        {
            if (fetch.IsFaulted)
            {
                _fetching.TryRemove(order.RunId, out _);
                throw new RunDataException($"its data set {dataset} could not be fetched: {fetch.Exception!.GetBaseException().Message}");
            }
            return null;
        }
        _fetching[order.RunId] = FetchAsync(dataset, file).ContinueWith(done =>
        {
            ready();
            return done;
        }, TaskScheduler.Default).Unwrap();
        return null;
    }

    private async Task FetchAsync(Guid dataset, string file)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var part = file + ".part";
        await using (var target = File.Create(part))
        {
            await services.GetRequiredService<LabClient>().CopyDatasetAsync(dataset, target, CancellationToken.None);
        }
        File.Move(part, file, overwrite: true);
    }
}

/// <summary>A run's data could not be had: the run fails with the reason (which names no path on this machine).</summary>
public sealed class RunDataException(string message) : Exception(message);
