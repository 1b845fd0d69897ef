using System.Diagnostics;
using System.Runtime.InteropServices;

namespace FokkerPlanckNtk.Tests.Support;

/// <summary>
/// The built fpntk as a child process, for the tests that signal it. A test host started as a background job of a
/// non-interactive shell ignores SIGINT and a child inherits that through exec, so the child would never see the
/// signal: where SIGINT is ignored here, it is set to its default only while the child is forked.
/// </summary>
internal static class FpntkProcess
{
    public const int SigInt = 2, SigKill = 9;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    [DllImport("libc", SetLastError = true)]
    private static extern nint signal(int signal, nint handler);

    private const nint SigDefault = 0, SigIgnore = 1;

    public static Process Start(IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "fpntk"))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        bool ignored = IgnoresSigInt();
        if (ignored) signal(SigInt, SigDefault);
        try { return Process.Start(info)!; }
        finally { if (ignored) signal(SigInt, SigIgnore); }
    }

    public static int Signal(Process p, int sig) => kill(p.Id, sig);

    private static bool IgnoresSigInt()
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status)) return false;
        string? line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << (SigInt - 1))) != 0;
    }
}
