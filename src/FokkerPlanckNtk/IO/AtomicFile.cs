namespace FokkerPlanckNtk.IO;

/// <summary>
/// Writes a file so that it either does not exist or is complete: the content goes to a temporary file
/// next to the target (<c>name.partial-PID</c>), is flushed to disk, and is then renamed over the target
/// (an atomic replace on POSIX file systems). A process killed midway leaves at most a <c>.partial-*</c>
/// file, never a half-written file under the final name.
/// </summary>
public static class AtomicFile
{
    /// <summary>Marker in the names of temporary files; anything containing it is an unfinished write.</summary>
    public const string PartialMarker = ".partial-";

    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/> into a temporary file, then renames it into place.</summary>
    /// <exception cref="InputException">The file cannot be written (permissions, disk).</exception>
    public static void Write(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        string temp = full + PartialMarker + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.ReadWrite, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (Cause(e) is UnauthorizedAccessException or IOException)
        {
            // Writers may wrap the I/O error (reflection, tasks): the message names the file and the real cause.
            TryDelete(temp);
            var cause = Cause(e);
            throw new InputException("output", full, IsDiskFull(cause)
                ? "no space left on device while writing it (the unfinished file was removed; files written before are intact)"
                : $"cannot be written: {cause.Message}");
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>The innermost exception of a chain of wrappers (TargetInvocationException, AggregateException, …).</summary>
    private static Exception Cause(Exception e)
    {
        while (e is System.Reflection.TargetInvocationException or AggregateException or TypeInitializationException && e.InnerException is not null)
            e = e.InnerException!;
        if (e.InnerException is IOException inner && e is not IOException) return inner;
        return e;
    }

    /// <summary>ENOSPC (28 on Linux) or ERROR_DISK_FULL / ERROR_HANDLE_DISK_FULL (112, 39 on Windows).</summary>
    internal static bool IsDiskFull(Exception e) =>
        e is IOException && ((e.HResult & 0xFFFF) is 28 or 112 or 39 || e.Message.Contains("No space left on device", StringComparison.OrdinalIgnoreCase));

    /// <summary>Removes unfinished writes (<c>*.partial-PID</c>) left by processes that were killed; returns how many.</summary>
    public static int RemoveUnfinished(string directory)
    {
        if (!Directory.Exists(directory)) return 0;
        int removed = 0;
        foreach (var file in Directory.EnumerateFiles(directory, "*" + PartialMarker + "*", SearchOption.AllDirectories).ToList())
        {
            TryDelete(file);
            if (!File.Exists(file)) removed++;
        }
        return removed;
    }

    /// <summary>UTF-8 text without a byte-order mark.</summary>
    public static void WriteText(string path, string text) =>
        Write(path, s => { var bytes = new UTF8Encoding(false).GetBytes(text); s.Write(bytes); });

    /// <summary>Writes the bytes atomically.</summary>
    public static void WriteBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }

    /// <summary>Creates a folder (and parents) and checks that files can be created in it.</summary>
    public static string EnsureWritableDirectory(string directory, string key = "--out")
    {
        string full = Path.GetFullPath(directory);
        try
        {
            if (File.Exists(full)) throw new InputException(key, full, "is a file, not a folder");
            Directory.CreateDirectory(full);
            string probe = Path.Combine(full, ".fpntk-write-test" + PartialMarker + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new InputException(key, full, $"the output folder cannot be created or written ({e.Message})");
        }
        return full;
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* best effort: the name marks it unfinished */ }
    }
}
