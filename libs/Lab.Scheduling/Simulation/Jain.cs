namespace Lab.Scheduling.Simulation;

/// <summary>Jain's fairness index: (Σx)² / (n Σx²); 1 when all values are equal, 1/n when one value has everything.</summary>
public static class Jain
{
    public static double Index(ReadOnlySpan<double> values)
    {
        double sum = 0, squares = 0;
        foreach (var value in values)
        {
            sum += value;
            squares += value * value;
        }
        return squares > 0 ? sum * sum / (values.Length * squares) : 1;
    }
}
