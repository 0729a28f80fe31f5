namespace Lab.Contracts;

/// <summary>A request that the lab refuses for a reason the caller can act on (maps to a 4xx problem).</summary>
[GenerateSerializer, Alias("lab.refused")]
public sealed class LabRefusedException : Exception
{
    public LabRefusedException() : this("The request was refused.")
    {
    }

    public LabRefusedException(string message, LabRefusal kind = LabRefusal.Invalid) : base(message) => Kind = kind;

    [Id(0)]
    public LabRefusal Kind { get; private set; }
}

public enum LabRefusal
{
    Invalid,
    NotFound,
    Conflict,
    Forbidden,

    /// <summary>A bound that applies to everyone equally is reached (e.g. runs waiting per member): try again later.</summary>
    TooMany,
}
