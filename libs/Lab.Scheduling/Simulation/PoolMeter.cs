namespace Lab.Scheduling.Simulation;

/// <summary>Integrates the pool's state over simulated time: utilisation, fair-share accounting and share samples.</summary>
internal sealed class PoolMeter(int ideas, ReadOnlyMemory<double> weights, TimeSpan sampleInterval)
{
    private readonly int[] _held = new int[ideas];
    private readonly int[] _wanted = new int[ideas];
    private readonly double[] _shares = new double[ideas];
    private readonly double[] _contendedHeld = new double[ideas];
    private readonly double[] _owed = new double[ideas];
    private readonly List<ShareSample> _samples = [];
    private int _live;
    private int _leased;
    private int _demand;
    private TimeSpan _last;
    private TimeSpan _nextSample;
    private double _liveTicks;
    private double _leasedTicks;
    private double _contendedTicks;
    private double _contendedLiveTicks;
    private double _contendedLeasedTicks;
    private long _leasedDeviceTicks;

    public IReadOnlyList<ShareSample> Samples => _samples;

    public TimeSpan LeasedDeviceTime => TimeSpan.FromTicks(_leasedDeviceTicks);

    public TimeSpan ContendedTime => TimeSpan.FromTicks((long)_contendedTicks);

    public double Utilization => _contendedLiveTicks > 0 ? _contendedLeasedTicks / _contendedLiveTicks : 1;

    public double OverallUtilization => _liveTicks > 0 ? _leasedTicks / _liveTicks : 1;

    public TimeSpan ContendedHeld(int idea) => TimeSpan.FromTicks((long)_contendedHeld[idea]);

    public TimeSpan Owed(int idea) => TimeSpan.FromTicks((long)_owed[idea]);

    public double JainIndex()
    {
        Span<double> ratios = stackalloc double[_owed.Length];
        var count = 0;
        for (var i = 0; i < _owed.Length; i++)
        {
            if (_owed[i] > 0)
            {
                ratios[count++] = _contendedHeld[i] / _owed[i];
            }
        }
        return Jain.Index(ratios[..count]);
    }

    /// <summary>Account for the time from the last instant to <paramref name="to"/>, in the state last observed.</summary>
    public void Advance(TimeSpan to)
    {
        while (_nextSample < to)
        {
            var shares = new double[_held.Length];
            for (var i = 0; i < shares.Length; i++)
            {
                shares[i] = _live > 0 ? (double)_held[i] / _live : 0;
            }
            _samples.Add(new ShareSample(_nextSample, shares));
            _nextSample += sampleInterval;
        }
        var ticks = (double)(to - _last).Ticks;
        _last = to;
        if (ticks <= 0)
        {
            return;
        }
        _liveTicks += _live * ticks;
        _leasedTicks += _leased * ticks;
        _leasedDeviceTicks += _leased * (long)ticks;
        if (_live > 0 && _demand >= _live)
        {
            _contendedTicks += ticks;
            _contendedLiveTicks += _live * ticks;
            _contendedLeasedTicks += _leased * ticks;
            for (var i = 0; i < _held.Length; i++)
            {
                _contendedHeld[i] += _held[i] * ticks;
                _owed[i] += _shares[i] * ticks;
            }
        }
    }

    /// <summary>The pool as it is now (after a pass's decisions are applied), until the next <see cref="Advance"/>.</summary>
    /// <param name="held">Leased devices per idea, including runs stepping aside.</param>
    /// <param name="wanted">Devices asked for per idea by its admitted, unfinished runs.</param>
    public void Observe(int live, ReadOnlySpan<int> held, ReadOnlySpan<int> wanted)
    {
        _live = live;
        held.CopyTo(_held);
        wanted.CopyTo(_wanted);
        _leased = 0;
        _demand = 0;
        for (var i = 0; i < _held.Length; i++)
        {
            _leased += _held[i];
            _demand += _wanted[i];
        }
        FairShare.Compute(live, _wanted, weights.Span, _shares);
    }
}
