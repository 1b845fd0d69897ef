using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace FokkerPlanckNtk.IO;

/// <summary>
/// Writes a netCDF-4 file: HDF5 (superblock 2, version-2 object headers, one root group) whose dimensions are
/// HDF5 dimension scales exactly as netCDF-C writes them: <c>CLASS</c> (a 16-byte fixed string),
/// <c>NAME</c>, <c>_Netcdf4Dimid</c> and <c>REFERENCE_LIST</c> on each dimension, <c>DIMENSION_LIST</c>
/// (variable-length arrays of object references) on each variable. Strings are fixed-length, UTF-8, of
/// their own length; numbers little-endian; data contiguous and streamed from the caller's arrays.
/// </summary>
/// <remarks>
/// PureHDF (the project's HDF5 library, used to read these files) cannot write what netCDF needs: it has one
/// string length for a whole file (HDF5 recognises a dimension scale only when <c>CLASS</c> is exactly 16
/// bytes) and it cannot write the circular references between <c>DIMENSION_LIST</c> and
/// <c>REFERENCE_LIST</c>. The subset of HDF5 written here is small; the layout is planned in one pass
/// (every address field has a fixed width) and written in a second.
/// </remarks>
internal sealed class NetcdfWriter
{
    private sealed class Variable(string name, string[] dimensions, IReadOnlyList<Array> parts, Dictionary<string, object> attributes)
    {
        public string Name { get; } = name;
        public string[] Dimensions { get; } = dimensions;
        public IReadOnlyList<Array> Parts { get; } = parts;   // the data, concatenated in order (double[] or int[])
        public Dictionary<string, object> Attributes { get; } = attributes;
        public bool IsScale { get; init; }
        public bool IsPureDimension { get; init; }
        public int DimensionId { get; init; } = -1;
        public ulong[] Shape { get; set; } = [];
        public bool IsInteger => Parts.Count > 0 && Parts[0] is int[];
        // The element size: int32, float64, and float32 for a dimension without values (as netCDF-C writes it).
        public ulong ElementSize => IsInteger || IsPureDimension ? 4UL : 8UL;
        public ulong ByteCount => (ulong)Parts.Sum(p => (long)p.Length) * ElementSize;
        public ulong StorageSize => Shape.Aggregate(1UL, (a, b) => a * b) * ElementSize;
        public ulong HeaderAddress { get; set; }
        public ulong DataAddress { get; set; }
        public List<(Variable User, int Axis)> References { get; } = [];   // REFERENCE_LIST of a dimension
        public ulong[] DimensionListIds { get; set; } = [];                  // global-heap indices of DIMENSION_LIST
    }

    private readonly List<Variable> _variables = [];
    private readonly Dictionary<string, Variable> _dimensions = new(StringComparer.Ordinal);

    /// <summary>Global attributes: string, int, double, int[] or double[].</summary>
    public Dictionary<string, object> Attributes { get; } = new(StringComparer.Ordinal);

    /// <summary>A dimension with its coordinate variable (same name, values along it).</summary>
    public void Coordinate(string name, Array values, Dictionary<string, object> attributes) =>
        AddDimension(new Variable(name, [name], [values], attributes) { IsScale = true, DimensionId = _dimensions.Count });

    /// <summary>A dimension without a coordinate variable (netCDF-C's "dimension but not a variable").</summary>
    public void Dimension(string name, int length) =>
        AddDimension(new Variable(name, [name], [new float[0]], []) { IsScale = true, IsPureDimension = true, DimensionId = _dimensions.Count, Shape = [(ulong)length] });

    private void AddDimension(Variable scale)
    {
        if (!scale.IsPureDimension) scale.Shape = [(ulong)scale.Parts[0].Length];
        _dimensions.Add(scale.Name, scale);
        _variables.Add(scale);
    }

    /// <summary>A variable over named dimensions; its data is <paramref name="parts"/> concatenated (row-major, last dimension fastest).</summary>
    public void Add(string name, string[] dimensions, IReadOnlyList<Array> parts, Dictionary<string, object> attributes)
    {
        var variable = new Variable(name, dimensions, parts, attributes);
        variable.Shape = dimensions.Select(d => _dimensions[d].Shape[0]).ToArray();
        ulong count = variable.Shape.Aggregate(1UL, (a, b) => a * b);
        if ((ulong)parts.Sum(p => (long)p.Length) != count)
            throw new ArgumentException($"Variable {name} has {parts.Sum(p => (long)p.Length)} values, its dimensions {count}.");
        for (int axis = 0; axis < dimensions.Length; axis++) _dimensions[dimensions[axis]].References.Add((variable, axis));
        _variables.Add(variable);
    }

