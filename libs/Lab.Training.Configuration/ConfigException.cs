namespace Lab.Training.Configuration;

/// <summary>A configuration, data source or checkpoint was refused before any training work; the message says why.</summary>
public sealed class ConfigException : Exception
{
    public ConfigException(string message)
        : base(message)
    {
        Problems = [message];
    }

    /// <summary>A configuration that could not be read; <paramref name="inner"/> says where, for callers that report by field.</summary>
    public ConfigException(string message, Exception inner)
        : base(message, inner)
    {
        Problems = [message];
    }

    public ConfigException(IEnumerable<string> problems)
        : this([.. problems])
    {
    }

    private ConfigException(string[] problems)
        : base("invalid configuration: " + string.Join("; ", problems))
    {
        Problems = problems;
    }

    /// <summary>Each problem on its own (the message joins them), for callers that show them one by one.</summary>
    public IReadOnlyList<string> Problems { get; }
}
