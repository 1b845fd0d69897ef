using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FokkerPlanckNtk.Model;

namespace FokkerPlanckNtk.Particles;

/// <summary>
/// The finite-width network trained by noisy gradient descent (Algorithm 1) on the mean-field time scale
/// of docs/mathematics.md (the particle system): m neurons z_j = (θ_j, u_j) move by Euler–Maruyama,
/// <c>z ← z − η ∇Ψ_m(z) + sqrt(2λη) ξ</c>, where Ψ_m uses the residuals r^m of the empirical network
/// <c>f_m(x) = (α/m) Σ_j u_j σ(θ_j·x)</c>. Time is <c>t = kη</c> after k steps.
/// </summary>
/// <remarks>
/// <para>Layout: structure of arrays (one array per θ coordinate, one for u), cut into fixed blocks of
/// <see cref="BlockSize"/> particles. A step is one parallel pass over the blocks: gradient at the current
/// positions, noise, update, then σ(θ·x_i) at the new positions and the block's partial sums
/// <c>Σ_j u_j σ(θ_j·x_i)</c>. The partial sums are combined in block order after the pass, so the residuals
/// of the next step (and every result) are the same for any thread count. The σ table of the current
/// positions is kept between steps, so each step evaluates the activation once per (particle, sample)
/// (tanh, sigmoid and the linear activation give σ' from σ; other activations add one σ' evaluation).</para>
/// <para>Noise: the normals of block b at step k are a pure function of (seed, k, b)
/// (<see cref="ParticleNoise"/>), so (positions, step index, seed) is the whole state: see
/// <see cref="State"/> for checkpoints that resume bit for bit.</para>
/// </remarks>
public sealed class ParticleSystem
{
    /// <summary>Particles per block: the unit of parallel work and of the random streams (fixed: changing
    /// it changes the random numbers).</summary>
    public const int BlockSize = 512;

    /// <summary>Largest seed: 2^53 − 1, the largest integer every JSON reader holds exactly.</summary>
    public const long MaxSeed = (1L << 53) - 1;

    /// <summary>
    /// A coordinate beyond this size (or non-finite) means the time stepping is unstable. A converging
    /// run stays far below it: the confinement λ|z|²/2 keeps the particles where the free energy is finite.
    /// </summary>
    public const double ExplosionBound = 1e8;

    private const int InitialStream = 0, DynamicsStream = 1;

    private readonly int _m, _d, _n, _blocks;
    private readonly double _alpha, _eta, _decay, _noiseScale;
    private readonly double[] _x;        // n × d, row-major
    private readonly double[] _y;
    private readonly double[][] _theta;  // d arrays of length m
    private readonly double[] _u;
    private readonly double[] _sigma;    // σ(θ_j·x_i) at the current positions: per block, n rows of its length
    private readonly double[] _partial;  // blocks × n partial sums Σ_{j∈b} u_j σ(θ_j·x_i)
    private readonly double[] _blockMax; // max |z| per block after the last pass
    private readonly double[] _residuals;
    private readonly double[] _coupling; // c_i = (2α/n) r_i
    private readonly double[] _couplingX; // c_i x_ik, n × d
    private readonly Activation _activation;
    private readonly DerivativeSource _derivative;
    private readonly Action<int> _stepBlock, _evaluateBlock;

    [ThreadStatic] private static Scratch? t_scratch;

    private interface IThetaDimension { static abstract int Value { get; } }
    private readonly struct One : IThetaDimension { public static int Value => 1; }
    private readonly struct Two : IThetaDimension { public static int Value => 2; }
    private readonly struct Three : IThetaDimension { public static int Value => 3; }

    /// <summary>m particles drawn i.i.d. from the problem's initial law with the given seed.</summary>
    /// <param name="problem">The mean-field problem (activation, α, λ, data, initial law).</param>
    /// <param name="count">m ≥ 1 (<c>particles.count</c>).</param>
    /// <param name="step">η &gt; 0 (<c>particles.step</c>).</param>
    /// <param name="seed">0 ≤ seed ≤ <see cref="MaxSeed"/> (<c>particles.seed</c>).</param>
    public ParticleSystem(Problem problem, int count, double step, long seed)
        : this(problem, InputException.RequireAtLeast("particles.count", count, 1), step, seed, steps: 0)
    {
        var law = problem.Initial.ToGaussian();
        InitializeFromLaw(law.Mean, law.CholeskyFactor);
        Evaluate();
    }

