using Lab.Knowledge.Reading;

namespace Lab.Grains.Tests;

/// <summary>Typing mistakes counted the way people make them: a swapped pair, a missing, an extra or a wrong letter each count one.</summary>
public sealed class TyposTests
{
    [Theory]
    [InlineData("sigmoid", "sigmiod", 1)]   // swapped neighbours
    [InlineData("routing", "routng", 1)]    // missing
    [InlineData("experts", "expertts", 1)]  // extra
    [InlineData("balance", "balanse", 1)]   // wrong
    [InlineData("routing", "routing", 0)]
    [InlineData("routing", "rotuign", 2)]   // two swaps
    [InlineData("sigmoid", "sgimodi", 2)]   // two swaps
    [InlineData("sigmoid", "softmax", 6)]
    [InlineData("ab", "ba", 1)]
    [InlineData("", "abc", 3)]
    [InlineData("capacity", "capcaity", 1)]
    public void Mistakes_are_counted_with_a_swap_as_one(string written, string typed, int mistakes)
    {
        Assert.Equal(mistakes, Typos.Mistakes(written, typed));
        Assert.Equal(mistakes, Typos.Mistakes(typed, written));
    }

    [Fact]
    public void Counting_stops_once_the_bound_is_passed()
    {
        Assert.Equal(int.MaxValue, Typos.Mistakes("sigmoid", "softmax", atMost: 2));
        Assert.Equal(int.MaxValue, Typos.Mistakes("expert", "expertsxyz", atMost: 2));
        Assert.Equal(2, Typos.Mistakes("routing", "rotuign", atMost: 2));
    }

    [Theory]
    [InlineData("sigmiod", "sigmoid")]
    [InlineData("routng", "routing")]
    [InlineData("expertts", "experts")]
    [InlineData("balanse", "balance")]
    [InlineData("gatin", "gating")]
    [InlineData("übung", "ubung")]
    public void One_mistake_away_holds_every_word_a_single_mistake_can_come_from(string typed, string meant)
    {
        var near = Typos.OneMistakeAway(typed);

        Assert.Contains(meant, near);
        Assert.DoesNotContain(typed, near);
        Assert.All(near, variant => Assert.Equal(1, Typos.Mistakes(typed, variant)));
    }

    [Fact]
    public void One_mistake_away_is_bounded_by_the_word_length()
    {
        var word = new string('a', 20) + "bcdefghijklmnopqrst";
        var near = Typos.OneMistakeAway(word);

        // Deletions, swaps, a wrong letter at each place and an extra one between: about 75 a letter.
        Assert.InRange(near.Count, word.Length * 36, word.Length * 80);
    }

    [Fact]
    public void Long_words_may_hold_two_mistakes_and_short_ones_one()
    {
        Assert.Equal(1, Typos.MistakesAllowed("gate"));
        Assert.Equal(1, Typos.MistakesAllowed("routing"));
        Assert.Equal(2, Typos.MistakesAllowed("capacity"));
    }
}
