namespace Lab.Hosting;

/// <summary>Where the PostgreSQL server programs (<c>initdb</c>, <c>pg_ctl</c>, <c>postgres</c>) live on this machine.</summary>
public sealed record PostgresBinaries(string Directory)
{
    public const string OverrideVariable = "LAB_POSTGRES_BIN";

    public string InitDb => Path.Combine(Directory, "initdb");
    public string PgCtl => Path.Combine(Directory, "pg_ctl");
    public string Postgres => Path.Combine(Directory, "postgres");

    public static string NotFoundAdvice =>
        "PostgreSQL server programs (initdb, pg_ctl) were not found (looked in " + OverrideVariable +
        " when set, else on PATH and in the usual install folders (/usr/lib/postgresql/*/bin, /usr/pgsql-*/bin, /usr/local/pgsql/bin, /opt/homebrew/bin)). " +
        "Install the PostgreSQL server (Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql) " +
        "or point Lab at an existing database with ConnectionStrings__lab=\"Host=...;Database=lab;Username=...;Password=...\".";

    /// <summary>Looks only in <c>LAB_POSTGRES_BIN</c> when it is set; else on PATH, then in the usual install folders (newest version first).</summary>
    public static PostgresBinaries? Find()
    {
        var explicitFolder = Environment.GetEnvironmentVariable(OverrideVariable);
        var candidates = string.IsNullOrWhiteSpace(explicitFolder) ? Candidates() : [explicitFolder];
        foreach (var candidate in candidates)
        {
            if (File.Exists(Path.Combine(candidate, "pg_ctl")) && File.Exists(Path.Combine(candidate, "initdb")))
            {
                return new PostgresBinaries(candidate);
            }
        }
        return null;
    }

    private static IEnumerable<string> Candidates()
    {
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            yield return folder;
        }
        foreach (var pattern in new[] { ("/usr/lib/postgresql", "bin"), ("/usr", "bin") })
        {
            if (!System.IO.Directory.Exists(pattern.Item1))
            {
                continue;
            }
            var versions = System.IO.Directory.GetDirectories(pattern.Item1)
                .Where(d => pattern.Item1 != "/usr" || Path.GetFileName(d).StartsWith("pgsql-", StringComparison.Ordinal))
                .OrderByDescending(d => VersionOf(Path.GetFileName(d)));
            foreach (var version in versions)
            {
                yield return Path.Combine(version, pattern.Item2);
            }
        }
        yield return "/usr/local/pgsql/bin";
        yield return "/opt/homebrew/bin";
        yield return "/usr/local/bin";
    }

    private static int VersionOf(string folderName) =>
        int.TryParse(new string(folderName.Where(char.IsDigit).ToArray()), out var version) ? version : 0;
}