    /// <summary>m particles drawn i.i.d. from the problem's initial law (<see cref="ParticleOptions"/>: m, η, seed).</summary>
    public ParticleSystem(Problem problem, ParticleOptions options) : this(problem, options.Count, options.Step, options.Seed) { }

    /// <summary>Resumes from a <see cref="State"/> captured by <see cref="Capture"/>: the continuation is
    /// bit-identical to the uninterrupted run.</summary>
    public ParticleSystem(Problem problem, State state)
        : this(problem, ValidateState(problem, state).Count, state.StepSize, state.Seed, state.Steps)
    {
        int dim = _d + 1;
        for (int j = 0; j < _m; j++)
        {
            for (int k = 0; k < _d; k++) _theta[k][j] = state.Positions[j * dim + k];
            _u[j] = state.Positions[j * dim + _d];
        }
        Evaluate();
    }

    private ParticleSystem(Problem problem, int count, double step, long seed, long steps)
    {
        if (!(step > 0) || !double.IsFinite(step))
            throw new InputException("particles.step", step, "must be a finite positive number (the Euler–Maruyama step η)");
        if (seed < 0 || seed > MaxSeed)
            throw new InputException("particles.seed", seed, $"must be an integer in 0..{MaxSeed} (2^53 − 1)");
        Problem = problem;
        _m = count;
        _d = problem.Dimension;
        _n = problem.SampleCount;
        _blocks = (count + BlockSize - 1) / BlockSize;
        _alpha = problem.Alpha;
        _eta = step;
        _decay = 1 - step * problem.Lambda;
        _noiseScale = Math.Sqrt(2 * problem.Lambda * step);
        _x = problem.Data.XFlat.ToArray();
        _y = problem.Data.Y.ToArray();
        _theta = new double[_d][];
        for (int k = 0; k < _d; k++) _theta[k] = new double[count];
        _u = new double[count];
        _sigma = new double[(long)count * _n <= Array.MaxLength ? count * _n
            : throw new InputException("particles.count", count, $"m·n = {(long)count * _n} values do not fit in memory; use fewer particles")];
        _partial = new double[_blocks * _n];
        _blockMax = new double[_blocks];
        _residuals = new double[_n];
        _coupling = new double[_n];
        _couplingX = new double[_n * _d];
        _activation = problem.Activation;
        _derivative = DerivativeKernels.For(problem.Activation);
        Seed = seed;
        Steps = steps;
        _stepBlock = b => ProcessBlock(b, update: true);
        _evaluateBlock = b => ProcessBlock(b, update: false);
    }

    /// <summary>The whole state of a simulation: with the problem, it determines every later step.</summary>
    /// <param name="Count">m.</param>
    /// <param name="Dimension">d + 1, the length of z = (θ_1..θ_d, u).</param>
    /// <param name="StepSize">η.</param>
    /// <param name="Seed">The seed of the random streams.</param>
    /// <param name="Steps">Steps taken so far (t = Steps·η).</param>
    /// <param name="Positions">m × (d + 1), row-major, (θ_1..θ_d, u) per particle.</param>
    public sealed record State(int Count, int Dimension, double StepSize, long Seed, long Steps, double[] Positions);

    /// <summary>The problem the network is trained on.</summary>
    public Problem Problem { get; }

    /// <summary>m.</summary>
    public int Count => _m;

    /// <summary>d + 1.</summary>
    public int Dimension => _d + 1;

    /// <summary>η.</summary>
    public double StepSize => _eta;

    /// <summary>The random seed (results do not depend on the thread count).</summary>
    public long Seed { get; }

    /// <summary>k, the number of steps taken.</summary>
    public long Steps { get; private set; }

    /// <summary>t = kη.</summary>
    public double Time => Steps * _eta;

    /// <summary>r_i^m = f_m(x_i) − y_i at the current positions.</summary>
    public ReadOnlySpan<double> Residuals => _residuals;

    /// <summary>L = (1/n) Σ_i (r_i^m)².</summary>
    public double Loss => TensorPrimitives.SumOfSquares<double>(_residuals) / _n;

    /// <summary>θ_k of all particles (k &lt; d).</summary>
    public ReadOnlySpan<double> Theta(int k) => _theta[k];

    /// <summary>u of all particles.</summary>
    public ReadOnlySpan<double> U => _u;

