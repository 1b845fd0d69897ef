using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FokkerPlanckNtk.Spectral;

/// <summary>
/// The one kernel of the spectral transforms: C (+)= A·B for small row-major matrices (a few hundred rows and
/// columns), C's rows accumulated four rows of B at a time with <see cref="Vector{T}"/> (one load/store of C per
/// four fused multiply–adds). Every output row is computed by one thread in a fixed order, so results do not
/// depend on the thread count. Tensor-product transforms are sequences of such products along one axis.
/// </summary>
internal static class MatrixKernels
{
    /// <summary>C[rows × cols] = (or +=) A[rows × inner] · B[inner × cols].</summary>
    public static void Multiply(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c, int rows, int inner, int cols, bool accumulate)
    {
        for (int i = 0; i < rows; i++)
            MultiplyRow(a.Slice(i * inner, inner), b, c.Slice(i * cols, cols), inner, cols, accumulate);
    }

    /// <summary>c[cols] = (or +=) Σ_k a[k] B[k, :].</summary>
    public static void MultiplyRow(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c, int inner, int cols, bool accumulate)
    {
        if (a.Length < inner || b.Length < inner * cols || c.Length < cols)
            throw new ArgumentException("matrix sizes do not match the spans");
        if (!accumulate) c.Clear();
        ref double bRef = ref MemoryMarshal.GetReference(b);
        ref double cRef = ref MemoryMarshal.GetReference(c);
        int w = Vector<double>.Count;
        int vecEnd = cols - cols % w;
        int k = 0;
        for (; k + 4 <= inner; k += 4)
        {
            double a0 = a[k], a1 = a[k + 1], a2 = a[k + 2], a3 = a[k + 3];
            if (a0 == 0 && a1 == 0 && a2 == 0 && a3 == 0) continue;
            var v0 = new Vector<double>(a0);
            var v1 = new Vector<double>(a1);
            var v2 = new Vector<double>(a2);
            var v3 = new Vector<double>(a3);
            ref double b0 = ref Unsafe.Add(ref bRef, k * cols);
            ref double b1 = ref Unsafe.Add(ref b0, cols);
            ref double b2 = ref Unsafe.Add(ref b1, cols);
            ref double b3 = ref Unsafe.Add(ref b2, cols);
            int j = 0;
            for (; j < vecEnd; j += w)
            {
                ref double cj = ref Unsafe.Add(ref cRef, j);
                var acc = Vector.LoadUnsafe(ref cj);
                acc += v0 * Vector.LoadUnsafe(ref Unsafe.Add(ref b0, j));
                acc += v1 * Vector.LoadUnsafe(ref Unsafe.Add(ref b1, j));
                acc += v2 * Vector.LoadUnsafe(ref Unsafe.Add(ref b2, j));
                acc += v3 * Vector.LoadUnsafe(ref Unsafe.Add(ref b3, j));
                acc.StoreUnsafe(ref cj);
            }
            for (; j < cols; j++)
                Unsafe.Add(ref cRef, j) += a0 * Unsafe.Add(ref b0, j) + a1 * Unsafe.Add(ref b1, j)
                    + a2 * Unsafe.Add(ref b2, j) + a3 * Unsafe.Add(ref b3, j);
        }
        for (; k < inner; k++)
        {
            double ak = a[k];
            if (ak == 0) continue;
            var vk = new Vector<double>(ak);
            ref double bk = ref Unsafe.Add(ref bRef, k * cols);
            int j = 0;
            for (; j < vecEnd; j += w)
            {
                ref double cj = ref Unsafe.Add(ref cRef, j);
                (Vector.LoadUnsafe(ref cj) + vk * Vector.LoadUnsafe(ref Unsafe.Add(ref bk, j))).StoreUnsafe(ref cj);
            }
            for (; j < cols; j++) Unsafe.Add(ref cRef, j) += ak * Unsafe.Add(ref bk, j);
        }
    }
}
