using System.Collections.Concurrent;
using System.Threading.Channels;
using JasperFx.Events;
using Marten;

namespace Lab.Api.Infrastructure;

/// <summary>
/// New events of the runs that someone follows, read by one loop for the whole process: a query a second per followed
/// run, one database connection at a time, however many metrics streams are open, instead of a poll (and a connection)
/// per stream. Each run's events are read by stream version, which has no gaps, so none is missed. A member may follow a
/// bounded number of runs at once, so nobody can tie up the process with streams.
/// </summary>
public sealed partial class RunEventsFeed(IDocumentStore store, ILogger<RunEventsFeed> logger) : BackgroundService
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>Open metrics streams one member may have on this process.</summary>
    public const int MaxFollowersPerMember = 8;

    private readonly ConcurrentDictionary<Guid, Follower> _followers = new();
    private readonly ConcurrentDictionary<Guid, long> _readUpTo = new();
    private readonly ConcurrentDictionary<Guid, int> _perMember = new();

    /// <summary>
    /// Starts following <paramref name="run"/> for <paramref name="member"/> from its events appended after now; null
    /// when the member already has as many streams open as allowed. Dispose the follower to stop.
    /// </summary>
    public async Task<Follower?> FollowAsync(Guid run, Guid member, CancellationToken cancellationToken)
    {
        if (_perMember.AddOrUpdate(member, 1, (_, n) => n + 1) > MaxFollowersPerMember)
        {
            Release(member);
            return null;
        }
        var follower = new Follower(this, run, member);
        if (!_readUpTo.ContainsKey(run))
        {
            await using var session = store.QuerySession();
            var state = await session.Events.FetchStreamStateAsync(run, cancellationToken);
            _readUpTo.TryAdd(run, state?.Version ?? 0);
        }
        _followers[follower.Id] = follower;
        return follower;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(PollInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await PollAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The database may be away for a moment: followers wait, and the next poll reads what they missed.
                LogPollFailed(e.Message);
            }
        }
    }

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        var followed = _followers.Values.GroupBy(f => f.Run).ToList();
        foreach (var run in _readUpTo.Keys.Except(followed.Select(g => g.Key)))
        {
            _readUpTo.TryRemove(run, out _);
        }
        if (followed.Count == 0)
        {
            return;
        }
        await using var session = store.QuerySession();
        foreach (var run in followed)
        {
            var from = _readUpTo.GetValueOrDefault(run.Key);
            var events = await session.Events.FetchStreamAsync(run.Key, fromVersion: from + 1, token: cancellationToken);
            foreach (var e in events)
            {
                foreach (var follower in run)
                {
                    follower.Offer(e);
                }
            }
            if (events.Count > 0)
            {
                _readUpTo[run.Key] = events[^1].Version;
            }
        }
    }

    private void Leave(Follower follower)
    {
        if (_followers.TryRemove(follower.Id, out _))
        {
            Release(follower.Member);
        }
    }

    private void Release(Guid member)
    {
        if (_perMember.AddOrUpdate(member, 0, (_, n) => n - 1) <= 0)
        {
            _perMember.TryRemove(KeyValuePair.Create(member, 0));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading new run events for metrics streams failed: {Reason}")]
    private partial void LogPollFailed(string reason);

    /// <summary>
    /// One open metrics stream: its run's events as the feed finds them. A reader too slow to keep up loses the oldest
    /// waiting events; it sees the gap in the versions and reads them from the store.
    /// </summary>
    public sealed class Follower : IDisposable
    {
        private readonly RunEventsFeed _feed;
        private readonly Channel<IEvent> _events = Channel.CreateBounded<IEvent>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest });

        internal Follower(RunEventsFeed feed, Guid run, Guid member) => (_feed, Run, Member) = (feed, run, member);

        public Guid Id { get; } = Guid.NewGuid();
        public Guid Run { get; }
        public Guid Member { get; }

        public ChannelReader<IEvent> Events => _events.Reader;

        internal void Offer(IEvent e) => _events.Writer.TryWrite(e);

        public void Dispose()
        {
            _events.Writer.TryComplete();
            _feed.Leave(this);
        }
    }
}
