namespace Lab.Training.Checkpoints;

/// <summary>Finds the checkpoint a resumed run continues from.</summary>
public static class CheckpointLocator
{
    /// <summary>
    /// The newest checkpoint that passes its checks. A corrupt newer one is reported through <paramref name="warn"/>
    /// and skipped, never loaded; with no usable checkpoint at all this throws, so a resume never silently restarts.
    /// </summary>
    public static (string Path, CheckpointHeader Header) Latest(CheckpointStore store, Action<string> warn)
    {
        var candidates = store.List();
        if (candidates.Count == 0)
        {
            throw new CheckpointException($"no checkpoint to resume from in '{store.Directory}'");
        }
        var problems = new List<string>();
        foreach (var (_, path) in candidates)
        {
            try
            {
                var header = CheckpointStore.Verify(path);
                foreach (var problem in problems)
                {
                    warn($"{problem}; resuming from the older step {header.Step} instead");
                }
                return (path, header);
            }
            catch (CheckpointException e)
            {
                problems.Add(e.Message);
            }
        }
        throw new CheckpointException($"no usable checkpoint in '{store.Directory}': {string.Join("; ", problems)}");
    }
}