    internal double[] ThetaArray(int k) => _theta[k];
    internal double[] UArray => _u;

    /// <summary>Coordinate <paramref name="axis"/> of all particles (θ axes first, u last, as on the grid).</summary>
    public ReadOnlySpan<double> Coordinate(int axis) => axis < _d ? _theta[axis] : _u;

    /// <summary>Positions as m × (d + 1), row-major (the layout of <c>snapshots.h5</c>).</summary>
    public double[] Positions()
    {
        int dim = _d + 1;
        var z = new double[_m * dim];
        for (int j = 0; j < _m; j++)
        {
            for (int k = 0; k < _d; k++) z[j * dim + k] = _theta[k][j];
            z[j * dim + _d] = _u[j];
        }
        return z;
    }

    /// <summary>The state for a checkpoint; <see cref="ParticleSystem(Problem, State)"/> resumes from it.</summary>
    public State Capture() => new(_m, _d + 1, _eta, Seed, Steps, Positions());

    /// <summary>The step count that lands nearest to <paramref name="time"/>: round(t/η), so |kη − t| ≤ η/2
    /// (exact when t is a multiple of η, which the step stays: η is never shortened).</summary>
    public long StepsFor(double time)
    {
        if (!(time >= 0) || !double.IsFinite(time))
            throw new InputException("time", time, "an output time must be a finite number >= 0");
        double k = Math.Round(time / _eta, MidpointRounding.AwayFromZero);
        if (k > long.MaxValue / 2)
            throw new InputException("time", time, $"needs more than 2^62 steps of η = {_eta.ToString("R", CultureInfo.InvariantCulture)}");
        return (long)k;
    }

    /// <summary>Advances to the step nearest to <paramref name="time"/> (see <see cref="StepsFor"/>).</summary>
    public void AdvanceTo(double time)
    {
        long target = StepsFor(time);
        if (target < Steps)
            throw new InputException("time", time,
                string.Create(CultureInfo.InvariantCulture, $"is before the particles' current time t = {Time:R}"));
        Advance(target - Steps);
    }

    /// <summary>Takes <paramref name="steps"/> Euler–Maruyama steps.</summary>
    public void Advance(long steps)
    {
        for (long s = 0; s < steps; s++) Step();
    }

    /// <summary>One Euler–Maruyama step. Throws <see cref="NumericalFailureException"/> (<c>particles.step</c>) if a
    /// coordinate leaves ±<see cref="ExplosionBound"/> or becomes non-finite; the system is unusable then.</summary>
    public void Step()
    {
        double scale = 2 * _alpha / _n;
        for (int i = 0; i < _n; i++)
        {
            _coupling[i] = scale * _residuals[i];
            for (int k = 0; k < _d; k++) _couplingX[i * _d + k] = _coupling[i] * _x[i * _d + k];
        }
        RunBlocks(_stepBlock);
        Steps++;
        Reduce();
    }

    private void Evaluate()
    {
        RunBlocks(_evaluateBlock);
        Reduce();
    }

    private void RunBlocks(Action<int> body)
    {
        if (Parallelism.Threads == 1 || _blocks == 1)
            for (int b = 0; b < _blocks; b++) body(b);
        else
            Parallel.For(0, _blocks, Parallelism.Options, body);
    }

    /// <summary>Residuals from the block partial sums, combined in block order; the explosion check.</summary>
    private void Reduce()
    {
        for (int i = 0; i < _n; i++)
        {
            double s = 0;
            for (int b = 0; b < _blocks; b++) s += _partial[b * _n + i];
            _residuals[i] = _alpha * s / _m - _y[i];
        }
        for (int b = 0; b < _blocks; b++)
        {
            if (!(_blockMax[b] <= ExplosionBound)) // also catches NaN
                throw new NumericalFailureException("the particles", Time, Steps, string.Create(CultureInfo.InvariantCulture,
                    $"a coordinate reached {_blockMax[b]:G6} (bound {ExplosionBound:G3}): Euler–Maruyama is unstable at η = {_eta:G3}; use a smaller particles.step"),
                    "particles.step");
        }
    }

