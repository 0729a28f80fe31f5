namespace Lab.Contracts.Runs;

public static class RunRules
{
    public const int MaxDevicesPerRun = Pool.PoolRules.MaxDevicesPerNode;
    public const int ConfigMaxLength = 64 * 1024;
    public static readonly IReadOnlyList<string> Kinds = ["cpu", "cuda"];

    /// <summary>How many times a run whose training process died is started again from its checkpoint before it fails.</summary>
    public const int MaxCrashRestarts = 3;

    /// <summary>
    /// Figures of one expert load or affinity matrix a metrics line keeps (layers × experts, domains × experts): 64 MoE
    /// layers of 32 experts, or 8 of 256. A larger model's lines keep their other figures, so a line stays a few kB.
    /// </summary>
    public const int MaxExpertFigures = 2048;

    /// <summary>The longest name of a corpus domain an affinity matrix may carry.</summary>
    public const int MaxDomainNameLength = 100;

    public static bool IsOver(RunStatus status) => status is RunStatus.Finished or RunStatus.Failed or RunStatus.Cancelled;

    /// <summary>Who may cancel, name or tag a run: the member who submitted it, or a member of its idea's team.</summary>
    public static bool MayActOn(Guid member, Guid submittedBy, IReadOnlyCollection<Guid> ideaTeam) =>
        member == submittedBy || ideaTeam.Contains(member);

    /// <summary>Who may resume a cancelled run: the member who submitted it.</summary>
    public static bool MayResume(Guid member, Guid submittedBy) => member == submittedBy;

    /// <summary>The checks of a submission that do not need the training engine (which checks the configuration itself).</summary>
    public static Dictionary<string, string[]> Validate(SubmitRun? run)
    {
        var errors = new Dictionary<string, string[]>();
        if (run is null)
        {
            errors["body"] = ["A JSON body describing the run is required."];
            return errors;
        }
        if (run.IdeaId == Guid.Empty)
        {
            errors["ideaId"] = ["The run must name the idea it is for (ideaId)."];
        }
        if (string.IsNullOrWhiteSpace(run.Config) || run.Config.Length > ConfigMaxLength)
        {
            errors["config"] = [$"The training configuration is required and must be at most {ConfigMaxLength} characters of JSON."];
        }
        if (run.TotalSteps < 1)
        {
            errors["config"] = ["The training configuration must ask for at least one step."];
        }
        if (run.Devices is < 1 or > MaxDevicesPerRun)
        {
            errors["devices"] = [$"A run uses 1 to {MaxDevicesPerRun} devices, all on one node."];
        }
        if (run.Kind is not null && !Kinds.Contains(run.Kind))
        {
            errors["kind"] = [$"The device kind must be one of {string.Join(", ", Kinds)}, or left out for any."];
        }
        return errors;
    }
}
