using System.CommandLine;
using System.Globalization;
using Lab.Cli.Client;
using Spectre.Console;

namespace Lab.Cli.Runs;

/// <summary><c>lab pool</c>: the shared pool as the scheduler sees it.</summary>
public static class PoolCommand
{
    public static Command Create()
    {
        var json = ClientOutput.JsonOption();
        var command = new Command("pool", "The shared pool: nodes and devices, utilisation, what runs where, the queue with reasons and estimated starts, and each idea's fair share.") { json };
        var connection = ClientConnection.AddTo(command);
        command.SetAction((parse, cancellationToken) => connection.RunAsync(parse, async lab =>
        {
            var pool = await lab.GetPoolAsync(cancellationToken);
            if (parse.GetValue(json))
            {
                ClientOutput.Json(pool);
                return 0;
            }
            AnsiConsole.MarkupLine($"[bold]{pool.DevicesInUse} of {pool.LiveDevices}[/] live devices in use ({pool.Utilization.ToString("P0", CultureInfo.InvariantCulture)})");
            var nodes = new Table().Border(TableBorder.Simple).AddColumns("Node", "Alive", "Devices", "In use", "Last seen");
            foreach (var node in pool.Nodes)
            {
                nodes.AddRow(Markup.Escape(node.Name), node.Alive ? "yes" : "[red]no[/]", Markup.Escape(string.Join(", ", node.Devices.Select(d => d.Id))),
                    node.DevicesInUse.ToString(CultureInfo.InvariantCulture), ClientOutput.When(node.LastSeen));
            }
            AnsiConsole.Write(nodes);
            if (pool.Running is { Count: > 0 } running)
            {
                var table = new Table().Border(TableBorder.Simple).AddColumns("Running", "Idea", "Node", "Devices", "Since");
                foreach (var lease in running)
                {
                    table.AddRow($"{lease.RunId}{(lease.Stopping ? " (stopping)" : "")}", lease.IdeaId.ToString(), Markup.Escape(lease.Node),
                        string.Join(",", lease.DeviceIndexes), ClientOutput.When(lease.Since));
                }
                AnsiConsole.Write(table);
            }
            if (pool.Queue is { Count: > 0 } queue)
            {
                var table = new Table().Border(TableBorder.Simple).AddColumns("Waiting", "Idea", "Devices", "Why", "Estimated start");
                foreach (var waiting in queue)
                {
                    table.AddRow(waiting.RunId.ToString(), waiting.IdeaId.ToString(), waiting.Devices.ToString(CultureInfo.InvariantCulture),
                        Markup.Escape(waiting.Reason), waiting.EstimatedStart is { } at ? ClientOutput.When(at) : "unknown");
                }
                AnsiConsole.Write(table);
            }
            if (pool.Shares is { Count: > 0 } shares)
            {
                var table = new Table().Border(TableBorder.Simple).AddColumns("Idea", "Asks for", "Holds", "Fair share");
                foreach (var share in shares)
                {
                    table.AddRow(share.IdeaId.ToString(), share.Demand.ToString(CultureInfo.InvariantCulture), share.Allocated.ToString(CultureInfo.InvariantCulture),
                        share.FairShare.ToString("0.##", CultureInfo.InvariantCulture));
                }
                AnsiConsole.Write(table);
            }
            return 0;
        }));
        return command;
    }
}