    private void InitializeFromLaw(ReadOnlySpan<double> mean, double[,] cholesky)
    {
        var mu = mean.ToArray();
        int dim = _d + 1;
        Parallel.For(0, _blocks, Parallelism.Options, b =>
        {
            int start = b * BlockSize, len = Math.Min(BlockSize, _m - start);
            var noise = (t_scratch = Scratch.Ensure(t_scratch, _n, _d)).Noise.AsSpan(0, ParticleNoise.Padded(dim * len));
            ParticleNoise.Normals(ParticleNoise.Key(Seed, InitialStream, 0, b), noise);
            for (int k = 0; k < dim; k++)
            {
                var target = (k < _d ? _theta[k] : _u).AsSpan(start, len);
                target.Fill(mu[k]);
                for (int l = 0; l <= k; l++)
                    if (cholesky[k, l] != 0) // a zero adds nothing: O(d) per particle for p0, not O(d²)
                        TensorPrimitives.MultiplyAdd(noise.Slice(l * len, len), cholesky[k, l], target, target);
            }
        });
    }

    private void ProcessBlock(int b, bool update)
    {
        int start = b * BlockSize, len = Math.Min(BlockSize, _m - start);
        var scratch = t_scratch = Scratch.Ensure(t_scratch, _n, _d);
        var sigma = _sigma.AsSpan(start * _n, len * _n); // row i: sigma[i·len .. (i+1)·len)
        var u = _u.AsSpan(start, len);

        if (update)
        {
            ulong noise = ParticleNoise.Key(Seed, DynamicsStream, Steps, b);
            switch (_derivative)
            {
                case DerivativeSource.Tanh: Move<TanhDerivative>(start, len, sigma, sigma, noise); break;
                case DerivativeSource.Sigmoid: Move<SigmoidDerivative>(start, len, sigma, sigma, noise); break;
                case DerivativeSource.Linear: Move<LinearDerivative>(start, len, sigma, sigma, noise); break;
                default:
                    var d1 = scratch.Table(_n * len);
                    Project(start, len, d1);
                    _activation.D1(d1, d1);
                    Move<TabulatedDerivative>(start, len, sigma, d1, noise);
                    break;
            }
        }

        double max = TensorPrimitives.MaxMagnitude<double>(u);
        Project(start, len, sigma);
        _activation.Value(sigma, sigma); // all n rows of the block in one call
        for (int i = 0; i < _n; i++) _partial[b * _n + i] = TensorPrimitives.Dot<double>(u, sigma.Slice(i * len, len));
        for (int k = 0; k < _d; k++)
            max = MaxOrNaN(max, TensorPrimitives.MaxMagnitude<double>(_theta[k].AsSpan(start, len)));
        _blockMax[b] = max;
    }

    private static double MaxOrNaN(double a, double b) => double.IsNaN(a) || double.IsNaN(b) ? double.NaN : Math.Max(a, b);

    /// <summary>
    /// Row i of <paramref name="rows"/> (n rows of the block's length) = θ_j · x_i over the block, accumulated over
    /// k in order. The loop over k is outside, so each θ_k slice is read once for all n rows: in large d the
    /// block's θ (d slices) does not stay in cache between rows.
    /// </summary>
    private void Project(int start, int len, Span<double> rows)
    {
        for (int k = 0; k < _d; k++)
        {
            var theta = _theta[k].AsSpan(start, len);
            for (int i = 0; i < _n; i++)
            {
                var row = rows.Slice(i * len, len);
                if (k == 0) TensorPrimitives.Multiply(theta, _x[i * _d], row);
                else TensorPrimitives.MultiplyAdd(theta, _x[i * _d + k], row, row);
            }
        }
    }

    /// <summary>
    /// The Euler–Maruyama move of one block, in one pass over its particles:
    /// a_j = Σ_i c_i σ_ij and g_kj = Σ_i c_i x_ik σ'_ij (so ∂_u Ψ = a + λu and ∇_θ Ψ = u g + λθ), then
    /// θ_k ← (1 − ηλ)θ_k − η u g_k + s ξ_k and u ← (1 − ηλ)u − η a + s ξ_u with s = sqrt(2λη) (θ first: it
    /// uses the old u). σ' comes from <paramref name="source"/> through <typeparamref name="TD"/>.
    /// </summary>
    /// <remarks>The normals of the block are those of the key <paramref name="noiseKey"/>, in the order θ_1 row, …,
    /// θ_d row, u row (one row per coordinate, the block's length each).</remarks>
    private void Move<TD>(int start, int len, ReadOnlySpan<double> sigma, ReadOnlySpan<double> source, ulong noiseKey)
        where TD : struct, IDerivativeKernel
    {
        if (_d > 3)
        {
            MoveAnyDimension<TD>(start, len, sigma, source, new ParticleNoise.NormalStream(noiseKey));
            return;
        }
        var noise = t_scratch!.Noise.AsSpan(0, ParticleNoise.Padded((_d + 1) * len));
        ParticleNoise.Normals(noiseKey, noise);
        switch (_d)
        {
            case 1: Move<TD, One>(start, len, sigma, source, noise); break;
            case 2: Move<TD, Two>(start, len, sigma, source, noise); break;
            default: Move<TD, Three>(start, len, sigma, source, noise); break;
        }
    }

