namespace Lab.Contracts;

/// <summary>
/// Where operators find the Orleans dashboard, behind the gateway, and how a browser carries their token there: the API
/// serves it to operators only, the gateway routes it to the API, and the portal hands an operator's browser the cookie.
/// </summary>
public static class OperatorDashboardAccess
{
    /// <summary>The dashboard's address on the gateway (and on the API).</summary>
    public const string Path = "/operators/dashboard";

    /// <summary>
    /// An HTTP-only cookie, sent only to <see cref="Path"/> and only by the lab's own pages (SameSite=Strict), holding the
    /// operator's token for the dashboard's pages and its own calls, which cannot add a bearer header.
    /// </summary>
    public const string Cookie = "lab.operator";
}
