using Dab.Backends;
using Dab.Models.Validation;
using NUnit.Framework;

namespace Dab.Tests.Kernels;

/// <summary>
/// One suite for every GPU-backed device (ILGPU style): each concrete fixture names a device and runs
/// the whole parity catalog (Dab.Models/Validation) against the CPU reference. A device that is not
/// there marks its tests ignored with the reason.
/// </summary>
public abstract class ParityTests
{
    protected abstract Device Device { get; }

    public static IEnumerable<string> CaseNames => ParityCatalog.Cases.Select(c => c.Name);

    [TestCaseSource(nameof(CaseNames))]
    public void MatchesTheCpu(string name)
    {
        var why = BackendRegistry.WhyUnavailable(Device);
        if (why != null) Assert.Ignore(why);
        ParityCatalog.Run(name, new ParityContext(Device));
    }
}

[TestFixture]
public sealed class EmuParityTests : ParityTests { protected override Device Device => new(DeviceKind.Emu); }

[TestFixture]
public sealed class CudaParityTests : ParityTests { protected override Device Device => new(DeviceKind.Cuda, 0); }