    /// <summary>
    /// <see cref="Move{TD}"/> for d = <typeparamref name="TDim"/> ≤ 3: the accumulators stay in registers
    /// (the d-branches are resolved when the method is compiled for each dimension).
    /// </summary>
    private void Move<TD, TDim>(int start, int len, ReadOnlySpan<double> sigma, ReadOnlySpan<double> source, ReadOnlySpan<double> noise)
        where TD : struct, IDerivativeKernel where TDim : struct, IThetaDimension
    {
        int width = Vector<double>.Count, d = TDim.Value, n = _n;
        double decay = _decay, eta = _eta, scale = _noiseScale;
        var vDecay = new Vector<double>(decay);
        var vEta = new Vector<double>(eta);
        var vScale = new Vector<double>(scale);
        ref double rs = ref MemoryMarshal.GetReference(sigma);
        ref double rd = ref MemoryMarshal.GetReference(source);
        ref double rn = ref MemoryMarshal.GetReference(noise);
        ref double ru = ref _u[start];
        ref double rt0 = ref _theta[0][start];
        ref double rt1 = ref d > 1 ? ref _theta[1][start] : ref rt0;
        ref double rt2 = ref d > 2 ? ref _theta[2][start] : ref rt0;
        ref double rc = ref _coupling[0];
        ref double rcx = ref _couplingX[0];  // c_i x_ik, n × d
        int j = 0;
        for (; j <= len - width; j += width)
        {
            Vector<double> a = default, g0 = default, g1 = default, g2 = default;
            for (int i = 0; i < n; i++)
            {
                nuint at = (nuint)(i * len + j);
                a = Vector.FusedMultiplyAdd(new Vector<double>(Unsafe.Add(ref rc, i)), Vector.LoadUnsafe(ref rs, at), a);
                var w = TD.D1(Vector.LoadUnsafe(ref rd, at));
                g0 = Vector.FusedMultiplyAdd(new Vector<double>(Unsafe.Add(ref rcx, i * d)), w, g0);
                if (d > 1) g1 = Vector.FusedMultiplyAdd(new Vector<double>(Unsafe.Add(ref rcx, i * d + 1)), w, g1);
                if (d > 2) g2 = Vector.FusedMultiplyAdd(new Vector<double>(Unsafe.Add(ref rcx, i * d + 2)), w, g2);
            }
            var u = Vector.LoadUnsafe(ref ru, (nuint)j);
            Vector.StoreUnsafe(vDecay * Vector.LoadUnsafe(ref rt0, (nuint)j) - vEta * (u * g0) + vScale * Vector.LoadUnsafe(ref rn, (nuint)j),
                ref rt0, (nuint)j);
            if (d > 1)
                Vector.StoreUnsafe(vDecay * Vector.LoadUnsafe(ref rt1, (nuint)j) - vEta * (u * g1) + vScale * Vector.LoadUnsafe(ref rn, (nuint)(len + j)),
                    ref rt1, (nuint)j);
            if (d > 2)
                Vector.StoreUnsafe(vDecay * Vector.LoadUnsafe(ref rt2, (nuint)j) - vEta * (u * g2) + vScale * Vector.LoadUnsafe(ref rn, (nuint)(2 * len + j)),
                    ref rt2, (nuint)j);
            Vector.StoreUnsafe(vDecay * u - vEta * a + vScale * Vector.LoadUnsafe(ref rn, (nuint)(d * len + j)), ref ru, (nuint)j);
        }
        for (; j < len; j++) // the same arithmetic, one particle at a time
        {
            double a = 0, g0 = 0, g1 = 0, g2 = 0;
            for (int i = 0; i < n; i++)
            {
                int at = i * len + j;
                a = Math.FusedMultiplyAdd(Unsafe.Add(ref rc, i), Unsafe.Add(ref rs, at), a);
                double w = TD.D1(Unsafe.Add(ref rd, at));
                g0 = Math.FusedMultiplyAdd(Unsafe.Add(ref rcx, i * d), w, g0);
                if (d > 1) g1 = Math.FusedMultiplyAdd(Unsafe.Add(ref rcx, i * d + 1), w, g1);
                if (d > 2) g2 = Math.FusedMultiplyAdd(Unsafe.Add(ref rcx, i * d + 2), w, g2);
            }
            double u = Unsafe.Add(ref ru, j);
            Unsafe.Add(ref rt0, j) = decay * Unsafe.Add(ref rt0, j) - eta * (u * g0) + scale * Unsafe.Add(ref rn, j);
            if (d > 1) Unsafe.Add(ref rt1, j) = decay * Unsafe.Add(ref rt1, j) - eta * (u * g1) + scale * Unsafe.Add(ref rn, len + j);
            if (d > 2) Unsafe.Add(ref rt2, j) = decay * Unsafe.Add(ref rt2, j) - eta * (u * g2) + scale * Unsafe.Add(ref rn, 2 * len + j);
            Unsafe.Add(ref ru, j) = decay * u - eta * a + scale * Unsafe.Add(ref rn, d * len + j);
        }
    }

