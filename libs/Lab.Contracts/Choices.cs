namespace Lab.Contracts;

/// <summary>An enum value as Lab's API and pages take it from a query string: its name in any letter case; numbers are not names.</summary>
public static class Choices
{
    public static bool TryParse<T>(string? text, out T value) where T : struct, Enum
    {
        var name = Enum.GetNames<T>().FirstOrDefault(n => string.Equals(n, text, StringComparison.OrdinalIgnoreCase));
        value = name is null ? default : Enum.Parse<T>(name);
        return name is not null;
    }
}
