namespace Lab.Deploy.Tests.Model;

/// <summary>
/// The base and every overlay, rendered by <c>kubectl kustomize</c> and validated against the API schemas once per
/// test run; the tests read the rendered objects, which are what a cluster would get.
/// </summary>
public static class Renders
{
    public const string Base = "base";
    public const string Dev = "dev";
    public const string Prod = "prod";

    public static IReadOnlyList<string> Names { get; } = [Base, Dev, Prod];

    public static TheoryData<string> All => new(Names);

    private static readonly Lazy<IReadOnlyDictionary<string, Render>> Rendered = new(RenderAll);

    public static Render Get(string name) => Rendered.Value[name];

    public static string DirectoryOf(string name) =>
        name == Base ? Repository.PathOf("infra", "k8s", "base") : Repository.PathOf("infra", "k8s", "overlays", name);

    public static string Kustomize(string directory) =>
        Tool.Run("kubectl", ["kustomize", directory], Repository.Root, TimeSpan.FromMinutes(1));

    private static Dictionary<string, Render> RenderAll()
    {
        var folder = Directory.CreateTempSubdirectory("lab-deploy-tests-");
        try
        {
            var files = new List<string>();
            foreach (var name in Names)
            {
                var file = Path.Combine(folder.FullName, name + ".yaml");
                File.WriteAllText(file, Kustomize(DirectoryOf(name)));
                files.Add(file);
            }
            var validated = SchemaValidator.Validate(files);
            return Names.Select((name, i) => new Render(name, validated[i].Objects, validated[i].Errors))
                .ToDictionary(render => render.Name);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