    /// <summary>
    /// <see cref="Move{TD}"/> for d ≥ 4, in two passes over the block so that every θ_k slice is streamed once and
    /// its noise row drawn just before it is used (in cache; <see cref="ParticleNoise.NormalStream"/> gives the
    /// numbers of one draw of the whole block): first the products q_ij = u_j σ'_ij (n rows, in cache) and the u
    /// drift a_j = Σ_i c_i σ_ij, then for each k θ_k ← (1 − ηλ)θ_k − η Σ_i (c_i x_ik) q_i + s ξ_k, then
    /// u ← (1 − ηλ)u − η a + s ξ_u. (Per-particle accumulators, as in the d ≤ 3 kernel, would touch d arrays per
    /// particle, a cache line and a page each.) Cost O(n·d) per particle.
    /// </summary>
    private void MoveAnyDimension<TD>(int start, int len, ReadOnlySpan<double> sigma, ReadOnlySpan<double> source,
        ParticleNoise.NormalStream noise)
        where TD : struct, IDerivativeKernel
    {
        int width = Vector<double>.Count, d = _d, n = _n;
        double decay = _decay, eta = _eta, scale = _noiseScale;
        var vDecay = new Vector<double>(decay);
        var vEta = new Vector<double>(eta);
        var vScale = new Vector<double>(scale);
        var scratch = t_scratch!;
        var products = scratch.Products(n * len);
        var drift = scratch.Drift(len);
        var row = scratch.NoiseRow(len);
        ref double rs = ref MemoryMarshal.GetReference(sigma);
        ref double rd = ref MemoryMarshal.GetReference(source);
        ref double rq = ref MemoryMarshal.GetReference(products);
        ref double ra = ref MemoryMarshal.GetReference(drift);
        ref double rn = ref MemoryMarshal.GetReference(row);
        ref double ru = ref _u[start];
        ref double rc = ref _coupling[0];
        ref double rcx = ref _couplingX[0];  // c_i x_ik, n × d
        int j = 0;
        for (; j <= len - width; j += width)
        {
            var a = Vector<double>.Zero;
            var u = Vector.LoadUnsafe(ref ru, (nuint)j);
            for (int i = 0; i < n; i++)
            {
                nuint at = (nuint)(i * len + j);
                a = Vector.FusedMultiplyAdd(new Vector<double>(Unsafe.Add(ref rc, i)), Vector.LoadUnsafe(ref rs, at), a);
                Vector.StoreUnsafe(u * TD.D1(Vector.LoadUnsafe(ref rd, at)), ref rq, at);
            }
            Vector.StoreUnsafe(a, ref ra, (nuint)j);
        }
        for (; j < len; j++) // the same arithmetic, one particle at a time
        {
            double a = 0, u = Unsafe.Add(ref ru, j);
            for (int i = 0; i < n; i++)
            {
                int at = i * len + j;
                a = Math.FusedMultiplyAdd(Unsafe.Add(ref rc, i), Unsafe.Add(ref rs, at), a);
                Unsafe.Add(ref rq, at) = u * TD.D1(Unsafe.Add(ref rd, at));
            }
            Unsafe.Add(ref ra, j) = a;
        }
        for (int k = 0; k < d; k++)
        {
            noise.Fill(row);
            ref double rt = ref _theta[k][start];
            for (j = 0; j <= len - width; j += width)
            {
                var g = Vector<double>.Zero;
                for (int i = 0; i < n; i++)
                    g = Vector.FusedMultiplyAdd(new Vector<double>(Unsafe.Add(ref rcx, i * d + k)), Vector.LoadUnsafe(ref rq, (nuint)(i * len + j)), g);
                var t = vDecay * Vector.LoadUnsafe(ref rt, (nuint)j) - vEta * g + vScale * Vector.LoadUnsafe(ref rn, (nuint)j);
                Vector.StoreUnsafe(t, ref rt, (nuint)j);
            }
            for (; j < len; j++)
            {
                double g = 0;
                for (int i = 0; i < n; i++) g = Math.FusedMultiplyAdd(Unsafe.Add(ref rcx, i * d + k), Unsafe.Add(ref rq, i * len + j), g);
                Unsafe.Add(ref rt, j) = decay * Unsafe.Add(ref rt, j) - eta * g + scale * Unsafe.Add(ref rn, j);
            }
        }
        noise.Fill(row);
        for (j = 0; j <= len - width; j += width)
            Vector.StoreUnsafe(vDecay * Vector.LoadUnsafe(ref ru, (nuint)j) - vEta * Vector.LoadUnsafe(ref ra, (nuint)j)
                + vScale * Vector.LoadUnsafe(ref rn, (nuint)j), ref ru, (nuint)j);
        for (; j < len; j++)
            Unsafe.Add(ref ru, j) = decay * Unsafe.Add(ref ru, j) - eta * Unsafe.Add(ref ra, j) + scale * Unsafe.Add(ref rn, j);
    }

