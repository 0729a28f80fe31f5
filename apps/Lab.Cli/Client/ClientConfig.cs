using System.Text.Json;
using Lab.Contracts;

namespace Lab.Cli.Client;

/// <summary>
/// Where the <c>lab</c> client commands connect and with which token: <c>$LAB_CONFIG</c>, else
/// <c>$XDG_CONFIG_HOME/lab/config.json</c>, else <c>~/.config/lab/config.json</c>, as written by <c>lab login</c>.
/// </summary>
public sealed record ClientConfig(string? Url, string? Token)
{
    public const string DefaultUrl = "http://localhost:8080";
    public const string UrlVariable = "LAB_URL";
    public const string TokenVariable = "LAB_TOKEN";
    public const string PathVariable = "LAB_CONFIG";

    public static string FilePath
    {
        get
        {
            if (Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } given)
            {
                return given;
            }
            var configHome = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } xdg
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
            return Path.Combine(configHome, "lab", "config.json");
        }
    }

    /// <summary>The saved config, or an empty one when there is none; a damaged file is an error worth seeing.</summary>
    public static ClientConfig Load()
    {
        var path = FilePath;
        if (!File.Exists(path))
        {
            return new ClientConfig(null, null);
        }
        try
        {
            return JsonSerializer.Deserialize<ClientConfig>(File.ReadAllText(path), ApiJson.Options) ?? new ClientConfig(null, null);
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"The config file {path} is not valid JSON ({e.Message}). Fix it or run 'lab login' again.", e);
        }
    }

    /// <summary>The URL to use when --url is not given: LAB_URL, else the config file, else the local default.</summary>
    public static string DefaultServerUrl() =>
        Environment.GetEnvironmentVariable(UrlVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment
            : SafeLoad().Url is { Length: > 0 } saved ? saved
            : DefaultUrl;

    /// <summary>The token to present: LAB_TOKEN, else the config file's; null when there is none.</summary>
    public static string? ResolveToken() =>
        Environment.GetEnvironmentVariable(TokenVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment.Trim()
            : Load().Token is { Length: > 0 } saved ? saved
            : null;

    /// <summary>Writes the config readable and writable by its owner only: it holds a secret.</summary>
    public void Save()
    {
        var path = FilePath;
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder, $".config.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var file = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(file, this, new JsonSerializerOptions(ApiJson.Options) { WriteIndented = true });
        }
        File.Move(temporary, path, overwrite: true);
    }

    // Working out a default for --help must not fail because of a damaged file; using it will say what is wrong.
    private static ClientConfig SafeLoad()
    {
        try
        {
            return Load();
        }
        catch (InvalidOperationException)
        {
            return new ClientConfig(null, null);
        }
    }
}
