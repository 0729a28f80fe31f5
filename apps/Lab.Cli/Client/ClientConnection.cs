using System.CommandLine;
using Lab.Client;

namespace Lab.Cli.Client;

/// <summary>
/// The connection every client command shares: a <c>--url</c> option (default LAB_URL, else the config file,
/// else http://localhost:8080), the token from LAB_TOKEN or the config file, and one way of reporting failures.
/// <code>
/// var connection = ClientConnection.AddTo(command);
/// command.SetAction((parse, ct) => connection.RunAsync(parse, async lab => { ... return 0; }));
/// </code>
/// </summary>
public sealed class ClientConnection
{
    /// <summary>Exit codes of client commands, for scripts.</summary>
    public const int Refused = 1;
    public const int NotLoggedIn = 2;
    public const int Unreachable = 3;

    private ClientConnection(Option<string> url) => Url = url;

    public Option<string> Url { get; }

    /// <summary>Adds the connection options to <paramref name="command"/>.</summary>
    public static ClientConnection AddTo(Command command)
    {
        var url = new Option<string>("--url")
        {
            Description = $"Lab's URL (default: ${ClientConfig.UrlVariable}, else the config file, else {ClientConfig.DefaultUrl}).",
            DefaultValueFactory = _ => ClientConfig.DefaultServerUrl(),
        };
        command.Options.Add(url);
        return new ClientConnection(url);
    }

    /// <summary>The server's address from the command line (or its default); throws when it is not an http(s) URL.</summary>
    public Uri ServerOf(ParseResult parse)
    {
        var text = parse.GetValue(Url) ?? ClientConfig.DefaultUrl;
        return Uri.TryCreate(text.TrimEnd('/') + "/", UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new LabClientException(null, $"'{text}' is not an http or https URL.");
    }

    /// <summary>
    /// Runs <paramref name="action"/> with a client of the chosen Lab and returns its exit code; when the call
    /// fails, prints why (the API's problem with its field errors, a rejected token, an unreachable server)
    /// and returns a non-zero code instead.
    /// </summary>
    public async Task<int> RunAsync(ParseResult parse, Func<LabClient, Task<int>> action)
    {
        try
        {
            var token = ClientConfig.ResolveToken();
            if (token is null)
            {
                ClientOutput.Error(
                    $"No token. Run 'lab login --url URL --token TOKEN' (the config file is {ClientConfig.FilePath}) or set {ClientConfig.TokenVariable}.");
                return NotLoggedIn;
            }
            using var http = LabClient.HttpClientFor(ServerOf(parse), token);
            return await action(new LabClient(http));
        }
        catch (LabClientException e)
        {
            return Report(e);
        }
        catch (ClientInputException e)
        {
            ClientOutput.Error(e.Message);
            ClientOutput.Candidates(e.Candidates);
            return Refused;
        }
        catch (InvalidOperationException e)
        {
            // A damaged config file, or a file to read that is not there.
            ClientOutput.Error(e.Message);
            return Refused;
        }
    }

    /// <summary>Prints a failed call readably and gives the exit code it deserves.</summary>
    public static int Report(LabClientException e)
    {
        if (e.IsUnreachable)
        {
            ClientOutput.Error(e.Title);
            return Unreachable;
        }
        if (e.IsUnauthorized)
        {
            ClientOutput.Error($"{e.Title} Log in again with 'lab login', or set {ClientConfig.TokenVariable}.");
            return NotLoggedIn;
        }
        ClientOutput.Problem(e);
        ClientOutput.Candidates(e.Problem.Candidates);
        return Refused;
    }
}