    private static State ValidateState(Problem problem, State state)
    {
        ArgumentNullException.ThrowIfNull(state);
        int dim = problem.Dimension + 1;
        InputException.RequireAtLeast("particles.count", state.Count, 1);
        if (state.Dimension != dim)
            throw new InputException("particles.state.dimension", state.Dimension, $"must be d + 1 = {dim} for this problem");
        if (state.Steps < 0)
            throw new InputException("particles.state.steps", state.Steps, "must be >= 0");
        if (state.Positions is null || state.Positions.LongLength != (long)state.Count * dim)
            throw new InputException("particles.state.positions", $"{state.Positions?.Length ?? 0} values",
                $"must hold m·(d + 1) = {(long)state.Count * dim} values");
        for (int j = 0; j < state.Positions.Length; j++)
            if (!double.IsFinite(state.Positions[j]))
                throw new InputException($"particles.state.positions[{j}]", state.Positions[j], "must be a finite number");
        return state;
    }

    /// <summary>Per-thread work arrays, reused across steps and systems (grown when a system needs more).</summary>
    private sealed class Scratch
    {
        private double[] _table = [];
        private double[] _products = [];
        private readonly double[] _drift = new double[BlockSize], _noiseRow = new double[BlockSize];

        private Scratch(int n, int d)
        {
            SampleCount = n;
            ThetaDimension = d;
            Noise = new double[ParticleNoise.Padded((d + 1) * BlockSize)];
        }

        public int SampleCount { get; }
        public int ThetaDimension { get; }
        public double[] Noise { get; }

        public Span<double> Table(int length)
        {
            if (_table.Length < length) _table = new double[SampleCount * BlockSize];
            return _table.AsSpan(0, length);
        }

        /// <summary>The n × block products u_j σ'_ij of the large-d move.</summary>
        public Span<double> Products(int length)
        {
            if (_products.Length < length) _products = new double[SampleCount * BlockSize];
            return _products.AsSpan(0, length);
        }

        /// <summary>The u drift of the block in the large-d move.</summary>
        public Span<double> Drift(int length) => _drift.AsSpan(0, length);

        /// <summary>One noise row of the block in the large-d move.</summary>
        public Span<double> NoiseRow(int length) => _noiseRow.AsSpan(0, length);

        public static Scratch Ensure(Scratch? s, int n, int d) =>
            s is not null && s.SampleCount >= n && s.ThetaDimension >= d ? s : new Scratch(Math.Max(n, s?.SampleCount ?? 0), Math.Max(d, s?.ThetaDimension ?? 0));
    }
}
