namespace Lab.Contracts.Ideas;

/// <summary>What makes a proposal acceptable. The API checks it before anything is written; the grain checks it again.</summary>
public static class IdeaRules
{
    public const int TitleMaxLength = 200;
    public const int HypothesisMaxLength = 4000;

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
        return errors;
    }
}
