using System.Net;
using System.Net.Sockets;

namespace Lab.Hosting;

public static class FreePort
{
    private const int LowestChoice = 10_000;

    /// <summary>
    /// A TCP port on the loopback interface that nothing listens on right now. It is drawn at random below the
    /// system's ephemeral range, where outgoing connections take their local ports: a port handed out by the system
    /// itself (port 0) can be taken by any client connection in the moment between this answer and the listener's
    /// bind, a port below that range only by another listener.
    /// </summary>
    public static int Next()
    {
        var ephemeralLow = EphemeralRangeStart();
        if (ephemeralLow > LowestChoice + 1000)
        {
            for (var attempt = 0; attempt < 50; attempt++)
            {
                var port = Random.Shared.Next(LowestChoice, ephemeralLow);
                if (IsFree(port))
                {
                    return port;
                }
            }
        }
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// The port kept in <paramref name="file"/> if it is free, else a new free one, kept there for next time. A service
    /// that comes back on the port it had is recognised as its own successor: a silo restarted after a crash on the
    /// same address and port replaces its old entry at once instead of waiting for it to go stale.
    /// </summary>
    public static int Remembered(string file)
    {
        if (File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), out var kept) && kept is > 0 and < 65536 && IsFree(kept))
        {
            return kept;
        }
        var port = Next();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        File.WriteAllText(file, port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return port;
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The first port of Linux's ephemeral range, or 0 where it cannot be read (then the system chooses).</summary>
    private static int EphemeralRangeStart()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return range.Length == 2 && int.TryParse(range[0], out var low) ? low : 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
