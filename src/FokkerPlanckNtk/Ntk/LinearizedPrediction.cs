using FokkerPlanckNtk.Model;

namespace FokkerPlanckNtk.Ntk;

/// <summary>
/// The NTK-linearized residual trajectory (docs/mathematics.md, the NTK limit): r(t) = exp(−(2α²/n) H t) r(0), evaluated
/// exactly through the eigen-decomposition H = V diag(λ_k) Vᵀ: r(t) = Σ_k e^{−(2α²/n) λ_k t} (v_k·r(0)) v_k.
/// With the problem's initial law p_init, H = H(p_init) (= H(p0) for the standard law) and
/// r(0) = f(p_init, ·) − y (= −y for p0, where f(p0, ·) = 0 because E[u | θ] = 0).
/// </summary>
public sealed class LinearizedPrediction
{
    private readonly double[] _coefficients; // v_k · r(0)
    private readonly double[] _rates;        // (2α²/n) λ_k
    private readonly double[,] _vectors;

    /// <summary>The prediction r(t) = exp(−(2α²/n) H t) r(0) for the Gram matrix <paramref name="kernel"/> and r(0) = <paramref name="initialResiduals"/>.</summary>
    public LinearizedPrediction(Problem problem, GramMatrix kernel, IReadOnlyList<double> initialResiduals)
    {
        int n = problem.SampleCount;
        if (kernel.Size != n) throw new ArgumentException($"the kernel is {kernel.Size}×{kernel.Size}, the problem has n = {n}");
        if (initialResiduals.Count != n) throw new ArgumentException($"r(0) has {initialResiduals.Count} entries, the problem has n = {n}");
        Problem = problem;
        Kernel = kernel;
        InitialResiduals = initialResiduals.ToArray();
        _vectors = kernel.Eigenvectors;
        _rates = new double[n];
        _coefficients = new double[n];
        double scale = 2 * problem.Alpha * problem.Alpha / n;
        for (int k = 0; k < n; k++)
        {
            // Clamp round-off negatives of a PSD kernel so the prediction never grows.
            _rates[k] = scale * Math.Max(0, kernel.Eigenvalues[k]);
            double c = 0;
            for (int i = 0; i < n; i++) c += _vectors[i, k] * InitialResiduals[i];
            _coefficients[k] = c;
        }
    }

    /// <summary>The prediction for the problem's initial law: H(p_init) and r(0) = f(p_init) − y by quadrature.</summary>
    public static LinearizedPrediction ForProblem(Problem problem) =>
        new(problem, GramMatrix.ByQuadrature(problem, problem.Initial), InitialResidualsByQuadrature(problem));

    /// <summary>The problem (α, n).</summary>
    public Problem Problem { get; }

    /// <summary>The Gram matrix H(p_init).</summary>
    public GramMatrix Kernel { get; }

    /// <summary>r(0).</summary>
    public IReadOnlyList<double> InitialResiduals { get; }

    /// <summary>The decay rates (2α²/n) λ_k of the eigen-modes, ascending.</summary>
    public IReadOnlyList<double> Rates => _rates;

    /// <summary>r(t).</summary>
    public double[] Residuals(double t)
    {
        if (!(t >= 0)) throw new InputException("time", t, "the prediction is defined for t >= 0");
        int n = _rates.Length;
        var r = new double[n];
        for (int k = 0; k < n; k++)
        {
            double a = _coefficients[k] * Math.Exp(-_rates[k] * t);
            for (int i = 0; i < n; i++) r[i] += a * _vectors[i, k];
        }
        return r;
    }

    /// <summary>L(t) = (1/n)|r(t)|².</summary>
    public double Loss(double t)
    {
        // |r(t)|² = Σ_k c_k² e^{−2 rate_k t} (orthonormal eigenvectors).
        double s = 0;
        for (int k = 0; k < _rates.Length; k++) s += _coefficients[k] * _coefficients[k] * Math.Exp(-2 * _rates[k] * t);
        return s / _rates.Length;
    }

    /// <summary>
    /// r(0) = f(p_init, x_i) − y_i with f = α E[u σ(θ·x_i)] = α E_θ[E[u | θ] σ(θ·x_i)] by Gauss–Hermite
    /// quadrature in θ (order by measured convergence, to 1e-13); exactly −y for the standard law.
    /// </summary>
    public static double[] InitialResidualsByQuadrature(Problem problem, double tolerance = 1e-13)
    {
        int n = problem.SampleCount;
        var y = problem.Data.Y;
        var r = new double[n];
        if (problem.Initial.IsStandard)
        {
            for (int i = 0; i < n; i++) r[i] = -y[i];
            return r;
        }
        double[]? previous = null;
        foreach (int order in QuadratureRule.ConvergenceOrders.Where(o => o <= GramMatrix.MaxTensorOrder(problem.Dimension)))
        {
            var g = GaussianLawQuadrature.Create(problem.Initial, order);
            var sigma = ActivationTable.Sigma(problem, g.Theta.Nodes, g.Theta.Count);
            int count = g.Theta.Count;
            var w = g.Theta.Weights;
            for (int i = 0; i < n; i++)
            {
                double f = 0;
                for (int q = 0; q < count; q++) f += w[q] * g.ConditionalMean[q] * sigma[i * count + q];
                r[i] = problem.Alpha * f - y[i];
            }
            if (previous is not null && r.Zip(previous, (a, b) => Math.Abs(a - b)).Max() <= tolerance * Math.Max(1, r.Max(Math.Abs)))
                return r;
            previous = (double[])r.Clone();
        }
        return r;
    }
}
