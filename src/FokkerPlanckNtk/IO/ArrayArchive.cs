using System.Security.Cryptography;
using System.Text;

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

    public IReadOnlyList<string> Names => _order;

    public bool Contains(string name) => _entries.ContainsKey(name);

    public ArrayArchive Set(string name, double[] values) => Put(name, values.Clone());
    public ArrayArchive Set(string name, long[] values) => Put(name, values.Clone());
    public ArrayArchive Set(string name, string value) => Put(name, value);
    public ArrayArchive Set(string name, double value) => Put(name, new[] { value });
    public ArrayArchive Set(string name, long value) => Put(name, new[] { value });

    private ArrayArchive Put(string name, object value)
    {
        if (!_entries.ContainsKey(name)) _order.Add(name);
        _entries[name] = value;
        return this;
    }

    public double[] Doubles(string name) => Get<double[]>(name);
    public long[] Longs(string name) => Get<long[]>(name);
    public string String(string name) => Get<string>(name);
    public double Double(string name) => Single(Doubles(name), name);
    public long Long(string name) => Single(Longs(name), name);

    private static T Single<T>(T[] values, string name) =>
        values.Length == 1 ? values[0] : throw new InvalidDataException($"Archive entry '{name}' holds {values.Length} values, expected 1.");

    private T Get<T>(string name) where T : class =>
        _entries.TryGetValue(name, out var v) ? v as T ?? throw new InvalidDataException($"Archive entry '{name}' is a {v.GetType().Name}, not a {typeof(T).Name}.")
        : throw new InvalidDataException($"Archive has no entry '{name}'.");

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
