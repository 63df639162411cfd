using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Dab.Cli;

/// <summary>
/// Writes results files without reflection (the published, trimmed `dab` has no reflection-based
/// JSON): dictionaries, lists, strings, numbers, booleans and null.
/// </summary>
public static class JsonOut
{
    public static string Serialize(object? value)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
            Write(w, value);
        return Encoding.UTF8.GetString(ms.ToArray()) + "\n";
    }

    private static void Write(Utf8JsonWriter w, object? v)
    {
        switch (v)
        {
            case null: w.WriteNullValue(); break;
            case string s: w.WriteStringValue(s); break;
            case bool b: w.WriteBooleanValue(b); break;
            case int i: w.WriteNumberValue(i); break;
            case long l: w.WriteNumberValue(l); break;
            case ulong u: w.WriteNumberValue(u); break;
            case double d when double.IsFinite(d): w.WriteNumberValue(d); break;
            case double d: w.WriteStringValue(d.ToString(CultureInfo.InvariantCulture)); break; // JSON has no NaN/inf
            case float f: Write(w, (double)f); break;
            case IDictionary<string, object?> dict:
                w.WriteStartObject();
                foreach (var (k, x) in dict)
                {
                    w.WritePropertyName(k);
                    Write(w, x);
                }
                w.WriteEndObject();
                break;
            case System.Collections.IEnumerable list:
                w.WriteStartArray();
                foreach (var x in list) Write(w, x);
                w.WriteEndArray();
                break;
            default: throw new ArgumentException($"JsonOut cannot write a {v.GetType().Name}");
        }
    }
}
