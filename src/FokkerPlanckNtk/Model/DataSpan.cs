using MathNet.Numerics.LinearAlgebra;

namespace FokkerPlanckNtk.Model;

/// <summary>
/// A subspace S ⊂ R^d that contains every input x_i, with an orthonormal basis b_1..b_k. Since
/// σ(θ·x_i) = σ(θ_S·x_i), the mean-field dynamics only sees θ through its coordinates ζ = Bᵀθ ∈ R^k
/// (<see cref="ReducedProblem"/>), so the PDE is solved in k + 1 dimensions however large d is.
/// </summary>
/// <remarks>
/// <para>The span of the data is found by a singular value decomposition of the n × d input matrix X
/// (Householder QR of Xᵀ, then the SVD of its small triangular factor when d ≥ n; the SVD of Xᵀ itself
/// when d &lt; n): both are backward stable, so the singular values are those of X up to a perturbation of
/// size ε‖X‖. The numerical rank k counts the singular values above <see cref="Tolerance"/>·σ_max; the
/// default 1e-10 is far above the round-off of computed inputs (~d·ε ≈ 1e-13 for d = 1000) and far below
/// any real structure of a data set. Inputs given to a few digits on a subspace need a tolerance above
/// their rounding (<c>problem.reduction.tolerance</c>); the discarded singular values and the distance
/// of the data from S are reported (<see cref="MaxDistance"/>), and the reduced problem is then the exact
/// reduction of the problem with inputs projected onto S.</para>
/// <para>Basis: the left singular vectors of Xᵀ in order of decreasing singular value, each signed so that
/// its entry of largest magnitude is positive (the decomposition fixes them only up to sign).</para>
/// </remarks>
public sealed class DataSpan
{
    /// <summary>Default relative tolerance of the numerical rank (singular values ≤ tol·σ_max count as zero).</summary>
    public const double DefaultTolerance = 1e-10;

    private readonly double[] _basis; // k × d, row a = b_a
    private readonly NumericalRank _rank;

    private DataSpan(int ambient, double[] basis, NumericalRank rank, bool isCoordinateAxes, double maxDistance)
    {
        AmbientDimension = ambient;
        _basis = basis;
        _rank = rank;
        IsCoordinateAxes = isCoordinateAxes;
        MaxDistance = maxDistance;
    }

    /// <summary>The rank decision of the inputs: how many singular values exceed the tolerance times the largest.</summary>
    private sealed record NumericalRank(int Rank, double[] SingularValues, double Tolerance);

    /// <summary>d.</summary>
    public int AmbientDimension { get; }

    /// <summary>k = dim S, the number of θ axes of the reduced problem (≥ 1).</summary>
    public int Dimension => _basis.Length / AmbientDimension;

    /// <summary>The numerical rank of the inputs (0 when every x_i = 0; then S is the line of b_1 = e_1).</summary>
    public int DataRank => _rank.Rank;

    /// <summary>Singular values of the n × d input matrix, descending (min(n, d) of them).</summary>
    public IReadOnlyList<double> SingularValues => _rank.SingularValues;

    /// <summary>The relative tolerance the rank was decided with.</summary>
    public double Tolerance => _rank.Tolerance;

    /// <summary>True when S = R^d with the coordinate axes as basis (no rotation: the problem is unchanged).</summary>
    public bool IsCoordinateAxes { get; }

    /// <summary>max_i ‖x_i − BBᵀx_i‖: the distance of the data from S (round-off unless singular values were discarded).</summary>
    public double MaxDistance { get; }

    /// <summary>The largest singular value counted as zero, relative to σ_max (0 when none was discarded).</summary>
    public double DiscardedRelativeSingularValue =>
        DataRank < SingularValues.Count && SingularValues[0] > 0 ? SingularValues[DataRank] / SingularValues[0] : 0;

    /// <summary>b_a ∈ R^d, a &lt; k.</summary>
    public ReadOnlySpan<double> BasisVector(int a) => _basis.AsSpan(a * AmbientDimension, AmbientDimension);

    /// <summary>B as a d × k array (columns b_1..b_k), e.g. for output files.</summary>
    public double[,] Basis()
    {
        var b = new double[AmbientDimension, Dimension];
        for (int a = 0; a < Dimension; a++)
            for (int i = 0; i < AmbientDimension; i++) b[i, a] = _basis[a * AmbientDimension + i];
        return b;
    }

    /// <summary>ζ = Bᵀθ (length k).</summary>
    public void Project(ReadOnlySpan<double> theta, Span<double> coordinates)
    {
        for (int a = 0; a < Dimension; a++)
        {
            var b = BasisVector(a);
            double s = 0;
            for (int i = 0; i < b.Length; i++) s += b[i] * theta[i];
            coordinates[a] = s;
        }
    }

    /// <summary>θ = Bζ (length d).</summary>
    public void Lift(ReadOnlySpan<double> coordinates, Span<double> theta)
    {
        theta.Clear();
        for (int a = 0; a < Dimension; a++)
        {
            var b = BasisVector(a);
            for (int i = 0; i < b.Length; i++) theta[i] += coordinates[a] * b[i];
        }
    }

    /// <summary>P_⊥ v = v − B(Bᵀv): the part of <paramref name="v"/> ∈ R^d orthogonal to S.</summary>
    public double[] ProjectOut(ReadOnlySpan<double> v)
    {
        var r = v.ToArray();
        for (int a = 0; a < Dimension; a++)
        {
            var b = BasisVector(a);
            double c = System.Numerics.Tensors.TensorPrimitives.Dot(b, v);
            for (int i = 0; i < r.Length; i++) r[i] -= c * b[i];
        }
        return r;
    }

