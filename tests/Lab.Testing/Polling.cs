using System.Net.Http.Json;
using System.Text.Json;

namespace Lab.Testing;

/// <summary>Waiting for something a lab does on its own (a run to finish, a node to join), by asking its API.</summary>
public static class Polling
{
    /// <summary>Reads <paramref name="path"/> until <paramref name="done"/> holds; its last answer then, or a timeout that shows it.</summary>
    public static Task<JsonElement> UntilAsync(HttpClient http, string path, Func<JsonElement, bool> done, string what, TimeSpan? timeout = null) =>
        UntilAsync(http, path, answer => Task.FromResult(done(answer)), what, timeout);

    /// <summary>Like the other overload, with a check that may look at more than the answer (and keep what it saw).</summary>
    public static async Task<JsonElement> UntilAsync(HttpClient http, string path, Func<JsonElement, Task<bool>> done, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(2));
        JsonElement last = default;
        while (DateTime.UtcNow < deadline)
        {
            last = await http.GetFromJsonAsync<JsonElement>(path);
            if (await done(last))
            {
                return last;
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"Waited in vain until {what}; last answer of {path}: {last}");
    }

    /// <summary>Asks <paramref name="check"/> until it answers true; how long that took, or a timeout naming <paramref name="what"/>.</summary>
    public static async Task<TimeSpan> UntilAsync(Func<Task<bool>> check, string what, TimeSpan? timeout = null)
    {
        var started = DateTime.UtcNow;
        var deadline = started + (timeout ?? TimeSpan.FromMinutes(2));
        while (DateTime.UtcNow < deadline)
        {
            if (await check())
            {
                return DateTime.UtcNow - started;
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"Waited in vain until {what}.");
    }
}
