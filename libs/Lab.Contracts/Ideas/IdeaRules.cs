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
        Require(errors, "title", proposal.Title, TitleMaxLength);
        Require(errors, "hypothesis", proposal.Hypothesis, HypothesisMaxLength);
        return errors;
    }

    private static void Require(Dictionary<string, string[]> errors, string field, string? value, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors[field] = [$"The {field} is required."];
        }
        else if (value.Length > maxLength)
        {
            errors[field] = [$"The {field} must be at most {maxLength} characters (it has {value.Length})."];
        }
        else if (value.Any(c => char.IsControl(c) && c is not '\n' and not '\r' and not '\t'))
        {
            errors[field] = [$"The {field} must not contain control characters."];
        }
    }
}
