namespace Lab.Training.Checkpoints;

/// <summary>A checkpoint is missing, unreadable or fails its checks; it must not be trusted.</summary>
public sealed class CheckpointException(string message) : Exception(message);
