using FokkerPlanckNtk.Ntk;

namespace FokkerPlanckNtk.IO.Results;

/// <summary><c>ntk.json</c> of <c>fpntk ntk</c>.</summary>
public static class NtkDocument
{
    /// <summary><c>ntk.json</c>: H, its spectrum, r(0), the decay rates and the Theorem 4.4 quantities (null and a reason where infinite, <see cref="JsonText"/>).</summary>
    public static string ToJson(NtkPrediction ntk)
    {
        var (gram, prediction, bounds) = (ntk.Prediction.Kernel, ntk.Prediction, ntk.Bounds);
        using var buffer = new MemoryStream();
        using (var w = JsonText.Writer(buffer))
        {
            string? why = bounds.VoidReason;
            void Number(string name, double v) => JsonText.WriteNumber(w, name, v, why);
            void Array(string name, IEnumerable<double> values) => JsonText.WriteNumbers(w, name, values, why);
            w.WriteStartObject();
            JsonText.WriteMatrix(w, "gram", gram.Size, gram.Size, (i, j) => gram[i, j]); // E_p0 of products: finite for every activation
            w.WriteString("gram_method", gram.Method);
            Number("gram_error_estimate", gram.ErrorEstimate);
            Array("eigenvalues", gram.Eigenvalues);
            Array("decay_rates", prediction.Rates);
            Array("initial_residuals", prediction.InitialResiduals);
            Number("lambda_min_p0", bounds.Lambda);
            Number("lambda0", bounds.Lambda0);
            Array("g", [bounds.Constants.G1, bounds.Constants.G2, bounds.Constants.G3, bounds.Constants.G4, bounds.Constants.G5]);
            (string Name, double Value)[] theorem = [("A1", bounds.A1), ("A2", bounds.A2), ("loss_floor", bounds.LossFloor),
                ("kl_bound", bounds.KlBound), ("w2_bound", bounds.W2Bound), ("alpha_necessary", bounds.AlphaNecessary)];
            foreach (var (name, value) in theorem) Number(name, value);
            w.WriteBoolean("alpha_condition_not_excluded", bounds.AlphaConditionNotExcluded);
            w.WriteStartArray("notes");
            foreach (var note in bounds.Notes) w.WriteStringValue(note);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }
}