    /// <summary>P_⊥ X = X − B(BᵀX) for a d × r matrix X (each column projected).</summary>
    public double[,] ProjectOut(double[,] x)
    {
        int d = x.GetLength(0), r = x.GetLength(1);
        var y = (double[,])x.Clone();
        for (int a = 0; a < Dimension; a++)
        {
            var b = BasisVector(a);
            for (int col = 0; col < r; col++)
            {
                double s = 0;
                for (int i = 0; i < d; i++) s += b[i] * x[i, col];
                for (int i = 0; i < d; i++) y[i, col] -= s * b[i];
            }
        }
        return y;
    }

    /// <summary>The data in the coordinates of the basis: rows Bᵀx_i, the same targets.</summary>
    public DataSet Reduce(DataSet data)
    {
        if (data.Dimension != AmbientDimension)
            throw new ArgumentException($"the data have dimension {data.Dimension}, the span lives in R^{AmbientDimension}");
        if (IsCoordinateAxes) return data;
        var rows = new IReadOnlyList<double>[data.Count];
        for (int i = 0; i < data.Count; i++)
        {
            var z = new double[Dimension];
            Project(data.X(i), z);
            rows[i] = z;
        }
        return new DataSet(rows, data.Y.ToArray());
    }

    /// <summary>S = R^d with the coordinate axes (the unreduced problem); <see cref="DataRank"/> still measured.</summary>
    public static DataSpan CoordinateAxes(DataSet data, double tolerance = DefaultTolerance)
    {
        int d = data.Dimension;
        var (rank, _) = Decompose(data, tolerance);
        var basis = new double[d * d];
        for (int a = 0; a < d; a++) basis[a * d + a] = 1;
        return new DataSpan(d, basis, rank, isCoordinateAxes: true, maxDistance: 0);
    }

    /// <summary>The span of the inputs with its singular-vector basis (always rotated, also when k = d).</summary>
    public static DataSpan Of(DataSet data, double tolerance = DefaultTolerance)
    {
        int d = data.Dimension;
        var (rank, u) = Decompose(data, tolerance);
        int k = Math.Max(rank.Rank, 1);
        var basis = new double[k * d];
        if (rank.Rank == 0) basis[0] = 1; // every x_i = 0: any line contains the data
        else
            for (int a = 0; a < k; a++)
            {
                int largest = 0;
                for (int i = 0; i < d; i++)
                    if (Math.Abs(u[i, a]) > Math.Abs(u[largest, a])) largest = i;
                double sign = u[largest, a] < 0 ? -1 : 1;
                for (int i = 0; i < d; i++) basis[a * d + i] = sign * u[i, a];
            }
        return new DataSpan(d, basis, rank, isCoordinateAxes: false, MaxDistanceFrom(basis, k, data));
    }

    /// <summary>The numerical rank with the singular values (descending), and the left singular vectors U (d × r, r ≥ rank).</summary>
    private static (NumericalRank Rank, Matrix<double> U) Decompose(DataSet data, double tolerance)
    {
        if (!(tolerance > 0 && tolerance < 1))
            throw new InputException("problem.reduction.tolerance", tolerance, "must lie in (0, 1) (relative to the largest singular value of the inputs)");
        int n = data.Count, d = data.Dimension;
        var xt = Matrix<double>.Build.Dense(d, n, (i, j) => data.X(j)[i]);
        Vector<double> s;
        Matrix<double> u;
        if (d >= n)
        {
            var qr = xt.QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Thin); // Xᵀ = QR, Q d × n
            var svd = qr.R.Svd(computeVectors: true);
            s = svd.S;
            u = qr.Q * svd.U;
        }
        else
        {
            var svd = xt.Svd(computeVectors: true);
            s = svd.S;
            u = svd.U;
        }
        // MathNet returns the singular values in descending order; the rank test relies on it.
        var singular = s.ToArray();
        for (int j = 1; j < singular.Length; j++)
            if (singular[j] > singular[j - 1]) throw new InvalidOperationException("singular values not in descending order");
        double max = singular.Length > 0 ? singular[0] : 0;
        int rank = max > 0 ? singular.Count(v => v > tolerance * max) : 0;
        return (new NumericalRank(rank, singular, tolerance), u);
    }

    /// <summary>max_i ‖x_i − BBᵀx_i‖ for the basis rows of <paramref name="basis"/> (k × d).</summary>
    private static double MaxDistanceFrom(double[] basis, int k, DataSet data)
    {
        int d = data.Dimension;
        double max = 0;
        var r = new double[d];
        for (int i = 0; i < data.Count; i++)
        {
            data.X(i).CopyTo(r);
            for (int a = 0; a < k; a++)
            {
                var b = basis.AsSpan(a * d, d);
                double c = 0;
                for (int q = 0; q < d; q++) c += b[q] * data.X(i)[q];
                for (int q = 0; q < d; q++) r[q] -= c * b[q];
            }
            double s = 0;
            for (int q = 0; q < d; q++) s += r[q] * r[q];
            max = Math.Max(max, Math.Sqrt(s));
        }
        return max;
    }

    /// <summary>One line for logs and manifests: d, k, the rank and the tolerance.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"S ⊂ R^{AmbientDimension}: k = {Dimension} ({(IsCoordinateAxes ? "coordinate axes" : "singular vectors")}), data rank {DataRank} at relative tolerance {Tolerance:G3}");
}
