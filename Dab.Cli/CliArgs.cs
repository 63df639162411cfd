using System.Globalization;

namespace Dab.Cli;

/// <summary>A user error on the command line: printed as one line, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>Parses <c>--name value</c> / <c>--name=value</c> options against the set a command accepts.</summary>
public sealed class CliArgs
{
    private readonly Dictionary<string, string?> _values = new();
    private readonly HashSet<string> _used = new();

    public CliArgs(IEnumerable<string> args, IReadOnlyCollection<string> valueOptions, IReadOnlyCollection<string> flags, string command)
    {
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            var a = list[i];
            if (!a.StartsWith("--")) { Positional.Add(a); continue; }
            var name = a[2..];
            string? value = null;
            int eq = name.IndexOf('=');
            if (eq >= 0) { value = name[(eq + 1)..]; name = name[..eq]; }
            if (flags.Contains(name))
            {
                if (value != null) throw new UsageException($"option --{name} of '{command}' takes no value");
                _values[name] = null;
                continue;
            }
            if (!valueOptions.Contains(name))
                throw new UsageException($"unknown option --{name} for '{command}' (see 'dab {command} --help')");
            if (value == null)
            {
                if (i + 1 >= list.Count || list[i + 1].StartsWith("--")) throw new UsageException($"option --{name} needs a value");
                value = list[++i];
            }
            if (_values.ContainsKey(name)) throw new UsageException($"option --{name} is given twice");
            _values[name] = value;
        }
    }

    public List<string> Positional { get; } = new();

    public bool Flag(string name) => _values.ContainsKey(name);

    public string? String(string name) => _values.TryGetValue(name, out var v) ? v : null;

    public int Int(string name, int def, int min = int.MinValue, int max = int.MaxValue)
    {
        var s = String(name);
        if (s == null) return def;
        if (!int.TryParse(s.Replace("_", ""), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
            throw new UsageException($"--{name} must be a whole number, got '{s}'");
        if (v < min || v > max) throw new UsageException($"--{name} must be between {min} and {max}, got {v}");
        return v;
    }

    public double Double(string name, double def, double min = double.MinValue, double max = double.MaxValue, bool exclusiveMin = false)
    {
        var s = String(name);
        if (s == null) return def;
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
            throw new UsageException($"--{name} must be a number, got '{s}'");
        if (v < min || (exclusiveMin && v == min) || v > max)
            throw new UsageException($"--{name} must be {(exclusiveMin ? "greater than" : "at least")} {min.ToString(CultureInfo.InvariantCulture)}{(max < double.MaxValue ? $" and at most {max.ToString(CultureInfo.InvariantCulture)}" : "")}, got {s}");
        return v;
    }

    public ulong ULong(string name, ulong def)
    {
        var s = String(name);
        if (s == null) return def;
        if (!ulong.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
            throw new UsageException($"--{name} must be a non-negative whole number, got '{s}'");
        return v;
    }

    public T Choice<T>(string name, T def, IReadOnlyDictionary<string, T> choices)
    {
        var s = String(name);
        if (s == null) return def;
        if (!choices.TryGetValue(s.ToLowerInvariant(), out var v))
            throw new UsageException($"--{name} must be one of {string.Join(", ", choices.Keys)}; got '{s}'");
        return v;
    }

    /// <summary>A device the machine really has; anything else is a usage error.</summary>
    public Device Device(string name = "device", string fallback = "cpu")
    {
        var s = String(name) ?? fallback;
        Device d;
        try { d = Dab.Device.Parse(s); }
        catch (ArgumentException e) { throw new UsageException($"--{name}: {e.Message}"); }
        var why = Backends.BackendRegistry.WhyUnavailable(d);
        if (why != null) throw new UsageException($"--{name}: {why}");
        return d;
    }
}