    /// <summary>Writes the file to a seekable or forward-only stream (nothing is written twice).</summary>
    public void Write(Stream stream)
    {
        // Plan: superblock, root group header, one header per variable, the global heap, then the data.
        const ulong superblockSize = 48;
        ulong heapIndex = 1;
        foreach (var v in _variables.Where(v => !v.IsScale))
            v.DimensionListIds = v.Dimensions.Select(_ => heapIndex++).ToArray();
        int heapObjects = (int)(heapIndex - 1);
        // Each heap object: a 16-byte header and one 8-byte reference; the collection has a 16-byte header and
        // ends with the free-space object (its header included), at least 4096 bytes in all.
        ulong heapSize = heapObjects == 0 ? 0 : Math.Max(4096UL, 16 + 24UL * (ulong)heapObjects + 16);

        ulong address = superblockSize + (ulong)RootHeader(0).Length;
        foreach (var v in _variables)
        {
            v.HeaderAddress = address;
            address += (ulong)VariableHeader(v, 0).Length;
        }
        ulong heapAddress = address;
        address += heapSize;
        foreach (var v in _variables)
        {
            address = (address + 7) / 8 * 8;
            v.DataAddress = v.ByteCount == 0 ? Undefined : address;
            address += v.ByteCount;
        }
        ulong end = address;

        var output = new CountingWriter(stream);
        output.Write(Superblock(end, superblockSize));
        output.Write(RootHeader(superblockSize));
        foreach (var v in _variables) output.Write(VariableHeader(v, heapAddress));
        if (heapSize > 0) output.Write(GlobalHeap(heapSize));
        foreach (var v in _variables)
        {
            if (v.ByteCount == 0) continue;
            output.Pad(v.DataAddress);
            foreach (var part in v.Parts)
                output.Write(part is int[] ints ? MemoryMarshal.AsBytes(ints.AsSpan()) : MemoryMarshal.AsBytes(((double[])part).AsSpan()));
        }
        if (output.Position != end) throw new InvalidOperationException("netCDF layout mismatch.");
    }

    private const ulong Undefined = ulong.MaxValue;

    private static byte[] Superblock(ulong end, ulong size)
    {
        var b = new Bytes();
        b.Raw([0x89, (byte)'H', (byte)'D', (byte)'F', 0x0d, 0x0a, 0x1a, 0x0a]);
        b.U8(2).U8(8).U8(8).U8(0);          // version 2, 8-byte offsets and lengths, no flags
        b.U64(0).U64(Undefined).U64(end).U64(size);   // base address, no extension, end of file, root group header
        return b.WithChecksum();
    }

    private byte[] RootHeader(ulong heapAddress)
    {
        var messages = new List<(byte Type, byte[] Data)>
        {
            (0x02, new Bytes().U8(0).U8(0).U64(Undefined).U64(Undefined).ToArray()),   // link info: links stored compactly
            (0x0A, new Bytes().U8(0).U8(0).ToArray()),                                // group info: library defaults
        };
        foreach (var v in _variables)
        {
            var name = Encoding.UTF8.GetBytes(v.Name);
            // version 1, flags: 2-byte name length, character set present (UTF-8); a hard link.
            messages.Add((0x06, new Bytes().U8(1).U8(0x11).U8(1).U16((ushort)name.Length).Raw(name).U64(v.HeaderAddress).ToArray()));
        }
        foreach (var (key, value) in Attributes) messages.Add((0x0C, Attribute(key, value, heapAddress)));
        return ObjectHeader(messages);
    }

