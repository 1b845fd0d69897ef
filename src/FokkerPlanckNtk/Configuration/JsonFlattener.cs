using System.Text.Json;

namespace FokkerPlanckNtk.Configuration;

/// <summary>
/// Turns a JSON document into the flat keys of Microsoft.Extensions.Configuration (objects give
/// <c>a:b</c>, arrays give <c>a:0</c>), so that library users can read a configuration file without the
/// hosting stack, with the same meaning as the command-line tool: as Microsoft.Extensions.Configuration's JSON
/// provider, <c>null</c> and an empty object give a key with a null value, an empty array a key with an empty value.
/// </summary>
public static class JsonFlattener
{
    /// <summary>The flat keys of the JSON file at <paramref name="path"/>.</summary>
    /// <exception cref="InputException">The file cannot be read or is not valid JSON.</exception>
    public static ConfigurationTree FlattenFile(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException("--config", path, $"cannot be read: {e.Message}");
        }
        return new ConfigurationTree(Flatten(text, path));
    }

    /// <summary>The flat keys of a JSON text; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="InputException">The text is not valid JSON.</exception>
    public static IReadOnlyList<KeyValuePair<string, string?>> Flatten(string json, string source = "configuration")
    {
        var values = new List<KeyValuePair<string, string?>>();
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new InputException("--config", source, "the configuration must be a JSON object");
            Visit(document.RootElement, "", values);
        }
        catch (JsonException e)
        {
            throw new InputException("--config", source, $"is not a valid JSON configuration ({e.Message})");
        }
        return values;
    }

    /// <summary>The flat keys of one JSON value placed at <paramref name="key"/> (a scalar, or a list or object below it).</summary>
    public static IReadOnlyList<KeyValuePair<string, string?>> Flatten(JsonElement value, string key)
    {
        var values = new List<KeyValuePair<string, string?>>();
        Visit(value, key, values);
        return values;
    }

    private static void Visit(JsonElement element, string key, List<KeyValuePair<string, string?>> values)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                bool anyProperty = false;
                foreach (var p in element.EnumerateObject())
                {
                    anyProperty = true;
                    Visit(p.Value, key.Length == 0 ? p.Name : $"{key}:{p.Name}", values);
                }
                if (!anyProperty && key.Length > 0) values.Add(new(key, null));
                break;
            case JsonValueKind.Array:
                int i = 0;
                foreach (var item in element.EnumerateArray())
                    Visit(item, $"{key}:{(i++).ToString(CultureInfo.InvariantCulture)}", values);
                if (i == 0) values.Add(new(key, ""));
                break;
            case JsonValueKind.Null:
                values.Add(new(key, null));
                break;
            case JsonValueKind.String:
                values.Add(new(key, element.GetString()));
                break;
            default: // numbers keep their exact text; true/false
                values.Add(new(key, element.GetRawText()));
                break;
        }
    }
}
