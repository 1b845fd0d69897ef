using System.Globalization;
using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.Metrics;
using FokkerPlanckNtk.Runs;
using FokkerPlanckNtk.Stationary;
using OxyPlot;

namespace FokkerPlanckNtk.Plotting;

/// <summary>One figure of the report: panels shown side by side (each saved as plots/NAME.png and .svg) and a caption.</summary>
/// <param name="Caption">What the figure shows and what to read from it.</param>
/// <param name="Panels">The plots, left to right.</param>
public sealed record ReportFigure(string Caption, IReadOnlyList<(string Name, PlotModel Model)> Panels);

/// <summary>
/// The figures of a run's report. Curves over time come from the diagnostics rows (<c>diagnostics.csv</c>,
/// dense during the initial transient) when the run recorded them, otherwise from the output times.
/// </summary>
public static class RunFigures
{
    private static string T(double t) => t.ToString("G4", CultureInfo.InvariantCulture);

    /// <summary>The figures of <paramref name="r"/>, in report order.</summary>
    /// <param name="r">The run's results.</param>
    /// <param name="stationary">The scheme's discrete stationary state p*_h on the run's grid, when known: Q(p_t) − Q(p*_h) is drawn, and L(p*_h) beside the loss.</param>
    public static IEnumerable<ReportFigure> Of(RunResults r, StationaryResult? stationary = null)
    {
        var grid = r.Grid;
        int u = grid.UAxis;
        bool onSpan = r.Reduction is not null;
        string theta = DensityImages.AxisName(grid, 0, onSpan);
        var times = r.Times;
        var series = Series.Of(r);
        // On the span of the inputs the grid holds q_t(ζ, u), the density of the coordinates ζ = Bᵀθ on S (p_t = q_t ⊗ the θ_⊥ law).
        string spanNote = r.Reduction is { } reduction ? FormattableString.Invariant(
            $" The inputs span k = {reduction.Span.Dimension} of d = {reduction.Full.Dimension} dimensions: the axes ζ are the coordinates ζ = Bᵀθ on their span S (B in span.json), ")
            + "the density is that of (ζ, u), and the particles are drawn by their projections (ζ, u); θ_⊥ is checked separately (orthogonal.csv)." : "";

        // Densities and their change: p_t beside p_t − p_0 on a diverging scale (the change is a few per cent).
        foreach (int k in SnapshotIndices(times.Length))
        {
            string t = T(times[k]);
            var cloud = r.Particles is { } particles ? Cloud(particles[k].Positions, grid.Dimension, 0, u) : null;
            string what = grid.ThetaDimension == 1 ? $"{(onSpan ? "q_t" : "p_t")}({theta}, u)" : $"marginal of ({theta}, u)";
            if (r.Pde is { } pde)
            {
                var image = DensityImages.Marginal(grid, pde[k].Density, 0, u);
                var panels = new List<(string, PlotModel)>
                {
                    ($"density-{SnapshotFile.Name(k)}", Charts.DensityMap($"PDE density {what}, t = {t}", image, theta, "u", cloud)),
                };
                if (k > 0)
                {
                    var initial = DensityImages.Marginal(grid, pde[0].Density, 0, u);
                    var change = new double[image.X.Length, image.Y.Length];
                    for (int i = 0; i < image.X.Length; i++)
                        for (int j = 0; j < image.Y.Length; j++) change[i, j] = image.Values[i, j] - initial.Values[i, j];
                    panels.Add(($"change-{SnapshotFile.Name(k)}",
                        Charts.SignedMap($"Change p_t − p_0, t = {t}", new DensityImage(image.X, image.Y, change), image, theta, "u", "p_t − p_0")));
                }
                yield return new ReportFigure(k == 0
                    ? $"The PDE density at t = 0 (p0 on the grid){(cloud is null ? "" : ", particles in white")}.{spanNote}"
                    : $"Left: the PDE density at t = {t}{(cloud is null ? "" : " with the particles in white")}. Right: its change since t = 0 "
                      + "(red: mass arrived, blue: mass left; the colour scale is symmetric about 0), which the density map alone hides.",
                    panels);
            }
            else if (r.Particles is { } only)
            {
                var image = DensityImages.Histogram(grid, only[k].Positions, 0, u);
                yield return new ReportFigure($"Particles at t = {t} over their histogram on the grid.{(k == 0 ? spanNote : "")}",
                    [($"particles-{SnapshotFile.Name(k)}", Charts.DensityMap($"Particles and their histogram, t = {t}", image, theta, "u", cloud))]);
            }
        }

        foreach (var marginals in MarginalFigures(r)) yield return marginals;

        // Loss on a log scale: the whole run and the first output interval (the fast transient).
        var loss = new List<Curve>();
        if (series.Pde is { } p) loss.Add(new Curve("PDE", p.T, p.Loss));
        if (series.Particles is { } m) loss.Add(new Curve($"particles (m = {r.Configuration.Particles.Count})", m.T, m.Loss, Color: 1) { Thin = series.Dense });
        if (series.Ntk is { } q) loss.Add(new Curve("NTK prediction", q.T, q.Loss, Dashed: true, Color: 2));
        string stationaryNote = "";
        if (stationary is not null && series.Pde is { } ps0)
        {
            double lStar = stationary.Loss;
            loss.Add(new Curve("L(p*_h), stationary state", [ps0.T[0], ps0.T[^1]], [lStar, lStar], Dashed: true) { Grey = true });
            stationaryNote = FormattableString.Invariant($" The grey dashed line is the loss of the scheme's stationary state p*_h, L(p*_h) = {lStar:G4}: ")
                + (r.Configuration.Problem.Lambda > 0 ? "with λ > 0 the loss tends to this value, not to 0." : "the value training tends to.");
        }
        string boundNote = "";
        if (r.Ntk is { } ntk && ntk[0].LossBound is not null)
        {
            var bound = ntk.Select(x => x.LossBound ?? double.NaN).ToArray();
            double top = loss.SelectMany(c => c.Y).Where(double.IsFinite).DefaultIfEmpty(1).Max();
            if (bound.Min() <= 100 * top) loss.Add(new Curve("Theorem 4.4 bound", times, bound, Dashed: true, Markers: true, Color: 3));
            else boundNote = FormattableString.Invariant($" The Theorem 4.4 bound (≥ {bound.Min():G3}) is off the scale: α is too small for it to be informative.");
        }
        if (loss.Count > 0)
        {
            double early = times.Length > 1 ? times[1] : times[^1];
            yield return new ReportFigure(
                $"Loss L(p_t) = (1/n) Σ r_i² on a log scale, over the whole run (left) and over the first output interval [0, {T(early)}] (right), "
                + $"from {Source(series)}. Where the PDE and the NTK prediction part, training has left the linear (lazy) regime; the particles' "
                + "distance to the PDE is the finite-width (and time-step) error." + stationaryNote + boundNote,
                [("loss", Charts.Lines("Loss", "t", "L", loss, logY: true)),
                 ("loss-early", Charts.Lines($"Loss, t ≤ {T(early)}", "t", "L", loss, logY: true, xRange: (0, early)))]);
        }

        // Free energy: Q(p_t) − Q(p*_h) on a log scale when the stationary value is known, Q itself otherwise.
        if (series.Pde is { } pf)
        {
            if (stationary?.FreeEnergy is { } qStar)
                yield return new ReportFigure(
                    FormattableString.Invariant($"Q_h(p_t) − Q_h(p*_h) on a log scale: the discrete free energy of the PDE above that of the scheme's discrete stationary state p*_h (Q_h(p*_h) = {qStar:G10}, Newton on the same grid). ")
                    + "A straight line is exponential convergence; its slope is the rate. Values at round-off (≤ 1e-13 relative) are not drawn.",
                    [("free-energy", Charts.Lines("Free energy above the stationary state", "t", "Q_h(p_t) − Q_h(p*)",
                        [new Curve("PDE", pf.T, pf.FreeEnergy.Select(v => v - qStar > 1e-13 * Math.Abs(qStar) ? v - qStar : double.NaN).ToArray())], logY: true))]);
            else
                yield return new ReportFigure("Discrete free energy Q_h(p_t) = L + λ KL(p_t‖p0_h) of the PDE (nonincreasing: the scheme dissipates it at every step).",
                    [("free-energy", Charts.Lines("Free energy", "t", "Q_h", [new Curve("PDE", pf.T, pf.FreeEnergy)]))]);
        }

        // Residuals, one colour per sample; the line style says which description (grey legend entries, not one sample's colour).
        var residuals = new List<Curve>();
        int n = r.Configuration.Problem.Data.Count;
        bool particleMarkers = series.Particles is { } ps && ps.T.Length <= 40;
        if (series.Pde is { } pr) residuals.AddRange(Enumerable.Range(0, n).Select(i => new Curve($"r{i + 1}", pr.T, pr.Residual(i), Color: i)));
        if (series.Particles is { } mr)
            residuals.AddRange(Enumerable.Range(0, n).Select(i => new Curve(null, mr.T, mr.Residual(i), Markers: particleMarkers, Color: i) { Thin = !particleMarkers }));
        if (series.Ntk is { } nr)
            residuals.AddRange(Enumerable.Range(0, n).Select(i => new Curve(null, nr.T, nr.Residual(i), Dashed: true, Color: i)));
        if (residuals.Count > 0)
        {
            if (series.Pde is not null) residuals.Add(new Curve("PDE", [], []) { Grey = true, LegendOnly = true });
            if (series.Particles is not null)
                residuals.Add(new Curve(particleMarkers ? "particles (markers)" : "particles (thin)", [], [], Markers: particleMarkers) { Grey = true, LegendOnly = true, Thin = !particleMarkers });
            if (series.Ntk is not null) residuals.Add(new Curve("NTK prediction", [], [], Dashed: true) { Grey = true, LegendOnly = true });
            yield return new ReportFigure("Residuals r_i(t) = f(p_t, x_i) − y_i, one colour per data point; the line style says which description: PDE solid, "
                + "particles " + (particleMarkers ? "with markers" : "thin") + ", NTK prediction dashed."
                + (r.Configuration.Problem.Lambda > 0 ? " The residuals do not go to 0: the entropic term λ KL(p‖p0) keeps the network from interpolating the data." : ""),
                [("residuals", Charts.Lines("Residuals", "t", "r_i", residuals))]);
        }

        // How far apart the descriptions are: PDE vs NTK (the lazy-regime error), particles vs PDE (finite width).
        var gaps = new List<Curve>();
        if (series.Pde is { } a && series.Ntk is { } b)
            gaps.Add(new Curve("max_i |r_i PDE − r_i NTK|", a.T, a.T.Select((_, k) => Numerics.Norms.MaxAbsDifference(a.Residuals[k], b.Residuals[k])).ToArray()));
        if (series.Pde is { } c && series.Particles is { } e)
            gaps.Add(new Curve("max_i |r_i particles − r_i PDE|", c.T, c.T.Select((_, k) => Numerics.Norms.MaxAbsDifference(e.Residuals[k], c.Residuals[k])).ToArray(), Color: 1));
        if (r.Comparison is { } cmp)
        {
            gaps.Add(new Curve($"W2 of the {(onSpan ? "ζ" : "θ")}-marginals (PDE, particles)", times, cmp.Select(x => x.W2Theta).ToArray(), Markers: true, Color: 4));
            gaps.Add(new Curve("W2 of the u-marginals (PDE, particles)", times, cmp.Select(x => x.W2U).ToArray(), Markers: true, Color: 5));
        }
        if (gaps.Count > 0)
        {
            string particleGap = "";
            if (r.Comparison is { } cg)
                particleGap = FormattableString.Invariant(
                    $" The residual gap of the particles starts at the sampling error of the initial network, of order m^(−1/2) = {Math.Pow(r.Configuration.Particles.Count, -0.5):G2} ")
                    + FormattableString.Invariant($"(here {cg[0].MaxResidualDifference:G2}); training fits both networks to the same data and contracts it (here {cg[^1].MaxResidualDifference:G2} at t = {T(times[^1])}), ")
                    + "so later values are the finite-width (and time-step) error of the dynamics. The W2 of the one-dimensional marginals (exact 1D transport "
                    + "between the PDE's marginal densities, piecewise constant on the cells, and the particles) is, at t = 0, where the particles are independent samples of p0, "
                    + "sampling noise (the grid's piecewise-constant marginal adds only O(Δ²)): later values near it mean agreement within what m particles resolve.";
            yield return new ReportFigure(
                "Distances between the descriptions, log scale over five decades below the largest value. The PDE against its linearization (NTK): 0 at t = 0 and growing like t² at first, "
                + "it shows when the lazy regime ends." + particleGap,
                [("distances", Charts.Lines("Distances between PDE, NTK and particles", "t", "distance", gaps, logY: true, logFloor: 1e-5))]);
        }

        // W2 over time, with the sampling floor of the particles (measured, else a labelled stand-in). A value known only as
        // a wide bracket is not drawn as a point: its certified bracket is a band.
        var w2 = new List<Curve>();
        var bands = new List<Band>();
        var brackets = new List<string>(); // named in the caption: a narrow band (W2(p_0, p0) = 0 in [0, 4e-9]) is too thin to see
        void AddW2(string label, W2Value[] values, int color)
        {
            w2.Add(new Curve(label, times, values.Select(v => v.Shown).ToArray(), Markers: true, Color: color));
            if (values.Any(v => !v.IsNumber))
            {
                bands.Add(new Band($"{label}: certified bracket", times, values.Select(v => v.Lower).ToArray(), values.Select(v => v.Upper).ToArray(), color));
                for (int k = 0; k < values.Length; k++)
                    if (!values[k].IsNumber)
                        brackets.Add(FormattableString.Invariant($"{label} at t = {T(times[k])} in [{values[k].Lower:G2}, {values[k].Upper:G2}]"));
            }
        }
        string floorNote = "";
        if (r.Pde is { } pw) AddW2("W2(p_t, p0), PDE", pw.Select(x => x.W2P0).ToArray(), 0);
        if (r.Particles is { } mw) AddW2("W2(particles, p0)", mw.Select(x => x.W2P0).ToArray(), 1);
        if (r.Comparison is { } cw)
        {
            AddW2("W2(PDE, particles)", cw.Select(x => x.W2).ToArray(), 2);
            if (cw.Any(x => x.HasFloor))
            {
                // The measured floor: what m exact samples of the PDE density show against it, as mean ± sd over repetitions.
                bands.Add(new Band("sampling floor (m samples of the PDE density)", times,
                    cw.Select(x => Math.Max(0, x.W2Floor - x.W2FloorSd)).ToArray(), cw.Select(x => x.W2Floor + x.W2FloorSd).ToArray(), 2));
                floorNote = FormattableString.Invariant(
                    $" The green band is the sampling floor, mean ± sd over seeded repetitions of the W2 between m = {r.Configuration.Particles.Count} independent samples of the PDE density and the density itself (comparison.csv's w2_floor, w2_floor_sd): ")
                    + "what W2(PDE, particles) would be if the particles followed the PDE exactly. A W2(PDE, particles) inside the band means the two agree to within what m particles resolve; "
                    + "a gap above it is the finite-width (and time-step) error of the particles. The same noise is why W2(particles, p0) lies above W2(p_t, p0).";
            }
            // Without a measured floor, a stand-in: at t = 0 the particles are m independent samples of p0, so
            // W2(PDE, particles) there is sampling noise (plus the grid's atoms) alone.
            else if (cw[0].W2.IsNumber)
            {
                double floor = cw[0].W2.Value;
                w2.Add(new Curve("stand-in floor: W2(PDE, particles) at t = 0", times, times.Select(_ => floor).ToArray(), Dashed: true, Color: 2));
                floorNote = FormattableString.Invariant(
                    $" The dashed line is a stand-in for the sampling floor (the W2 that m samples of the PDE density itself show against it): the value at t = 0, where the particles are m = {r.Configuration.Particles.Count} ")
                    + FormattableString.Invariant($"independent samples of p0 and W2(PDE, particles) = {floor:G3} is sampling noise plus the grid's cell-centre atoms (which add at most {grid.AtomicW2:G2}, w2_bounds.csv's grid_atomic). ")
                    + "A W2(PDE, particles) that stays near it means the two agree to within what m particles and the grid resolve; the same noise is why W2(particles, p0) lies above W2(p_t, p0).";
            }
        }
        if (w2.Count > 0)
            yield return new ReportFigure("Wasserstein distances at the output times only (markers; each is a transport problem solved at that time): values where known to 1 %, certified brackets as bands where only those are (w2_bounds.csv and the tables have every bound)."
                + (brackets.Count == 0 ? "" : " Known only as brackets (no marker): " + string.Join("; ", brackets.Take(4)) + (brackets.Count > 4 ? "; …" : "") + ".") + floorNote,
                [("w2", Charts.Lines("W2 distances", "t", "W2", w2, bands: bands))]);

        // Divergences of the PDE from p0; the particles' binned estimates are left out (biased, see the tables).
        if (series.Pde is { } pd)
            yield return new ReportFigure(
                "KL(p_t‖p0) and χ²(p_t‖p0) of the PDE against the discrete p0, log scale over five decades below the largest value (both start at 0 and grow like t² at first). The particles' binned KL and χ² "
                + "are not drawn: on a histogram with about ten particles per cell they are dominated by the binning bias and jump between outputs; "
                + "the particle table lists them, labelled binned.",
                [("divergences", Charts.Lines("Divergences from p0 (PDE)", "t", "value",
                    [new Curve("KL(p_t‖p0)", pd.T, pd.Kl), new Curve("χ²(p_t‖p0)", pd.T, pd.Chi2, Color: 1)], logY: true, logFloor: 1e-5))]);

        // On the span of the inputs the grid does not hold θ_⊥: orthogonal.csv checks the particles' θ_⊥ against its closed form.
        if (r.Particles is { } op && op.All(x => x.Orthogonal is { Dimension: > 0 }))
        {
            var o = op.Select(x => x.Orthogonal!).ToArray();
            yield return new ReportFigure(FormattableString.Invariant(
                $"The particles' θ_⊥ (their {o[0].Dimension} coordinates orthogonal to the span of the inputs, which the grid does not hold) against the closed-form law of the particle scheme ")
                + "(orthogonal.csv; the table below): z-scores, (statistic − its expectation)/(its standard deviation), of the squared error of the mean, the squared error of the covariance "
                + "and the squared cross-covariance with (ζ, u). Particles whose θ_⊥ follows that law give z of order 1 (the grey band is |z| ≤ 2); a z that grows with t "
                + "means θ_⊥ is not the independent Ornstein–Uhlenbeck factor the reduction rests on.",
                [("orthogonal", Charts.Lines("θ_⊥ of the particles against its closed-form law", "t", "z-score",
                    [new Curve("mean", times, o.Select(x => x.MeanZ).ToArray(), Markers: true, Color: 0),
                     new Curve("covariance", times, o.Select(x => x.CovarianceZ).ToArray(), Markers: true, Color: 1),
                     new Curve("cross-covariance with (ζ, u)", times, o.Select(x => x.CrossZ).ToArray(), Markers: true, Color: 2)],
                    bands: [new Band("|z| ≤ 2", times, times.Select(_ => -2.0).ToArray(), times.Select(_ => 2.0).ToArray(), 7)]))]);
        }
    }

