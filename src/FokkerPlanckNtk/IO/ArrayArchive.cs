using System.Security.Cryptography;

namespace FokkerPlanckNtk.IO;

/// <summary>
/// A small binary container of named arrays (double, long) and strings, used for checkpoints and the
/// per-output records of a run. Layout: the magic <c>FPNTKARC</c>, a format version, the entries
/// (name, kind, length, little-endian payload), and a SHA-256 of everything before it, so that a damaged
/// file is refused rather than silently resumed from. Doubles are stored bit-exactly.
/// </summary>
public sealed class ArrayArchive
{
    private static ReadOnlySpan<byte> Magic => "FPNTKARC"u8;
    private const int FormatVersion = 1;
    private const byte DoubleKind = 1, LongKind = 2, StringKind = 3;

    private readonly Dictionary<string, object> _entries = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    /// <summary>Entry names in the order they were first set.</summary>
    public IReadOnlyList<string> Names => _order;

    /// <summary>Whether an entry of this name exists.</summary>
    public bool Contains(string name) => _entries.ContainsKey(name);

    /// <summary>Sets an entry (a copy of the values); returns this archive.</summary>
    public ArrayArchive Set(string name, double[] values) => Put(name, values.Clone());
    /// <summary>Sets an entry (a copy of the values); returns this archive.</summary>
    public ArrayArchive Set(string name, long[] values) => Put(name, values.Clone());
    /// <summary>Sets a string entry; returns this archive.</summary>
    public ArrayArchive Set(string name, string value) => Put(name, value);
    /// <summary>Sets a one-value entry; returns this archive.</summary>
    public ArrayArchive Set(string name, double value) => Put(name, new[] { value });
    /// <summary>Sets a one-value entry; returns this archive.</summary>
    public ArrayArchive Set(string name, long value) => Put(name, new[] { value });

    private ArrayArchive Put(string name, object value)
    {
        if (!_entries.ContainsKey(name)) _order.Add(name);
        _entries[name] = value;
        return this;
    }

    /// <summary>The doubles stored under <paramref name="name"/>.</summary>
    /// <exception cref="InvalidDataException">No such entry, or one of another kind.</exception>
    public double[] Doubles(string name) => Get<double[]>(name);
    /// <summary>The integers stored under <paramref name="name"/>.</summary>
    /// <exception cref="InvalidDataException">No such entry, or one of another kind.</exception>
    public long[] Longs(string name) => Get<long[]>(name);
    /// <summary>The string stored under <paramref name="name"/>.</summary>
    /// <exception cref="InvalidDataException">No such entry, or one of another kind.</exception>
    public string String(string name) => Get<string>(name);
    /// <summary>The single double stored under <paramref name="name"/>.</summary>
    /// <exception cref="InvalidDataException">No such entry, or not exactly one value.</exception>
    public double Double(string name) => Single(Doubles(name), name);
    /// <summary>The single integer stored under <paramref name="name"/>.</summary>
    /// <exception cref="InvalidDataException">No such entry, or not exactly one value.</exception>
    public long Long(string name) => Single(Longs(name), name);

    private static T Single<T>(T[] values, string name) =>
        values.Length == 1 ? values[0] : throw new InvalidDataException($"Archive entry '{name}' holds {values.Length} values, expected 1.");

    private T Get<T>(string name) where T : class =>
        _entries.TryGetValue(name, out var v) ? v as T ?? throw new InvalidDataException($"Archive entry '{name}' is a {v.GetType().Name}, not a {typeof(T).Name}.")
        : throw new InvalidDataException($"Archive has no entry '{name}'.");

    /// <summary>The archive's bytes: magic, version, entries, SHA-256 of all of it.</summary>
    public byte[] ToBytes()
    {
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(FormatVersion);
            w.Write(_order.Count);
            foreach (var name in _order)
            {
                w.Write(name);
                switch (_entries[name])
                {
                    case double[] d:
                        w.Write(DoubleKind); w.Write(d.Length);
                        foreach (var v in d) w.Write(v);
                        break;
                    case long[] l:
                        w.Write(LongKind); w.Write(l.Length);
                        foreach (var v in l) w.Write(v);
                        break;
                    case string s:
                        w.Write(StringKind); w.Write(s);
                        break;
                }
            }
        }
        var body = buffer.ToArray();
        return [.. body, .. SHA256.HashData(body)];
    }

    /// <summary>Parses <see cref="ToBytes"/> output.</summary>
    /// <param name="bytes">The archive's bytes.</param>
    /// <param name="source">Where the bytes came from, for messages.</param>
    /// <exception cref="InvalidDataException">Not an archive, damaged (checksum), or of another format version.</exception>
    public static ArrayArchive FromBytes(ReadOnlySpan<byte> bytes, string source = "archive")
    {
        const int hashLength = 32;
        if (bytes.Length < Magic.Length + hashLength || !bytes[..Magic.Length].SequenceEqual(Magic))
            throw new InvalidDataException($"{source} is not an fpntk archive.");
        var body = bytes[..^hashLength];
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(bytes[^hashLength..]))
            throw new InvalidDataException($"{source} is damaged (checksum mismatch).");
        var archive = new ArrayArchive();
        using var r = new BinaryReader(new MemoryStream(body.ToArray()), Encoding.UTF8);
        r.ReadBytes(Magic.Length);
        int version = r.ReadInt32();
        if (version != FormatVersion) throw new InvalidDataException($"{source} has archive format {version}; this program reads {FormatVersion}.");
        int count = r.ReadInt32();
        for (int e = 0; e < count; e++)
        {
            string name = r.ReadString();
            byte kind = r.ReadByte();
            switch (kind)
            {
                case DoubleKind:
                    {
                        var d = new double[r.ReadInt32()];
                        for (int i = 0; i < d.Length; i++) d[i] = r.ReadDouble();
                        archive.Put(name, d);
                        break;
                    }
                case LongKind:
                    {
                        var l = new long[r.ReadInt32()];
                        for (int i = 0; i < l.Length; i++) l[i] = r.ReadInt64();
                        archive.Put(name, l);
                        break;
                    }
                case StringKind:
                    archive.Put(name, r.ReadString());
                    break;
                default:
                    throw new InvalidDataException($"{source}: unknown entry kind {kind}.");
            }
        }
        return archive;
    }

    /// <summary>Writes atomically (temporary file, then rename).</summary>
    public void Write(string path) => AtomicFile.WriteBytes(path, ToBytes());

    /// <summary>Reads an archive file.</summary>
    /// <exception cref="InputException">The file is missing, damaged or not an archive.</exception>
    public static ArrayArchive Read(string path)
    {
        if (!File.Exists(path)) throw new InputException("file", path, "does not exist");
        try { return FromBytes(File.ReadAllBytes(path), path); }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw new InputException("file", path, e.Message);
        }
    }
}
