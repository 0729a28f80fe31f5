namespace Lab.Client;

/// <summary>Ways to take a call's answer that front-ends share.</summary>
public static class LabCalls
{
    /// <summary>The answer, or null when the API says there is nothing there (404): for pages that say so themselves.</summary>
    public static async Task<T?> OrNullWhenNotFound<T>(this Task<T> call) where T : class
    {
        try
        {
            return await call;
        }
        catch (LabClientException e) when (e.IsNotFound)
        {
            return null;
        }
    }
}