    /// <summary>The scheme's discrete stationary state p*_h on the run's grid, or null when there is no PDE or Newton does not converge.</summary>
    public static StationaryResult? Stationary(RunResults r)
    {
        if (r.Pde is null) return null;
        try
        {
            var result = new StationarySolver(r.Configuration.Problem.ToProblem()).SolveOnGrid(r.Grid);
            return result.Converged ? result : null;
        }
        catch (Exception e) when (e is InputException or ArithmeticException or InvalidOperationException) { return null; }
    }

    // θ and u marginals of the PDE (lines) against histograms of the particles (stairs), with p0's marginal for reference.
    private static IEnumerable<ReportFigure> MarginalFigures(RunResults r)
    {
        if (r.Pde is not { } pde) yield break;
        var grid = r.Grid;
        int last = r.Times.Length - 1;
        foreach (int k in new[] { last / 2, last }.Where(k => k > 0).Distinct())
        {
            string t = T(r.Times[k]);
            var panels = new List<(string, PlotModel)>();
            foreach (int axis in new[] { 0, grid.UAxis })
            {
                string name = DensityImages.AxisName(grid, axis, r.Reduction is not null);
                var (x, density) = DensityImages.Marginal1D(grid, pde[k].Density, axis);
                var (_, initial) = DensityImages.Marginal1D(grid, pde[0].Density, axis);
                var curves = new List<Curve> { new("PDE at t = 0", x, initial, Dashed: true) { Grey = true }, new($"PDE, t = {t}", x, density, Color: 0) };
                if (r.Particles is { } particles)
                {
                    var (edges, histogram) = DensityImages.Histogram1D(grid, particles[k].Positions, axis);
                    curves.Add(new Curve($"particles, t = {t} ({edges.Length - 1} bins)", edges, histogram, Color: 1) { Stairs = true });
                }
                double max = density.Max(), lo = x.Where((_, i) => density[i] > 1e-4 * max).Min(), hi = x.Where((_, i) => density[i] > 1e-4 * max).Max();
                double pad = 0.1 * (hi - lo);
                panels.Add(($"marginal-{(axis == grid.UAxis ? "u" : "theta")}-{SnapshotFile.Name(k)}",
                    Charts.Lines($"{name}-marginal, t = {t}", name, "density", curves, xRange: (lo - pad, hi + pad))));
            }
            yield return new ReportFigure(
                $"Marginal densities of {DensityImages.AxisName(grid, 0, r.Reduction is not null)} (left) and u (right) at t = {t}: the PDE (blue) against a histogram of the particles (red steps), "
                + "with the marginal at t = 0 in grey. In the mean-field limit the histogram follows the blue line up to sampling noise "
                + "(about 1/√(particles per bin)). The gap between grey and blue is how far training moved each layer's weights on their own; "
                + $"what the marginals cannot show, the dependence between {(r.Reduction is null ? "θ" : "ζ")} and u that training creates, is in the change maps above.",
                panels);
        }
    }

