namespace FokkerPlanckNtk.Metrics.SemiDiscrete;

/// <summary>
/// What one evaluation of the semi-discrete dual needs, per atom i with Laguerre cell
/// L_i(ψ) = {x in the box : |x − y_i|² − ψ_i ≤ |x − y_j|² − ψ_j for all j}:
/// the mass m_i = ∫_{L_i} ρ, the cost c_i = ∫_{L_i} |x − y_i|² ρ, and (when asked) the facets:
/// for each neighbour j, w_ij = ∫_{L_i ∩ L_j} ρ dσ / (2|y_i − y_j|), the Hessian's off-diagonal weights.
/// </summary>
internal sealed class CellIntegrals(int count)
{
    public double[] Mass { get; } = new double[count];
    public double[] Cost { get; } = new double[count];

    /// <summary>CSR rows of the facet weights: atom i's neighbours are FacetAtom[FacetStart[i]..FacetStart[i + 1]).</summary>
    public int[] FacetStart { get; } = new int[count + 1];

    public int[] FacetAtom { get; set; } = [];
    public double[] FacetWeight { get; set; } = [];
    public bool HasFacets { get; set; }
}

/// <summary>
/// Laguerre cells of weighted atoms clipped to a box grid carrying a piecewise-constant density, and their
/// exact integrals. Each cell is built on its own (so the work splits over atoms in fixed blocks and the
/// result does not depend on the thread count): start from the box, clip by the power bisectors of the
/// nearest atoms, then by every atom that can still cut the cell (the security test of
/// <see cref="AtomTree.Cutting(int, ReadOnlySpan{double}, ReadOnlySpan{double}, ref int[])"/>), then split the polygon/polyhedron along the grid lines and integrate
/// each piece with its cell's density.
/// </summary>
internal abstract class LaguerreCells
{
    protected LaguerreCells(DensityBox box, double[] atoms)
    {
        Box = box;
        Atoms = atoms;
        Count = atoms.Length / box.Dimension;
        Tree = new AtomTree(atoms, box.Dimension);
    }

    public static LaguerreCells Create(DensityBox box, double[] atoms) => box.Dimension switch
    {
        2 => new LaguerreCells2D(box, atoms),
        3 => new LaguerreCells3D(box, atoms),
        _ => throw new ArgumentException($"semi-discrete transport is implemented for 2 and 3 axes, not {box.Dimension}"),
    };

    public DensityBox Box { get; }
    public double[] Atoms { get; }
    public int Count { get; }
    public AtomTree Tree { get; }

    private const int BlockSize = 512;

