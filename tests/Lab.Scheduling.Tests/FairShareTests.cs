namespace Lab.Scheduling.Tests;

/// <summary>Weighted max-min fairness: the rule, then the policy following it.</summary>
public sealed class FairShareTests
{
    [Fact]
    public void Equal_weights_and_unmet_demands_split_the_pool_equally()
    {
        var shares = Compute(12, [20, 20, 20], [1, 1, 1]);

        Assert.Equal([4.0, 4.0, 4.0], shares);
    }

    [Fact]
    public void Weights_split_the_pool_in_proportion()
    {
        var shares = Compute(12, [20, 20, 20], [1, 1, 2]);

        Assert.Equal([3.0, 3.0, 6.0], shares);
    }

    [Fact]
    public void An_idea_wanting_less_than_its_share_keeps_what_it_wants_and_the_rest_is_shared_by_weight()
    {
        var shares = Compute(12, [1, 20, 20], [1, 1, 2]);

        Assert.Equal(1.0, shares[0]);
        Assert.Equal(11.0 / 3, shares[1], 9);
        Assert.Equal(22.0 / 3, shares[2], 9);
    }

    [Fact]
    public void When_demand_is_below_supply_everyone_gets_what_they_ask_for()
    {
        var shares = Compute(12, [2, 3, 0], [1, 1, 1]);

        Assert.Equal([2.0, 3.0, 0.0], shares);
    }

    [Fact]
    public void The_policy_starts_runs_up_to_each_ideas_weighted_share()
    {
        var pool = new Pool().Node("n1", 8).Node("n2", 4).Weight("b", 2);
        for (var i = 1; i <= 12; i++)
        {
            pool.Waiting($"a{i}", "a", submitted: i).Waiting($"b{i}", "b", submitted: i);
        }

        var schedule = pool.Decide();

        Assert.Equal(12, schedule.Decisions.OfType<StartRun>().Count());
        Assert.Equal(4, schedule.AllocatedTo("a"));
        Assert.Equal(8, schedule.AllocatedTo("b"));
        Assert.Equal(8.0, schedule.FairShareOf("b"), 9);
    }

    [Fact]
    public void An_idea_wanting_little_gets_all_it_wants_and_the_others_share_the_rest()
    {
        var pool = new Pool().Node("n1", 12).Waiting("c1", "c", submitted: 50);
        for (var i = 1; i <= 12; i++)
        {
            pool.Waiting($"a{i}", "a", submitted: i).Waiting($"b{i}", "b", submitted: i);
        }

        var schedule = pool.Decide();

        Assert.Equal(1, schedule.AllocatedTo("c"));
        Assert.Contains("c1", schedule.Started());
        Assert.InRange(schedule.AllocatedTo("a"), 5, 6);
        Assert.InRange(schedule.AllocatedTo("b"), 5, 6);
        Assert.Equal(5.5, schedule.FairShareOf("a"), 9);
    }

    private static double[] Compute(double capacity, int[] demands, double[] weights)
    {
        var shares = new double[demands.Length];
        FairShare.Compute(capacity, demands, weights, shares);
        return shares;
    }
}
