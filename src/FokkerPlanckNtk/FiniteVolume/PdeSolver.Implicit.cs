using System.Numerics.Tensors;

namespace FokkerPlanckNtk.FiniteVolume;

/// <summary>The backward-Euler stepper: a matrix-free BiCGSTAB solve of (I − dt L_Ψ) p¹ = p⁰.</summary>
public sealed partial class PdeSolver
{
    /// <summary>Relative residual ‖b − Ax‖₂/‖b‖₂ at which the linear solve stops.</summary>
    public const double ImplicitTolerance = 1e-13;

    private const int MaxLinearIterations = 2000;

    private double[][]? _krylov; // x, r, r̂, p, v, y, s, z, t, diagonal

    /// <summary>Linear-solver iterations of the last implicit step.</summary>
    public int LastLinearIterations { get; private set; }

    private double ImplicitStep(double maxDt)
    {
        _model.ResidualsFromMoment(_m1, _r);
        _model.CouplingFromResiduals(_r, _coupling);
        double stiff = StiffModeRate();
        if (!double.IsFinite(stiff))
            throw Diverged("the step bound became non-finite");
        double stable = stiff > 0 ? _options.Cfl / stiff : double.PositiveInfinity;
        LastStableStep = stable;
        double dt = Math.Min(stable, maxDt);
        if (!double.IsFinite(dt))
            throw new InputException("time.maxStep", _options.MaxStep,
                "the implicit stepper needs a finite step: set time.maxStep (α = 0 imposes no bound)");
        int count = _grid.Count;
        _krylov ??= Enumerable.Range(0, 10).Select(_ => new double[count]).ToArray();
        var (x, r, rHat, p, v, y, sv, z, t, diag) =
            (_krylov[0], _krylov[1], _krylov[2], _krylov[3], _krylov[4], _krylov[5], _krylov[6], _krylov[7], _krylov[8], _krylov[9]);
        CellDiagonal(dt, diag);
        var b = _density;
        double bNorm = TensorPrimitives.Norm(b);
        b.CopyTo(x, 0);
        Apply(x, dt, v);
        TensorPrimitives.Subtract(b, v, r);
        r.CopyTo(rHat, 0);
        Array.Clear(p);
        Array.Clear(v);
        double rho = 1, alpha = 1, omega = 1;
        int it = 0;
        for (; TensorPrimitives.Norm(r) > ImplicitTolerance * bNorm; it++)
        {
            if (it >= MaxLinearIterations)
                throw Diverged(FormattableString.Invariant($"the implicit solve did not converge in {MaxLinearIterations} iterations (dt = {dt:G3})"));
            double rhoNew = TensorPrimitives.Dot(rHat, r);
            double beta = rhoNew / rho * (alpha / omega);
            rho = rhoNew;
            // p = r + β(p − ωv)
            TensorPrimitives.MultiplyAdd(v, -omega, p, p);
            TensorPrimitives.MultiplyAdd(p, beta, r, p);
            TensorPrimitives.Divide(p, diag, y);
            Apply(y, dt, v);
            alpha = rho / TensorPrimitives.Dot(rHat, v);
            TensorPrimitives.MultiplyAdd(y, alpha, x, x);
            TensorPrimitives.MultiplyAdd(v, -alpha, r, sv);
            if (TensorPrimitives.Norm(sv) <= ImplicitTolerance * bNorm) { sv.CopyTo(r, 0); it++; break; }
            TensorPrimitives.Divide(sv, diag, z);
            Apply(z, dt, t);
            omega = TensorPrimitives.Dot(t, sv) / TensorPrimitives.Dot(t, t);
            TensorPrimitives.MultiplyAdd(z, omega, x, x);
            TensorPrimitives.MultiplyAdd(t, -omega, sv, r);
        }
        LastLinearIterations = it;
        // 1ᵀA = 1ᵀ, so the mass defect of x is Σ of the final residual (≤ 1e-13 relative); rescale to the
        // exact mass of b. Values below −1e-12·max are a solver failure, tiny ones are set to zero.
        double massB = TensorPrimitives.Sum(b), massX = TensorPrimitives.Sum(x);
        TensorPrimitives.Multiply(x, massB / massX, x);
        double min = TensorPrimitives.Min(x), max = TensorPrimitives.Max(x);
        if (!double.IsFinite(min) || !double.IsFinite(max))
            throw Diverged(FormattableString.Invariant($"the implicit step dt = {dt:G3} produced a non-finite density"));
        if (min < -1e-12 * max)
            throw Diverged(FormattableString.Invariant($"the implicit step dt = {dt:G3} produced a negative density ({min:G3})"));
        (_density, _krylov[0]) = (x, _density);
        _model.ThetaMoments(_density, _m0, _m1, _m2);
        Time += dt;
        Steps++;
        LastStep = dt;
        return dt;
    }

    /// <summary>y = x − dt·L_Ψ(x) with the frozen coupling (the explicit kernels with dt → −dt).</summary>
    private void Apply(double[] x, double dt, double[] y)
    {
        ComputeFluxes(x);
        Update(x, 1.0, x, 0.0, -dt, y, _m1Stage, null, null);
    }

    /// <summary>Diagonal of I − dt L: 1 + dt Σ_k (λ/Δ_k²)(B(w_{k,c+½}) + B(−w_{k,c−½})) (Jacobi preconditioner).</summary>
    private void CellDiagonal(double dt, double[] diag)
    {
        for (int a = 0; a < _cols; a++)
            for (int j = 0; j < _nu; j++) diag[a * _nu + j] = 1 + dt * CellOutflowRate(a, j);
    }
}
