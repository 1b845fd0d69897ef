namespace FokkerPlanckNtk;

/// <summary>
/// Bad input: names the configuration key (or file), the offending value and what is required.
/// Front ends print <see cref="Exception.Message"/> as one paragraph and exit non-zero.
/// </summary>
public sealed class InputException : Exception
{
    /// <summary>The message is <c>key = value: requirement</c>.</summary>
    /// <param name="key">The configuration key, option or file that is wrong.</param>
    /// <param name="value">The offending value (formatted culture-invariant).</param>
    /// <param name="requirement">What the value must be, in words.</param>
    public InputException(string key, object? value, string requirement)
        : base(string.Create(CultureInfo.InvariantCulture, $"{key} = {Format(value)}: {requirement}"))
    {
        Key = key;
        Requirement = requirement;
    }

    private InputException(string key, string requirement, string message) : base(message)
    {
        Key = key;
        Requirement = requirement;
    }

    /// <summary>The same error with where it happened appended (e.g. which task of a sweep), for input read in several places.</summary>
    public InputException At(string where) => new(Key, $"{Requirement} ({where})", $"{Message} ({where})");

    /// <summary>The configuration key, e.g. <c>problem.lambda</c>, or a file path.</summary>
    public string Key { get; }

    /// <summary>What the value must be, in words.</summary>
    public string Requirement { get; }

    internal static string Format(object? value) => value switch
    {
        null => "(missing)",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>Throws unless <paramref name="value"/> is finite and strictly positive.</summary>
    public static double RequirePositive(string key, double value)
    {
        if (!(value > 0) || !double.IsFinite(value))
            throw new InputException(key, value, "must be a finite positive number");
        return value;
    }

    /// <summary>Throws unless <paramref name="value"/> is finite.</summary>
    public static double RequireFinite(string key, double value)
    {
        if (!double.IsFinite(value))
            throw new InputException(key, value, "must be a finite number");
        return value;
    }

    /// <summary>Throws unless <paramref name="value"/> is at least <paramref name="min"/>.</summary>
    public static int RequireAtLeast(string key, int value, int min)
    {
        if (value < min)
            throw new InputException(key, value, $"must be a whole number ≥ {min}");
        return value;
    }
}
