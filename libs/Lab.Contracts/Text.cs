namespace Lab.Contracts;

/// <summary>The checks every free-text field of Lab shares.</summary>
public static class Text
{
    public static void Require(Dictionary<string, string[]> errors, string field, string? value, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors[field] = [$"The {field} is required."];
            return;
        }
        Optional(errors, field, value, maxLength);
    }

    public static void Optional(Dictionary<string, string[]> errors, string field, string? value, int maxLength)
    {
        if (value is null)
        {
            return;
        }
        if (value.Length > maxLength)
        {
            errors[field] = [$"The {field} must be at most {maxLength} characters (it has {value.Length})."];
        }
        else if (HasControlCharacters(value))
        {
            errors[field] = [$"The {field} must not contain control characters."];
        }
    }

    /// <summary>Control characters other than line breaks and tabs.</summary>
    public static bool HasControlCharacters(string value) =>
        value.Any(c => char.IsControl(c) && c is not '\n' and not '\r' and not '\t');

    /// <summary>The errors as one sentence, for refusals that travel as exceptions.</summary>
    public static string Describe(Dictionary<string, string[]> errors) =>
        string.Join(" ", errors.Values.SelectMany(e => e));
}
