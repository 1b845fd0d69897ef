using System.Text.RegularExpressions;

namespace FokkerPlanckNtk.IO;

/// <summary>Layout of the indented JSON the tool writes.</summary>
internal static partial class JsonText
{
    /// <summary>Puts arrays of plain numbers on one line (the indented writer gives every number its own line).</summary>
    public static string CompactNumberArrays(string json) =>
        NumberArray().Replace(json, m => "[" + Separator().Replace(m.Groups[1].Value, ", ") + "]");

    [GeneratedRegex(@"\[\s*(-?[0-9][-+0-9.eE]*(?:\s*,\s*-?[0-9][-+0-9.eE]*)*)\s*\]")]
    private static partial Regex NumberArray();

    [GeneratedRegex(@"\s*,\s*")]
    private static partial Regex Separator();
}
