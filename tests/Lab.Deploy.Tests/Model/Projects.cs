using System.Xml.Linq;

namespace Lab.Deploy.Tests.Model;

/// <summary>A project of the repository as its csproj declares it: its container repository and what it references.</summary>
public sealed class Project
{
    private Project(string file)
    {
        File = file;
        var document = XDocument.Load(file);
        Name = Path.GetFileNameWithoutExtension(file);
        IsWeb = document.Root?.Attribute("Sdk")?.Value == "Microsoft.NET.Sdk.Web";
        ContainerRepositories = [.. document.Descendants("ContainerRepository").Select(e => e.Value.Trim())];
        ContainerRepository = ContainerRepositories.FirstOrDefault();
        ProjectReferences = [.. document.Descendants("ProjectReference")
            .Select(e => Path.GetFullPath(Path.Combine(Directory, e.Attribute("Include")!.Value)))];
        PackageReferences = [.. document.Descendants("PackageReference").Select(e => e.Attribute("Include")!.Value)];
    }

    public string File { get; }

    public string Name { get; }

    public string Directory => Path.GetDirectoryName(File)!;

    /// <summary>An ASP.NET Core project (Microsoft.NET.Sdk.Web): it reads ASPNETCORE_* settings.</summary>
    public bool IsWeb { get; }

    /// <summary>The image of the default build (the first <c>ContainerRepository</c> the csproj declares).</summary>
    public string? ContainerRepository { get; }

    /// <summary>Every image a build of the project can make: the default one, and those of builds a property selects (the CUDA worker's).</summary>
    public IReadOnlyList<string> ContainerRepositories { get; }

    public IReadOnlyList<string> ProjectReferences { get; }

    public IReadOnlyList<string> PackageReferences { get; }

    /// <summary>This project and every project it references, directly or not: the code in its image.</summary>
    public IReadOnlyList<Project> Closure
    {
        get
        {
            var seen = new Dictionary<string, Project>();
            var pending = new Stack<Project>([this]);
            while (pending.TryPop(out var project))
            {
                if (seen.TryAdd(project.File, project))
                {
                    foreach (var reference in project.ProjectReferences)
                    {
                        pending.Push(Projects.ByFile(reference));
                    }
                }
            }
            return [.. seen.Values];
        }
    }

    /// <summary>The project's own C# sources (not its build output).</summary>
    public IEnumerable<string> SourceFiles =>
        System.IO.Directory.EnumerateFiles(Directory, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    public string Source => string.Join('\n', SourceFiles.Select(System.IO.File.ReadAllText));

    public override string ToString() => Name;

    internal static Project Load(string file) => new(file);
}

/// <summary>The projects that make up Lab's programs (apps, services, libs).</summary>
public static class Projects
{
    private static readonly Lazy<IReadOnlyList<Project>> Loaded = new(() =>
        [.. new[] { "apps", "services", "libs" }
            .SelectMany(folder => Directory.EnumerateFiles(Repository.PathOf(folder), "*.csproj", SearchOption.AllDirectories))
            .Select(Project.Load)]);

    public static IReadOnlyList<Project> All => Loaded.Value;

    public static IReadOnlyList<Project> Containerised => [.. All.Where(p => p.ContainerRepository is not null)];

    public static Project ByFile(string file) =>
        All.SingleOrDefault(p => p.File == Path.GetFullPath(file)) ?? throw new FileNotFoundException($"No project at {file}.", file);

    public static Project Named(string name) => All.Single(p => p.Name == name);

    /// <summary>The project one of whose ContainerRepository values is the image's repository, whatever registry and tag it carries.</summary>
    public static Project? ForImage(string image) => Containerised.SingleOrDefault(p => p.ContainerRepositories.Contains(Images.Repository(image)));
}

/// <summary>Image references: <c>[registry/]repository[:tag][@digest]</c>.</summary>
public static class Images
{
    public static string Repository(string image)
    {
        var name = WithoutTagAndDigest(image);
        var first = name.Split('/')[0];
        var hasRegistry = name.Contains('/', StringComparison.Ordinal) && (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost");
        return hasRegistry ? name[(first.Length + 1)..] : name;
    }

    public static string? Registry(string image)
    {
        var name = WithoutTagAndDigest(image);
        return Repository(image) == name ? null : name[..(name.Length - Repository(image).Length - 1)];
    }

    public static string? Tag(string image)
    {
        var name = image.Split('@')[0];
        var lastSlash = name.LastIndexOf('/');
        var colon = name.IndexOf(':', lastSlash + 1);
        return colon < 0 ? null : name[(colon + 1)..];
    }

    public static string? Digest(string image) => image.Split('@') is [_, var digest] ? digest : null;

    private static string WithoutTagAndDigest(string image)
    {
        var name = image.Split('@')[0];
        var lastSlash = name.LastIndexOf('/');
        var colon = name.IndexOf(':', lastSlash + 1);
        return colon < 0 ? name : name[..colon];
    }
}