    private byte[] VariableHeader(Variable v, ulong heapAddress)
    {
        var dataspace = new Bytes().U8(2).U8((byte)v.Shape.Length).U8(0).U8(1);   // version 2, simple, no maximum dimensions
        foreach (var n in v.Shape) dataspace.U64(n);
        var messages = new List<(byte Type, byte[] Data)>
        {
            (0x01, dataspace.ToArray()),
            (0x03, v.IsInteger ? Int32Type() : v.IsPureDimension ? Float32Type() : Float64Type()),
            (0x05, new Bytes().U8(3).U8(0x0A).ToArray()),                                   // fill value: late allocation, fill if set, none set
            (0x08, new Bytes().U8(3).U8(1).U64(v.DataAddress).U64(v.StorageSize).ToArray()),   // contiguous layout (no address: never written)
        };
        var attributes = new List<(string, object)>();
        if (v.IsScale)
        {
            attributes.Add(("CLASS", new FixedString("DIMENSION_SCALE", 16)));
            attributes.Add(("NAME", v.IsPureDimension
                ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"This is a netCDF dimension but not a netCDF variable.{v.Shape[0],10}")
                : v.Name));
            if (v.References.Count > 0) attributes.Add(("REFERENCE_LIST", new ReferenceList(v.References.Select(r => (r.User.HeaderAddress, r.Axis)).ToArray())));
            attributes.Add(("_Netcdf4Dimid", v.DimensionId));
        }
        else attributes.Add(("DIMENSION_LIST", new DimensionList(v.DimensionListIds)));
        attributes.AddRange(v.Attributes.Select(a => (a.Key, a.Value)));
        foreach (var (key, value) in attributes) messages.Add((0x0C, Attribute(key, value, heapAddress)));
        return ObjectHeader(messages);
    }

    private sealed record FixedString(string Value, int Size);
    private sealed record ReferenceList((ulong Address, int Axis)[] Entries);
    private sealed record DimensionList(ulong[] HeapIds);

    // Attribute message, version 3: name, datatype, dataspace, data.
    private byte[] Attribute(string name, object value, ulong heapAddress)
    {
        byte[] type, data;
        long[]? dims = null;   // null: scalar
        if (value is string text) value = new FixedString(text, Encoding.UTF8.GetByteCount(text) + 1);
        switch (value)
        {
            case FixedString f:
                type = new Bytes().U8(0x13).U8(0x10).U8(0).U8(0).U32((uint)f.Size).ToArray();   // string, null-terminated, UTF-8
                data = new byte[f.Size];
                Encoding.UTF8.GetBytes(f.Value, data);
                break;
            case int i:
                (type, data) = (Int32Type(), BitConverter.GetBytes(i));
                break;
            case double d:
                (type, data) = (Float64Type(), BitConverter.GetBytes(d));
                break;
            case int[] ints:
                (type, data, dims) = (Int32Type(), MemoryMarshal.AsBytes(ints.AsSpan()).ToArray(), [ints.Length]);
                break;
            case double[] doubles:
                (type, data, dims) = (Float64Type(), MemoryMarshal.AsBytes(doubles.AsSpan()).ToArray(), [doubles.Length]);
                break;
            case DimensionList list:
                // Variable-length sequence of object references; each element: length 1, heap collection, object index.
                type = new Bytes().U8(0x19).U8(0).U8(0).U8(0).U32(16).Raw(ReferenceType()).ToArray();
                var elements = new Bytes();
                foreach (var id in list.HeapIds) elements.U32(1).U64(heapAddress).U32((uint)id);
                (data, dims) = (elements.ToArray(), [list.HeapIds.Length]);
                break;
            case ReferenceList references:
                // Compound {dataset: object reference at 0, dimension: int32 at 8}, 16 bytes as HDF5's H5DS writes it.
                type = new Bytes().U8(0x36).U8(2).U8(0).U8(0).U32(16)
                    .Raw(Encoding.ASCII.GetBytes("dataset\0")).U8(0).Raw(ReferenceType())
                    .Raw(Encoding.ASCII.GetBytes("dimension\0")).U8(8).Raw(Int32Type()).ToArray();
                var entries = new Bytes();
                foreach (var (address, axis) in references.Entries) entries.U64(address).U32((uint)axis).U32(0);
                (data, dims) = (entries.ToArray(), [references.Entries.Length]);
                break;
            default:
                throw new ArgumentException($"Attribute {name}: values of type {value.GetType().Name} are not written.");
        }
        var dataspace = dims is null ? new Bytes().U8(2).U8(0).U8(0).U8(0) : new Bytes().U8(2).U8(1).U8(0).U8(1).U64((ulong)dims[0]);
        var nameBytes = Encoding.UTF8.GetBytes(name + "\0");
        var space = dataspace.ToArray();
        return new Bytes().U8(3).U8(0).U16((ushort)nameBytes.Length).U16((ushort)type.Length).U16((ushort)space.Length).U8(1)
            .Raw(nameBytes).Raw(type).Raw(space).Raw(data).ToArray();
    }

    private static byte[] Int32Type() => new Bytes().U8(0x10).U8(0x08).U8(0).U8(0).U32(4).U16(0).U16(32).ToArray();   // signed, little-endian

    private static byte[] Float64Type() =>
        new Bytes().U8(0x11).U8(0x20).U8(63).U8(0).U32(8).U16(0).U16(64).U8(52).U8(11).U8(0).U8(52).U32(1023).ToArray();

    private static byte[] Float32Type() =>
        new Bytes().U8(0x11).U8(0x20).U8(31).U8(0).U32(4).U16(0).U16(32).U8(23).U8(8).U8(0).U8(23).U32(127).ToArray();

    private static byte[] ReferenceType() => new Bytes().U8(0x17).U8(0).U8(0).U8(0).U32(8).ToArray();   // object reference

    // Object header, version 2: 8-byte chunk size, messages (type, size, flags), checksum.
    private static byte[] ObjectHeader(List<(byte Type, byte[] Data)> messages)
    {
        var body = new Bytes();
        foreach (var (type, data) in messages)
        {
            if (data.Length > ushort.MaxValue) throw new ArgumentException("An HDF5 header message (an attribute) is limited to 64 KiB.");
            body.U8(type).U16((ushort)data.Length).U8(0).Raw(data);
        }
        var chunk = body.ToArray();
        return new Bytes().Raw("OHDR"u8).U8(2).U8(0x03).U64((ulong)chunk.Length).Raw(chunk).WithChecksum();
    }

    private byte[] GlobalHeap(ulong size)
    {
        var b = new Bytes().Raw("GCOL"u8).U8(1).U8(0).U8(0).U8(0).U64(size);
        foreach (var v in _variables.Where(v => !v.IsScale))
            for (int axis = 0; axis < v.Dimensions.Length; axis++)
                b.U16((ushort)v.DimensionListIds[axis]).U16(1).U32(0).U64(8).U64(_dimensions[v.Dimensions[axis]].HeaderAddress);
        ulong free = size - (ulong)b.Length;
        b.U16(0).U16(0).U32(0).U64(free);   // object 0: the free space, its own header included
        return [.. b.ToArray(), .. new byte[free - 16]];
    }

    /// <summary>Little-endian byte builder.</summary>
    private sealed class Bytes
    {
        private readonly List<byte> _bytes = [];
        public int Length => _bytes.Count;
        public Bytes U8(byte v) { _bytes.Add(v); return this; }
        public Bytes U16(ushort v) { Span<byte> s = stackalloc byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(s, v); return Raw(s); }
        public Bytes U32(uint v) { Span<byte> s = stackalloc byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(s, v); return Raw(s); }
        public Bytes U64(ulong v) { Span<byte> s = stackalloc byte[8]; BinaryPrimitives.WriteUInt64LittleEndian(s, v); return Raw(s); }
        public Bytes Raw(ReadOnlySpan<byte> v) { foreach (var x in v) _bytes.Add(x); return this; }
        public byte[] ToArray() => [.. _bytes];
        public byte[] WithChecksum()
        {
            var body = ToArray();
            return [.. body, .. BitConverter.GetBytes(Lookup3(body))];
        }
    }

    /// <summary>Bob Jenkins' lookup3 hash (hashlittle, initial value 0): HDF5's metadata checksum.</summary>
    internal static uint Lookup3(ReadOnlySpan<byte> k)
    {
        uint a, b, c;
        a = b = c = 0xdeadbeef + (uint)k.Length;
        static uint Rot(uint x, int r) => (x << r) | (x >> (32 - r));
        while (k.Length > 12)
        {
            a += BinaryPrimitives.ReadUInt32LittleEndian(k);
            b += BinaryPrimitives.ReadUInt32LittleEndian(k[4..]);
            c += BinaryPrimitives.ReadUInt32LittleEndian(k[8..]);
            a -= c; a ^= Rot(c, 4); c += b;
            b -= a; b ^= Rot(a, 6); a += c;
            c -= b; c ^= Rot(b, 8); b += a;
            a -= c; a ^= Rot(c, 16); c += b;
            b -= a; b ^= Rot(a, 19); a += c;
            c -= b; c ^= Rot(b, 4); b += a;
            k = k[12..];
        }
        if (k.Length == 0) return c;
        Span<byte> tail = stackalloc byte[12];
        tail.Clear();
        k.CopyTo(tail);
        a += BinaryPrimitives.ReadUInt32LittleEndian(tail);
        b += BinaryPrimitives.ReadUInt32LittleEndian(tail[4..]);
        c += BinaryPrimitives.ReadUInt32LittleEndian(tail[8..]);
        c ^= b; c -= Rot(b, 14);
        a ^= c; a -= Rot(c, 11);
        b ^= a; b -= Rot(a, 25);
        c ^= b; c -= Rot(b, 16);
        a ^= c; a -= Rot(c, 4);
        b ^= a; b -= Rot(a, 14);
        c ^= b; c -= Rot(b, 24);
        return c;
    }

    private sealed class CountingWriter(Stream stream)
    {
        public ulong Position { get; private set; }
        public void Write(ReadOnlySpan<byte> bytes) { stream.Write(bytes); Position += (ulong)bytes.Length; }
        public void Pad(ulong to) { if (to > Position) Write(new byte[to - Position]); }
    }
}
