using Dab.Backends;
using Dab.IO;
using Dab.NN;
using Dab.Random;
using Dab.Tests.Engine;
using NUnit.Framework;

namespace Dab.Tests.NN;

/// <summary>
/// Module.To onto a GPU-backed device (the emulator or CUDA) and back, and saving a module that lives
/// there. Ignored, with the reason, where the device is not available.
/// </summary>
[TestFixture("emu")]
[TestFixture("cuda")]
public class ModuleOnDeviceTests(string deviceName)
{
    private Device Dev => Device.Parse(deviceName);

    [SetUp]
    public void NeedDevice()
    {
        var why = BackendRegistry.WhyUnavailable(Dev);
        if (why != null) Assert.Ignore(why);
    }

    private static Sequential Mlp(ulong seed)
    {
        var g = new Generator(seed);
        return new Sequential(new Linear(7, 9, gen: g), new Tanh(), new Linear(9, 3, gen: g));
    }

    [Test]
    public void ToMovesEveryParameterAndRefreshesLinearFields()
    {
        using var cpu = Mlp(1);
        using var dev = Mlp(1);
        var old = dev.Parameters().ToArray();
        dev.To(Dev);
        var moved = dev.Parameters().ToArray();
        var reference = cpu.Parameters().ToArray();
        Assert.That(moved.Length, Is.EqualTo(old.Length));
        for (int i = 0; i < moved.Length; i++)
        {
            Assert.That(moved[i].Device, Is.EqualTo(Dev), $"parameter {i}");
            Assert.That(moved[i].IsLeaf && moved[i].RequiresGrad, $"parameter {i} is a leaf that requires grad");
            Assert.That(old[i].IsDisposed, Is.True, $"the CPU copy of parameter {i} is released");
            Assert.That(moved[i].ToArray<float>(), Is.EqualTo(reference[i].ToArray<float>()), $"values of parameter {i}");
        }
        Assert.That(((Linear)dev[0]).Weight, Is.SameAs(moved[0]), "Linear.Weight follows the move");
        Assert.That(((Linear)dev[0]).Bias, Is.SameAs(moved[1]), "Linear.Bias follows the move");
        Assert.That(dev.NamedParameters().Select(p => p.Name), Is.EqualTo(cpu.NamedParameters().Select(p => p.Name)));
    }

    [Test]
    public void ForwardAndBackwardOnTheDeviceMatchTheCpu()
    {
        using var cpu = Mlp(2);
        using var dev = Mlp(2);
        dev.To(Dev);
        using var x = TestData.F32([5, 7], 3);
        using var xd = x.To(Dev);
        using (var scope = Tensor.Scope())
        {
            var yc = cpu.Forward(x);
            var yd = dev.Forward(xd);
            Assert.That(yd.Device, Is.EqualTo(Dev));
            TestData.AssertClose(yd.ToArray<float>(), yc.ToArray<double>(), 1e-5, 1e-5, "forward");
            yc.Sum().Backward();
            yd.Sum().Backward();
        }
        foreach (var ((name, pc), (_, pd)) in cpu.NamedParameters().Zip(dev.NamedParameters()))
        {
            Assert.That(pd.Grad!.Device, Is.EqualTo(Dev), name);
            TestData.AssertClose(pd.Grad.ToArray<float>(), pc.Grad!.ToArray<double>(), 1e-5, 1e-5, $"gradient of {name}");
        }
    }

    [Test]
    public void SaveFromTheDeviceLoadIntoTheCpuAndBack()
    {
        var dir = Path.Combine(Path.GetTempPath(), "dab-device-tests-" + Guid.NewGuid().ToString("N"));
        try
        {
            var path = Path.Combine(dir, "m.safetensors");
            using var dev = Mlp(4);
            dev.To(Dev);
            SafeTensors.Save(path, dev);
            using var cpu = Mlp(5);
            SafeTensors.LoadInto(path, cpu);
            foreach (var ((name, pc), (_, pd)) in cpu.NamedParameters().Zip(dev.NamedParameters()))
                Assert.That(pc.ToArray<float>(), Is.EqualTo(pd.ToArray<float>()), name);

            using var other = Mlp(6);
            other.To(Dev);
            SafeTensors.LoadInto(path, other);
            foreach (var ((name, po), (_, pd)) in other.NamedParameters().Zip(dev.NamedParameters()))
            {
                Assert.That(po.Device, Is.EqualTo(Dev), name);
                Assert.That(po.ToArray<float>(), Is.EqualTo(pd.ToArray<float>()), name);
            }

            dev.To(Device.Cpu);
            Assert.That(dev.Parameters().All(p => p.Device == Device.Cpu));
            foreach (var ((name, pc), (_, pd)) in cpu.NamedParameters().Zip(dev.NamedParameters()))
                Assert.That(pd.ToArray<float>(), Is.EqualTo(pc.ToArray<float>()), $"{name} back on the CPU");
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}
