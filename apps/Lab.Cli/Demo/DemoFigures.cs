namespace Lab.Cli.Demo;

/// <summary>What the demo did, as the lab's API reports it afterwards (never what the demo meant to do).</summary>
public sealed record DemoFigures(
    int Devices,
    int Researchers,
    int Ideas,
    int IdeasValidated,
    int IdeasSetAside,
    int Teams,
    int RunsSubmitted,
    int RunsFinished,
    int RunsPreempted,
    int RunsResumed,
    int Preemptions,
    double DeviceSeconds,
    int Notes,
    int Insights,
    int KnowledgeEntries,
    int Searches,
    int SearchHits,
    int Celebrations,
    IReadOnlyList<DemoRunFigures> Runs);

/// <summary>One of the demo's runs as the API reports it.</summary>
public sealed record DemoRunFigures(Guid Id, string Label, string Idea, string Status, int Step, int TotalSteps, double? ValLoss, int Preemptions, int Placements, double DeviceSeconds);
