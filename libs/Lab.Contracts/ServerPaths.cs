using System.Text.RegularExpressions;

namespace Lab.Contracts;

/// <summary>
/// Keeps the server's file system out of what members read: a run's failure reason or history may quote a path the
/// worker or the training engine saw (a checkpoint, a data file, the training command), which says how the machine is laid out.
/// </summary>
public static partial class ServerPaths
{
    public const string Placeholder = "[path]";

    /// <summary><paramref name="text"/> with every absolute path replaced by <see cref="Placeholder"/>.</summary>
    public static string Hide(string text) => AbsolutePath().Replace(text, Placeholder);

    /// <summary>Only the file's own name (<c>step-00000200.ckpt</c>), not where it lies.</summary>
    public static string FileNameOf(string path) => path.Length == 0 ? path : Path.GetFileName(path.TrimEnd('/', '\\'));

    // A slash that starts a word (not "tokens/s", not a URL's "//host") followed by at least one character of a name;
    // Windows paths (C:\...) too.
    [GeneratedRegex(@"(?<![\w:/.\\~-])(?:/|[A-Za-z]:\\|~/)[^\s'""`()<>;,]*[^\s'""`()<>;,.:]")]
    private static partial Regex AbsolutePath();
}
