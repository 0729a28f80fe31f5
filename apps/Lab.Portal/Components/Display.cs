using System.Globalization;
using Lab.Contracts.Ideas;

namespace Lab.Portal.Components;

/// <summary>How the portal words and formats what the API returns.</summary>
public static class Display
{
    public static string When(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC";

    public static string Status(IdeaStatus status) => status switch
    {
        IdeaStatus.SetAside => "set aside",
        _ => status.ToString().ToLowerInvariant(),
    };

    public static string StatusClass(IdeaStatus status) => "status status-" + status.ToString().ToLowerInvariant();

    public static string People(int count) => count == 1 ? "1 person" : $"{count} people";

    /// <summary>Idea ids typed into a form, separated by spaces, commas or new lines; null when one is not an id.</summary>
    public static List<Guid>? ParseIds(string? text)
    {
        var ids = new List<Guid>();
        foreach (var part in (text ?? "").Split([' ', ',', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Guid.TryParse(part, out var id))
            {
                return null;
            }
            ids.Add(id);
        }
        return ids;
    }

    /// <summary>The portal page of a feed or timeline entry's subject.</summary>
    public static string? LinkOf(string subjectKind, Guid subjectId) => subjectKind switch
    {
        "idea" => $"/ideas/{subjectId}",
        "note" => $"/notes/{subjectId}",
        "insight" => $"/insights#insight-{subjectId}",
        _ => null,
    };
}
