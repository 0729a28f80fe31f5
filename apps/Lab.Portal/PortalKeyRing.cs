using System.Xml.Linq;
using Lab.Contracts;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Lab.Portal;

/// <summary>
/// The portal's data-protection keys (they encrypt the login cookie and sign its forms) kept in Lab's PostgreSQL
/// database, so a restarted portal reads the same keys and nobody is logged out. Without a
/// database the keys live in memory, and a restart logs everyone out of the portal (not out of the API).
/// </summary>
public static class PortalKeyRing
{
    public const string ApplicationName = "lab-portal";

    public static WebApplicationBuilder AddPortalKeyRing(this WebApplicationBuilder builder)
    {
        builder.Services.AddDataProtection().SetApplicationName(ApplicationName);
        var connectionString = builder.Configuration.GetConnectionString(LabServices.Database);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return builder;
        }
        builder.Services.AddSingleton(new PostgresKeyRepository(NpgsqlDataSource.Create(connectionString)));
        builder.Services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(services =>
            new ConfigureOptions<KeyManagementOptions>(options => options.XmlRepository = services.GetRequiredService<PostgresKeyRepository>()));
        return builder;
    }
}

/// <summary>Key XML documents in one table of their own schema, created on first use; each key is written once.</summary>
public sealed class PostgresKeyRepository(NpgsqlDataSource dataSource) : IXmlRepository, IDisposable
{
    public const string Table = "lab_portal.data_protection_keys";

    private readonly Lock _creating = new();
    private bool _created;

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        EnsureTable();
        using var command = dataSource.CreateCommand($"select xml from {Table} order by stored_at, name");
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read())
        {
            elements.Add(XElement.Parse(reader.GetString(0)));
        }
        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        EnsureTable();
        using var command = dataSource.CreateCommand($"insert into {Table} (name, xml) values ($1, $2) on conflict (name) do nothing");
        command.Parameters.Add(new NpgsqlParameter { Value = friendlyName });
        command.Parameters.Add(new NpgsqlParameter { Value = element.ToString(SaveOptions.DisableFormatting) });
        command.ExecuteNonQuery();
    }

    public void Dispose() => dataSource.Dispose();

    /// <summary>Creates the table once per process; a failure (database not up yet) is tried again on the next call.</summary>
    private void EnsureTable()
    {
        lock (_creating)
        {
            if (_created)
            {
                return;
            }
            using var command = dataSource.CreateCommand(
                $"""
                create schema if not exists lab_portal;
                create table if not exists {Table} (
                    name text primary key,
                    xml text not null,
                    stored_at timestamptz not null default now());
                """);
            command.ExecuteNonQuery();
            _created = true;
        }
    }
}
