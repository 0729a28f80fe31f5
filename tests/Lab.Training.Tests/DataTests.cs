using System.Text;
using System.Text.RegularExpressions;
using Lab.Training.Configuration;
using Lab.Training.Data;

namespace Lab.Training.Tests;

/// <summary>Text sources, tokenisers, the split and the batch order.</summary>
public sealed class DataTests
{
    [Fact]
    public void Training_and_validation_text_never_overlap_and_together_are_the_whole_text()
    {
        using var folder = new TempFolder();
        var lines = Enumerable.Range(0, 400).Select(i => $"line {i}: the {(i % 3 == 0 ? "cat" : "dog")} sat").ToArray();
        File.WriteAllText(folder.Sub("a.txt"), string.Join('\n', lines[..200]) + "\n");
        File.WriteAllText(folder.Sub("b.txt"), string.Join('\n', lines[200..]) + "\n");

        var corpus = TokenCorpus.Load(new DataOptions { Source = folder.Path, ValidationFraction = 0.2 }, contextLength: 16, seed: 1);
        var train = corpus.Tokenizer.Decode(corpus.Train.Tokens).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var validation = corpus.Tokenizer.Decode(corpus.Validation.Tokens).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Empty(train.Intersect(validation));
        Assert.Equal(lines, train.Concat(validation));
        Assert.InRange(validation.Length, 60, 100);
    }

    [Fact]
    public void Batches_are_a_function_of_seed_and_index()
    {
        var split = new TokenSplit(Enumerable.Range(0, 5000).Select(i => i % 251).ToArray(), null);
        var a = new BatchSampler(split, batchSize: 4, contextLength: 32, seed: 9);
        var b = new BatchSampler(split, batchSize: 4, contextLength: 32, seed: 9);
        var other = new BatchSampler(split, batchSize: 4, contextLength: 32, seed: 10);

        Assert.Equal(a.Sample(17).Inputs, b.Sample(17).Inputs);
        Assert.NotEqual(a.Sample(17).Inputs, a.Sample(18).Inputs);
        Assert.NotEqual(a.Sample(17).Inputs, other.Sample(17).Inputs);
        var batch = a.Sample(3);
        Assert.Equal(batch.Inputs[1..32], batch.Targets[..31]);
    }

    [Theory]
    [InlineData(TokenizerKind.Byte)]
    [InlineData(TokenizerKind.Char)]
    [InlineData(TokenizerKind.Bpe)]
    public void Every_tokenizer_round_trips_text(TokenizerKind kind)
    {
        var text = string.Concat(Enumerable.Repeat("Grüße, 世界! the cat sees the dog; 12+30=42\n", 40));
        ITokenizer tokenizer = kind switch
        {
            TokenizerKind.Byte => new ByteTokenizer(),
            TokenizerKind.Char => new CharTokenizer(text),
            _ => BpeTokenizer.Train(text, 300),
        };

        var encoded = tokenizer.Encode(text);

        Assert.Equal(text, tokenizer.Decode(encoded.Ids));
        Assert.All(encoded.Ids, id => Assert.InRange(id, 0, tokenizer.VocabSize - 1));
        if (kind == TokenizerKind.Bpe)
        {
            Assert.InRange(tokenizer.VocabSize, 257, 300);
            Assert.True(encoded.Ids.Length < Encoding.UTF8.GetByteCount(text) / 2, "BPE did not compress the text");
        }
    }

    [Fact]
    public void The_synthetic_corpus_is_deterministic_and_labels_every_domain()
    {
        var first = SyntheticCorpus.Generate(20_000, seed: 4);
        var again = SyntheticCorpus.Generate(20_000, seed: 4);
        var other = SyntheticCorpus.Generate(20_000, seed: 5);

        Assert.Equal(first.Text, again.Text);
        Assert.NotEqual(first.Text, other.Text);
        Assert.Equal(first.Text.Length, first.CharDomains!.Length);
        Assert.Equal(Enumerable.Range(0, SyntheticCorpus.DomainNames.Count).Select(d => (byte)d), first.CharDomains.Distinct().Order());
        var sums = first.Text.Split('\n').Select(line => Regex.Match(line, @"^(\d+)([+\-*])(\d+)=(\d+)$")).Where(m => m.Success).ToList();
        Assert.NotEmpty(sums);
        Assert.All(sums, m =>
        {
            var (a, b, result) = (int.Parse(m.Groups[1].Value), int.Parse(m.Groups[3].Value), int.Parse(m.Groups[4].Value));
            Assert.Equal(m.Groups[2].Value switch { "+" => a + b, "-" => a - b, _ => a * b }, result);
        });
    }
}