    /// <summary>
    /// Integrates every cell at weights ψ; facets only when <paramref name="facets"/>. The facet rows of
    /// <paramref name="hint"/> (an earlier evaluation), when given, are each cell's first clipping candidates:
    /// the exact security search after them makes the result independent of the hint up to round-off.
    /// </summary>
    public void Evaluate(ReadOnlySpan<double> psi, CellIntegrals result, bool facets, CancellationToken cancellation, CellIntegrals? hint = null)
    {
        _hint = hint is { HasFacets: true } ? hint : null;
        if (_weights.Length != Count) _weights = new double[Count];
        var weights = _weights;
        psi.CopyTo(weights);
        Tree.SetWeights(weights);
        int blocks = (Count + BlockSize - 1) / BlockSize;
        // The blocks' facet lists are kept from one evaluation to the next (a solve makes tens of evaluations: no regrowth).
        var blockFacets = facets ? _blockFacets ??= new FacetList[blocks] : null;
        Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = Parallelism.Threads, CancellationToken = cancellation },
            () => CreateScratch(),
            (b, _, scratch) =>
            {
                var list = blockFacets is null ? null : blockFacets[b] ??= new FacetList();
                list?.Clear();
                int end = Math.Min(Count, (b + 1) * BlockSize);
                for (int i = b * BlockSize; i < end; i++)
                {
                    scratch.Facets.Clear();
                    var (m, c) = Integrate(i, weights, scratch, facets);
                    result.Mass[i] = m;
                    result.Cost[i] = c;
                    if (list is not null) list.Append(i, scratch.Facets, Atoms, Box.Dimension);
                }
                return scratch;
            },
            _ => { });
        result.HasFacets = facets;
        if (blockFacets is null) return;
        int total = blockFacets.Sum(l => l.Count);
        if (result.FacetAtom.Length < total)
        {
            result.FacetAtom = new int[total];
            result.FacetWeight = new double[total];
        }
        int at = 0;
        result.FacetStart[0] = 0;
        foreach (var list in blockFacets)
        {
            for (int r = 0; r < list.Rows; r++) result.FacetStart[list.RowAtom[r] + 1] = at + list.RowEnd[r];
            Array.Copy(list.Atom, 0, result.FacetAtom, at, list.Count);
            Array.Copy(list.Weight, 0, result.FacetWeight, at, list.Count);
            at += list.Count;
        }
    }

    private CellIntegrals? _hint;
    private FacetList[]? _blockFacets;
    private double[] _weights = [];

    /// <summary>|y_i − y_j|² of each atom's nearest other atom (+∞ for a single atom).</summary>
    public double[] NearestDistances2()
    {
        var result = new double[Count];
        if (Count < 2) { Array.Fill(result, double.PositiveInfinity); return result; }
        Parallel.For(0, Count, Parallelism.Options, () => (new int[1], new double[1]), (i, _, buffers) =>
        {
            Tree.Nearest(i, 1, buffers.Item1, buffers.Item2);
            result[i] = buffers.Item2[0];
            return buffers;
        }, _ => { });
        return result;
    }

    /// <summary>Copies atom i's neighbours of the hint into <paramref name="near"/> (grown as needed); −1 without a hint.</summary>
    protected int Hint(int i, int[] near)
    {
        if (_hint is null) return -1;
        int a = _hint.FacetStart[i], b = _hint.FacetStart[i + 1];
        int n = Math.Min(b - a, near.Length);
        Array.Copy(_hint.FacetAtom, a, near, 0, n);
        return n;
    }

    protected abstract Scratch CreateScratch();

    /// <summary>Mass and cost of cell i; facet integrals ∫ρ dσ per neighbour into <see cref="Scratch.Facets"/>.</summary>
    protected abstract (double Mass, double Cost) Integrate(int i, double[] psi, Scratch scratch, bool facets);

    /// <summary>Per-thread buffers.</summary>
    protected class Scratch
    {
        public FacetAccumulator Facets { get; } = new();
        public int[] Near = new int[32];
        public double[] NearDistance = new double[32];
        public int[] Candidates = new int[64];
    }

    /// <summary>∫ρ dσ per neighbour of one cell (few neighbours: linear search).</summary>
    protected sealed class FacetAccumulator
    {
        public int[] Atom = new int[32];
        public double[] Measure = new double[32];
        public int Count;

        public void Clear() => Count = 0;

        public void Add(int atom, double measure)
        {
            for (int k = 0; k < Count; k++)
                if (Atom[k] == atom) { Measure[k] += measure; return; }
            if (Count == Atom.Length)
            {
                Array.Resize(ref Atom, 2 * Count);
                Array.Resize(ref Measure, 2 * Count);
            }
            Atom[Count] = atom;
            Measure[Count++] = measure;
        }
    }

    /// <summary>Facet rows of one block of atoms (rows in atom order, weights divided by 2|y_i − y_j|; facets where
    /// ρ = 0 are kept with weight 0, as neighbour hints).</summary>
    private sealed class FacetList
    {
        public int[] Atom = new int[1024];
        public double[] Weight = new double[1024];
        public int Count;
        public int[] RowAtom = new int[BlockSize];
        public int[] RowEnd = new int[BlockSize];
        public int Rows;

        public void Clear() => Count = Rows = 0;

        public void Append(int i, FacetAccumulator f, double[] atoms, int dim)
        {
            for (int k = 0; k < f.Count; k++)
            {
                int j = f.Atom[k];
                double d2 = 0;
                for (int c = 0; c < dim; c++) { double t = atoms[j * dim + c] - atoms[i * dim + c]; d2 += t * t; }
                if (Count == Atom.Length)
                {
                    Array.Resize(ref Atom, 2 * Count);
                    Array.Resize(ref Weight, 2 * Count);
                }
                Atom[Count] = j;
                Weight[Count++] = f.Measure[k] / (2 * Math.Sqrt(d2));
            }
            RowAtom[Rows] = i;
            RowEnd[Rows++] = Count;
        }
    }
}
