using System.Text;
using Lab.Training.Configuration;

namespace Lab.Training.Data;

/// <summary>Reads the training text: a UTF-8 file, or every file under a folder in ordinal path order.</summary>
public static class TextSource
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static LabelledText Read(DataOptions options, long seed)
    {
        if (options.IsSynthetic)
        {
            return SyntheticCorpus.Generate(options.SyntheticChars, seed);
        }
        var path = Path.GetFullPath(options.Source);
        var files = Directory.Exists(path) ? FilesUnder(path)
            : File.Exists(path) ? [path]
            : throw new ConfigException($"data path '{options.Source}' does not exist");
        if (files.Count == 0)
        {
            throw new ConfigException($"data folder '{options.Source}' holds no files");
        }
        var text = new StringBuilder();
        foreach (var file in files)
        {
            text.Append(ReadFile(file));
            if (text.Length > 0 && text[^1] != '\n')
            {
                text.Append('\n');
            }
        }
        if (string.IsNullOrWhiteSpace(text.ToString()))
        {
            throw new ConfigException($"data '{options.Source}' is empty");
        }
        return new LabelledText(text.ToString(), null, []);
    }

    private static List<string> FilesUnder(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(folder, f).Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.')))
            .Order(StringComparer.Ordinal)
            .ToList();

    private static string ReadFile(string file)
    {
        try
        {
            var text = StrictUtf8.GetString(File.ReadAllBytes(file));
            return text.Length > 0 && text[0] == '\uFEFF' ? text[1..] : text;
        }
        catch (DecoderFallbackException)
        {
            throw new ConfigException($"data file '{file}' is not valid UTF-8 text");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"cannot read data file '{file}': {e.Message}");
        }
    }
}
