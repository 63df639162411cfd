namespace Dab;

public enum DeviceKind { Cpu, Cuda, Emu }

/// <summary>Where a tensor's storage lives: <c>cpu</c>, <c>cuda:N</c> or <c>emu</c> (CUDA kernels emulated on the CPU).</summary>
public readonly record struct Device(DeviceKind Kind, int Index = 0)
{
    public static readonly Device Cpu = new(DeviceKind.Cpu);

    public static Device Parse(string text)
    {
        var s = text.Trim().ToLowerInvariant();
        if (s == "cpu") return Cpu;
        if (s == "emu") return new Device(DeviceKind.Emu);
        if (s == "cuda") return new Device(DeviceKind.Cuda, 0);
        if (s.StartsWith("cuda:") && int.TryParse(s.AsSpan(5), out var i) && i >= 0) return new Device(DeviceKind.Cuda, i);
        throw new ArgumentException($"unknown device '{text}' (expected cpu, emu, cuda or cuda:N)");
    }

    public override string ToString() => Kind switch
    {
        DeviceKind.Cpu => "cpu",
        DeviceKind.Emu => "emu",
        _ => $"cuda:{Index}",
    };
}