    private static IEnumerable<int> SnapshotIndices(int count) =>
        count <= 3 ? Enumerable.Range(0, count) : new[] { 0, count / 2, count - 1 }.Distinct();

    private static List<(double X, double Y)> Cloud(double[] z, int dim, int a, int b) =>
        Enumerable.Range(0, z.Length / dim).Select(j => (z[j * dim + a], z[j * dim + b])).ToList();

    private static string Source(Series s) => s.Dense
        ? $"the {s.Count} rows of diagnostics.csv (dense at the start)" : "the output times";

    /// <summary>Curves over time, from the diagnostics rows when there are any, else from the output-time records.</summary>
    private sealed record Series(PdeSeries? Pde, ResidualSeries? Particles, ResidualSeries? Ntk, bool Dense, int Count)
    {
        public static Series Of(RunResults r)
        {
            if (r.Diagnostics is { Count: > 0 } d)
            {
                var t = d.Select(x => x.Time).ToArray();
                return new Series(
                    d[0].Pde is null ? null : new PdeSeries(t, d.Select(x => x.Pde!.Loss).ToArray(), d.Select(x => x.Pde!.FreeEnergy).ToArray(),
                        d.Select(x => x.Pde!.KlP0).ToArray(), d.Select(x => x.Pde!.Chi2P0).ToArray(), d.Select(x => x.Pde!.Residuals).ToArray()),
                    d[0].Particles is null ? null : new ResidualSeries(d.Select(x => x.Particles!.Time).ToArray(), d.Select(x => x.Particles!.Residuals).ToArray()),
                    d[0].NtkResiduals is null ? null : new ResidualSeries(t, d.Select(x => x.NtkResiduals!).ToArray()),
                    true, d.Count);
            }
            var times = r.Times;
            return new Series(
                r.Pde is { } p ? new PdeSeries(times, p.Select(x => x.Diagnostics.Loss).ToArray(), p.Select(x => x.Diagnostics.FreeEnergy).ToArray(),
                    p.Select(x => x.Diagnostics.KlP0).ToArray(), p.Select(x => x.Diagnostics.Chi2P0).ToArray(), p.Select(x => x.Diagnostics.Residuals).ToArray()) : null,
                r.Particles is { } m ? new ResidualSeries(times, m.Select(x => x.Residuals).ToArray()) : null,
                r.Ntk is { } q ? new ResidualSeries(times, q.Select(x => x.Residuals).ToArray()) : null,
                false, times.Length);
        }
    }

    private sealed record PdeSeries(double[] T, double[] Loss, double[] FreeEnergy, double[] Kl, double[] Chi2, double[][] Residuals)
    {
        public double[] Residual(int i) => Residuals.Select(r => r[i]).ToArray();
    }

    private sealed record ResidualSeries(double[] T, double[][] Residuals)
    {
        public double[] Loss => Residuals.Select(r => r.Sum(v => v * v) / r.Length).ToArray();
        public double[] Residual(int i) => Residuals.Select(r => r[i]).ToArray();
    }
}
