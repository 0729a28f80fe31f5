using Lab.Contracts;

namespace Lab.Grains;

internal static class Refusals
{
    /// <summary>Refuses a command whose validation found errors, with all of them in one message.</summary>
    public static void ThrowIfAny(Dictionary<string, string[]> errors)
    {
        if (errors.Count > 0)
        {
            throw new LabRefusedException(Text.Describe(errors));
        }
    }
}
