using System.Text;
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
            w.WriteStartArray("gram");
            for (int i = 0; i < gram.Size; i++)
            {
                w.WriteStartArray();
                for (int j = 0; j < gram.Size; j++) w.WriteNumberValue(gram[i, j]); // E_p0 of products: finite for every activation
                w.WriteEndArray();
            }
            w.WriteEndArray();
            w.WriteString("gram_method", gram.Method);
            Number("gram_error_estimate", gram.ErrorEstimate);
            Array("eigenvalues", gram.Eigenvalues);
            Array("decay_rates", prediction.Rates);
            Array("initial_residuals", prediction.InitialResiduals);
            Number("lambda_min_p0", bounds.Lambda);
            Number("lambda0", bounds.Lambda0);
            Array("g", [bounds.Constants.G1, bounds.Constants.G2, bounds.Constants.G3, bounds.Constants.G4, bounds.Constants.G5]);
            Number("A1", bounds.A1);
            Number("A2", bounds.A2);
            Number("loss_floor", bounds.LossFloor);
            Number("kl_bound", bounds.KlBound);
            Number("w2_bound", bounds.W2Bound);
            Number("alpha_necessary", bounds.AlphaNecessary);
            w.WriteBoolean("alpha_condition_not_excluded", bounds.AlphaConditionNotExcluded);
            w.WriteStartArray("notes");
            foreach (var note in bounds.Notes) w.WriteStringValue(note);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }
}
