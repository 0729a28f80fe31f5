namespace Lab.Contracts.Ideas;

/// <summary>What makes a change to an idea acceptable. The API checks it before anything is written; the grain checks it again.</summary>
public static class IdeaRules
{
    public const int TitleMaxLength = 200;
    public const int HypothesisMaxLength = 4000;
    public const int MotivationMaxLength = 4000;
    public const int NoteMaxLength = 4000;
    public const int MaxBuildsOn = 20;

    public static Dictionary<string, string[]> Validate(ProposeIdea? proposal)
    {
        var errors = new Dictionary<string, string[]>();
        if (proposal is null)
        {
            errors["body"] = ["A JSON body with a title and a hypothesis is required."];
            return errors;
        }
        Text.Require(errors, "title", proposal.Title, TitleMaxLength);
        Text.Require(errors, "hypothesis", proposal.Hypothesis, HypothesisMaxLength);
        Text.Optional(errors, "motivation", proposal.Motivation, MotivationMaxLength);
        if (proposal.BuildsOn is { } earlier && (earlier.Count > MaxBuildsOn || earlier.Contains(Guid.Empty) || earlier.Distinct().Count() != earlier.Count))
        {
            errors["buildsOn"] = [$"At most {MaxBuildsOn} distinct idea ids."];
        }
        return errors;
    }

    /// <summary>Validating needs a summary, setting aside what was learned, reviving a reason.</summary>
    public static Dictionary<string, string[]> ValidateNote(string field, string? note)
    {
        var errors = new Dictionary<string, string[]>();
        Text.Require(errors, field, note, NoteMaxLength);
        return errors;
    }

    /// <summary>Which status an idea may move to from where it is.</summary>
    public static bool CanMove(IdeaStatus from, IdeaStatus to) => (from, to) switch
    {
        (IdeaStatus.Proposed, IdeaStatus.Exploring) => true,
        (IdeaStatus.Exploring, IdeaStatus.Validated) => true,
        (IdeaStatus.Proposed or IdeaStatus.Exploring, IdeaStatus.SetAside) => true,
        (IdeaStatus.SetAside, IdeaStatus.Exploring) => true, // revived
        _ => false,
    };
}
