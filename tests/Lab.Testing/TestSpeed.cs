namespace Lab.Testing;

/// <summary>
/// The trait that separates the slow tests (real processes: <c>lab up</c>, services, training, a browser, a cluster)
/// from the fast ones: <c>dotnet test Lab.Core.slnf --filter "Speed!=Slow"</c> runs only the fast ones, in about a
/// minute; the README's test command runs all.
/// </summary>
public static class TestSpeed
{
    public const string Trait = "Speed";
    public const string Slow = "Slow";
}
