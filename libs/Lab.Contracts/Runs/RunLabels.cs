namespace Lab.Contracts.Runs;

/// <summary>A new name for a run; null or blank clears it.</summary>
public sealed record NameRun(string? Name);

/// <summary>Tags to put on a run (those it already carries are left as they are).</summary>
public sealed record TagRun(IReadOnlyList<string>? Tags);

/// <summary>A tag and how many runs carry it (<c>GET /api/v1/runs/tags</c>).</summary>
public sealed record RunTagCount(string Tag, int Runs);

/// <summary>
/// The rules for a run's name and tags, shared by the API (which answers with the field at fault), the run grain (which
/// refuses whatever reaches it otherwise) and the clients. A name is free text on one line; a tag is one word of
/// letters, digits and <c>- _ . : / +</c>, kept in lower case so that "Baseline" and "baseline" are one tag.
/// </summary>
public static class RunLabels
{
    /// <summary>The name as it is kept: trimmed, null when blank (which clears it).</summary>
    public static string? Name(string? name) => string.IsNullOrWhiteSpace(name) ? null : name.Trim();

    /// <summary>The tag as it is kept: trimmed, lower case.</summary>
    public static string Tag(string tag) => tag.Trim().ToLowerInvariant();

    /// <summary>The tags as they are kept, each once, in the order given.</summary>
    public static IReadOnlyList<string> Tags(IEnumerable<string> tags) => [.. tags.Select(Tag).Distinct(StringComparer.Ordinal)];

    /// <summary>
    /// The name and tags after <paramref name="change"/>, the one fold every read model of a run uses; null when the change
    /// is not about the run's labels.
    /// </summary>
    public static (string? Name, List<string> Tags)? After(string? name, IReadOnlyList<string> tags, IRunEvent change) => change switch
    {
        RunNamed e => (e.Name, [.. tags]),
        RunTagged e => (name, [.. tags.Union(e.Tags, StringComparer.Ordinal)]),
        RunUntagged e => (name, [.. tags.Except(e.Tags, StringComparer.Ordinal)]),
        _ => null,
    };

    public static Dictionary<string, string[]> ValidateName(string? name, LabBounds bounds)
    {
        var errors = new Dictionary<string, string[]>();
        var kept = Name(name);
        if (kept is null)
        {
            return errors;
        }
        if (kept.Length > bounds.MaxRunNameLength)
        {
            errors["name"] = [$"A run's name is at most {bounds.MaxRunNameLength} characters (this one has {kept.Length})."];
        }
        else if (kept.Any(char.IsControl))
        {
            errors["name"] = ["A run's name is one line of text, without control characters."];
        }
        return errors;
    }

    /// <summary>
    /// The problems of <paramref name="tags"/> as tags to add to a run that carries <paramref name="carried"/>: each must be
    /// a tag, and the run may carry at most <see cref="LabBounds.MaxTagsPerRun"/> in all.
    /// </summary>
    public static Dictionary<string, string[]> ValidateTags(IReadOnlyList<string>? tags, IReadOnlyCollection<string> carried, LabBounds bounds)
    {
        var errors = new Dictionary<string, string[]>();
        if (tags is null || tags.Count == 0)
        {
            errors["tags"] = ["Give at least one tag."];
            return errors;
        }
        if (tags.Count > bounds.MaxTagsPerRun)
        {
            errors["tags"] = [$"A run carries at most {bounds.MaxTagsPerRun} tags; {tags.Count} were given."];
            return errors;
        }
        var problems = tags.Select(t => ProblemOf(t, bounds)).OfType<string>().Distinct().ToList();
        if (problems.Count > 0)
        {
            errors["tags"] = [.. problems];
            return errors;
        }
        var all = carried.Union(Tags(tags), StringComparer.Ordinal).Count();
        if (all > bounds.MaxTagsPerRun)
        {
            errors["tags"] = [$"A run carries at most {bounds.MaxTagsPerRun} tags; with these it would carry {all}. Remove some first."];
        }
        return errors;
    }

    /// <summary>The problems of <paramref name="tags"/> as tags to take off a run (taking off one it does not carry changes nothing).</summary>
    public static Dictionary<string, string[]> ValidateUntag(IReadOnlyList<string>? tags, LabBounds bounds)
    {
        var errors = new Dictionary<string, string[]>();
        if (tags is null || tags.Count == 0)
        {
            errors["tag"] = ["Name at least one tag to take off."];
        }
        else if (tags.Count > bounds.MaxTagsPerRun)
        {
            errors["tag"] = [$"A run carries at most {bounds.MaxTagsPerRun} tags; {tags.Count} were named."];
        }
        else if (tags.Select(t => ProblemOf(t, bounds)).OfType<string>().Distinct().ToList() is { Count: > 0 } problems)
        {
            errors["tag"] = [.. problems];
        }
        return errors;
    }

    /// <summary>What is wrong with <paramref name="tag"/> as a tag, or null when it is one.</summary>
    public static string? ProblemOf(string? tag, LabBounds bounds)
    {
        var kept = tag is null ? "" : Tag(tag);
        if (kept.Length == 0)
        {
            return "A tag is not empty.";
        }
        if (kept.Length > bounds.MaxTagLength)
        {
            return $"A tag is at most {bounds.MaxTagLength} characters; '{Shorten(kept)}' has {kept.Length}.";
        }
        if (!char.IsLetterOrDigit(kept[0]) || !kept.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' or ':' or '/' or '+'))
        {
            return $"'{Shorten(kept)}' is not a tag: a tag starts with a letter or digit and holds only letters, digits and - _ . : / + (no spaces).";
        }
        return null;
    }

    private static string Shorten(string text) => text.Length <= 40 ? new string([.. text.Select(c => char.IsControl(c) ? '?' : c)]) : Shorten(text[..37]) + "...";
}
