using System.Numerics.Tensors;
using FokkerPlanckNtk.Model;

namespace FokkerPlanckNtk.Stationary;

/// <summary>
/// The self-consistency equations of the Gibbs state (docs/mathematics.md, stationary state) on a discretized domain: θ nodes
/// θ_q with weights ω_q for the measure N(θ; 0, I_d) dθ on the θ-domain (given as log ω_q), and a u-model
/// (<see cref="TiltedU"/>). For residuals r, c̃(θ) = β Σ_i r_i σ(θ·x_i) with β = 2α/(nλ), the state is
/// p*(θ, u) ∝ φ_{d+1}(θ, u) e^{−u c̃(θ)}, its θ-weights are π_q ∝ ω_q Z_u(c̃_q), and
/// F(r)_j = r_j − f_j(r) + y_j with f_j = α Σ_q π_q μ_q σ_jq. The Jacobian is
/// J = I + αβ (E_π[(μ² + v) σσᵀ] − E_π[μσ] E_π[μσ]ᵀ) = I + (a covariance-like PSD matrix): SPD, since F is
/// the gradient of the strictly convex r ↦ |r|²/2 + y·r + (nλ/2) log Z(r).
/// Sums run over fixed blocks of nodes combined in block order: the same bits for any thread count.
/// </summary>
internal sealed class GibbsEquations
{
    private const int Block = 4096;

    private readonly Problem _problem;
    private readonly double[] _logWeights;
    private readonly double[] _sigma; // n × Q, row i contiguous
    private readonly TiltedU _u;
    private readonly double[] _c, _ell, _mu, _var;
    private readonly int _blocks, _sums;
    private readonly double[] _blockMax, _blockSums;

    public GibbsEquations(Problem problem, QuadratureRule theta, double[] logWeights, TiltedU u)
    {
        _problem = problem;
        Theta = theta;
        _logWeights = logWeights;
        _u = u;
        _sigma = ActivationTable.Sigma(problem, theta.Nodes, theta.Count);
        int q = theta.Count, n = problem.SampleCount;
        _c = new double[q];
        _ell = new double[q];
        _mu = new double[q];
        _var = new double[q];
        _blocks = (q + Block - 1) / Block;
        _sums = 2 + n + n * (n + 1) / 2;
        _blockMax = new double[_blocks];
        _blockSums = new double[_blocks * _sums];
        Beta = 2 * problem.Alpha / (n * problem.Lambda);
        LogReferenceMass = LogMassAtConstantTilt(0);
    }

    public QuadratureRule Theta { get; }

    /// <summary>β = 2α/(nλ): c̃ = β Σ r_i σ_i.</summary>
    public double Beta { get; }

    /// <summary>log Z0 = log Σ_q ω_q Z_u(0): the rule's mass of p0 on the domain.</summary>
    public double LogReferenceMass { get; }

    /// <summary>
    /// F(r), J(r), log Z(r) = log Σ ω_q Z_u(c̃_q) and KL(p*_r ‖ p0|domain) = E[−u c̃] − (log Z − log Z0).
    /// </summary>
    public void Evaluate(ReadOnlySpan<double> r, double[] f, double[,] jacobian, out double logZ, out double kl)
    {
        int n = _problem.SampleCount, count = Theta.Count;
        var rr = r.ToArray();
        double beta = Beta;
        Parallel.For(0, _blocks, Parallelism.Options, b =>
        {
            int start = b * Block, len = Math.Min(Block, count - start);
            var c = _c.AsSpan(start, len);
            c.Clear();
            for (int i = 0; i < n; i++)
                TensorPrimitives.MultiplyAdd(_sigma.AsSpan(i * count + start, len), beta * rr[i], c, c);
            double max = double.NegativeInfinity;
            for (int q = start; q < start + len; q++)
            {
                _u.Evaluate(_c[q], out double lz, out _mu[q], out _var[q]);
                _ell[q] = _logWeights[q] + lz;
                max = Math.Max(max, _ell[q]);
            }
            _blockMax[b] = max;
        });
        double m = double.NegativeInfinity;
        foreach (double v in _blockMax) m = Math.Max(m, v);
        int sums = _sums;
        Parallel.For(0, _blocks, Parallelism.Options, b =>
        {
            int start = b * Block, len = Math.Min(Block, count - start);
            var acc = _blockSums.AsSpan(b * sums, sums);
            acc.Clear();
            for (int q = start; q < start + len; q++)
            {
                double e = Math.Exp(_ell[q] - m), mu = _mu[q], second = e * (mu * mu + _var[q]);
                acc[0] += e;
                acc[1] += e * _c[q] * mu;
                int k = 2 + n;
                for (int i = 0; i < n; i++)
                {
                    double si = _sigma[i * count + q];
                    acc[2 + i] += e * mu * si;
                    double w = second * si;
                    for (int j = i; j < n; j++, k++) acc[k] += w * _sigma[j * count + q];
                }
            }
        });
        var total = new double[sums];
        for (int b = 0; b < _blocks; b++)
            for (int k = 0; k < sums; k++) total[k] += _blockSums[b * sums + k];
        double s0 = total[0];
        logZ = m + Math.Log(s0);
        kl = -total[1] / s0 - (logZ - LogReferenceMass);
        var y = _problem.Data.Y;
        double alpha = _problem.Alpha, ab = alpha * beta;
        for (int i = 0, k = 2 + n; i < n; i++)
        {
            double ai = total[2 + i] / s0;
            f[i] = rr[i] - alpha * ai + y[i];
            for (int j = i; j < n; j++, k++)
            {
                double aj = total[2 + j] / s0;
                double v = ab * (total[k] / s0 - ai * aj) + (i == j ? 1 : 0);
                jacobian[i, j] = jacobian[j, i] = v;
            }
        }
    }

    /// <summary>log Σ_q ω_q Z_u(c0) for a constant tilt c0 (c0 = 0: the reference mass).</summary>
    private double LogMassAtConstantTilt(double c0)
    {
        double max = double.NegativeInfinity;
        _u.Evaluate(c0, out double lz, out _, out _);
        foreach (double w in _logWeights) max = Math.Max(max, w);
        double s = 0;
        foreach (double w in _logWeights) s += Math.Exp(w - max);
        return max + Math.Log(s) + lz;
    }

    /// <summary>c̃(θ) = β Σ_i r_i σ(θ·x_i) at one point.</summary>
    public static double Tilt(Problem problem, ReadOnlySpan<double> r, ReadOnlySpan<double> theta)
    {
        double s = 0;
        for (int i = 0; i < problem.SampleCount; i++)
        {
            var x = problem.Data.X(i);
            double dot = 0;
            for (int k = 0; k < x.Length; k++) dot += theta[k] * x[k];
            s += r[i] * problem.Activation.Value(dot);
        }
        return 2 * problem.Alpha / (problem.SampleCount * problem.Lambda) * s;
    }
}
