using System.Globalization;

namespace Lab.Deploy.Tests.Model;

/// <summary>Kubernetes resource quantities (<c>250m</c>, <c>2</c>, <c>512Mi</c>, <c>1G</c>) as numbers, to compare them.</summary>
public static class Quantity
{
    private static readonly (string Suffix, decimal Factor)[] Suffixes =
    [
        ("Ki", 1024m), ("Mi", 1024m * 1024), ("Gi", 1024m * 1024 * 1024), ("Ti", 1024m * 1024 * 1024 * 1024),
        ("m", 0.001m), ("k", 1e3m), ("M", 1e6m), ("G", 1e9m), ("T", 1e12m),
    ];

    public static decimal Parse(string quantity)
    {
        foreach (var (suffix, factor) in Suffixes)
        {
            if (quantity.EndsWith(suffix, StringComparison.Ordinal))
            {
                return decimal.Parse(quantity[..^suffix.Length], CultureInfo.InvariantCulture) * factor;
            }
        }
        return decimal.Parse(quantity, CultureInfo.InvariantCulture);
    }
}
