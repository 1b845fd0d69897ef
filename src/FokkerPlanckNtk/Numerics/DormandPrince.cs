namespace FokkerPlanckNtk.Numerics;

/// <summary>
/// Adaptive Dormand–Prince 5(4) for small smooth systems y' = f(t, y), with the standard PI-free
/// step controller on the mixed error norm max_i |err_i| / (atol + rtol·|y_i|). Used for the exact
/// Gaussian moment ODEs at tolerances near 1e-13.
/// </summary>
public static class DormandPrince
{
    private static readonly double[] C = [0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1];
    private static readonly double[][] A =
    [
        [],
        [1.0 / 5],
        [3.0 / 40, 9.0 / 40],
        [44.0 / 45, -56.0 / 15, 32.0 / 9],
        [19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729],
        [9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656],
        [35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84],
    ];
    private static readonly double[] B5 = [35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84, 0];
    private static readonly double[] B4 = [5179.0 / 57600, 0, 7571.0 / 16695, 393.0 / 640, -92097.0 / 339200, 187.0 / 2100, 1.0 / 40];

    /// <summary>Integrates from t0 to t1 (t1 ≥ t0) and returns y(t1).</summary>
    /// <param name="y0">y(t0).</param>
    /// <param name="t0">The start time.</param>
    /// <param name="t1">The end time.</param>
    /// <param name="rtol">Relative tolerance per step.</param>
    /// <param name="atol">Absolute tolerance per step.</param>
    /// <param name="maxSteps">Step cap; exceeding it throws.</param>
    /// <param name="f">Writes f(t, y) into its third argument.</param>
    public static double[] Integrate(Action<double, double[], double[]> f, double[] y0, double t0, double t1,
        double rtol = 1e-13, double atol = 1e-15, int maxSteps = 1_000_000)
    {
        int n = y0.Length;
        var y = (double[])y0.Clone();
        if (t1 == t0) return y;
        if (t1 < t0) throw new ArgumentException("t1 must be ≥ t0");
        var k = new double[7][];
        for (int s = 0; s < 7; s++) k[s] = new double[n];
        var tmp = new double[n];
        var y5 = new double[n];
        double t = t0, h = Math.Min(1e-3, t1 - t0);
        f(t, y, k[0]);
        for (int step = 0; step < maxSteps; step++)
        {
            if (t + h > t1) h = t1 - t;
            for (int s = 1; s < 7; s++)
            {
                for (int i = 0; i < n; i++)
                {
                    double acc = y[i];
                    for (int j = 0; j < s; j++) acc += h * A[s][j] * k[j][i];
                    tmp[i] = acc;
                }
                f(t + C[s] * h, tmp, k[s]);
            }
            double err = 0;
            for (int i = 0; i < n; i++)
            {
                double s5 = 0, s4 = 0;
                for (int s = 0; s < 7; s++) { s5 += B5[s] * k[s][i]; s4 += B4[s] * k[s][i]; }
                y5[i] = y[i] + h * s5;
                double scale = atol + rtol * Math.Max(Math.Abs(y[i]), Math.Abs(y5[i]));
                err = Math.Max(err, Math.Abs(h * (s5 - s4)) / scale);
            }
            if (err <= 1)
            {
                t = t + h >= t1 || t1 - (t + h) < 1e-15 * Math.Abs(t1) ? t1 : t + h;
                (y, y5) = (y5, y);
                (k[0], k[6]) = (k[6], k[0]); // FSAL: the last stage is f at the new point
                if (t >= t1) return y;
            }
            h *= Math.Clamp(0.9 * Math.Pow(Math.Max(err, 1e-10), -0.2), 0.2, 5.0);
        }
        throw new InvalidOperationException($"DormandPrince: no convergence within {maxSteps} steps");
    }
}
