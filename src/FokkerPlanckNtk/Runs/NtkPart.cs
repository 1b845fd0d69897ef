using FokkerPlanckNtk.Configuration;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.Ntk;

namespace FokkerPlanckNtk.Runs;

/// <summary>
/// The linearized (NTK) prediction r(t) = exp(−(2α²/n) H(p_init) t) r(0) next to the PDE and the particles,
/// and the loss bound of Theorem 4.4 where the theorem applies. Closed form in t: no state to checkpoint.
/// </summary>
internal sealed class NtkPart : IRunPart
{
    private readonly LinearizedPrediction _prediction;
    private readonly TheoremBounds? _bounds;
    private double _time;

    public NtkPart(RunConfiguration config)
    {
        var problem = config.Problem.ToProblem();
        _prediction = LinearizedPrediction.ForProblem(problem);
        // Theorem 4.4 is stated for p0 and a bounded activation with a positive definite H(p0).
        if (problem.Initial.IsStandard && problem.Activation.IsBounded)
        {
            var bounds = new TheoremBounds(problem, GramMatrix.AtReference(problem));
            if (bounds.Lambda0 > 0) _bounds = bounds;
        }
    }

    public string Name => "ntk";

    public double Time => _time;

    public void AdvanceTo(double t, RunControl control) => _time = t;

    public void SaveState(ArrayArchive state) { }

    public void RestoreState(ArrayArchive state) { }

    public void Record(ArrayArchive record, RunControl control)
    {
        record.Set(RunRecords.NtkResiduals, _prediction.Residuals(_time)).Set(RunRecords.NtkLoss, _prediction.Loss(_time));
        if (_bounds is not null) record.Set(RunRecords.NtkLossBound, _bounds.LossBound(_time));
    }
}
