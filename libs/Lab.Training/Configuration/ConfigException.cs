namespace Lab.Training.Configuration;

/// <summary>A configuration, data source or checkpoint was refused before any training work; the message says why.</summary>
public sealed class ConfigException(string message) : Exception(message)
{
    public ConfigException(IEnumerable<string> problems)
        : this("invalid configuration: " + string.Join("; ", problems))
    {
    }
}
