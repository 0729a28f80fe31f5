using System.Net.Sockets;
using System.Text;

namespace Lab.EndToEnd.Tests;

/// <summary>An HTTP/1.1 request written by hand, for what HttpClient will not send (an absolute-form target, a forged Host).</summary>
public static class RawHttp
{
    public sealed record Answer(int Status, string Head, string Body)
    {
        public string? Header(string name) => Head.Split("\r\n")
            .FirstOrDefault(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))?[(name.Length + 1)..].Trim();
    }

    /// <summary>Sends <paramref name="requestLine"/> and <paramref name="headers"/> (no body) to the loopback port; the whole answer.</summary>
    public static async Task<Answer> SendAsync(int port, string requestLine, params string[] headers)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        await using var stream = client.GetStream();
        var request = new StringBuilder(requestLine).Append("\r\n");
        foreach (var header in headers.Append("Connection: close"))
        {
            request.Append(header).Append("\r\n");
        }
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request.Append("\r\n").ToString()));
        using var read = new MemoryStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await stream.CopyToAsync(read, timeout.Token);
        var text = Encoding.UTF8.GetString(read.ToArray());
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = split < 0 ? text : text[..split];
        var body = split < 0 ? "" : text[(split + 4)..];
        if (head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = Unchunk(body);
        }
        return new Answer(int.Parse(head.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), head, body);
    }

    private static string Unchunk(string chunked)
    {
        var body = new StringBuilder();
        var at = 0;
        while (at < chunked.Length)
        {
            var end = chunked.IndexOf("\r\n", at, StringComparison.Ordinal);
            var size = Convert.ToInt32(chunked[at..end].Split(';')[0], 16);
            if (size == 0)
            {
                break;
            }
            body.Append(chunked, end + 2, size);
            at = end + 2 + size + 2;
        }
        return body.ToString();
    }
}
