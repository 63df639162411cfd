using NUnit.Framework;

namespace Dab.Tests.Engine;

/// <summary>Bad shapes, dtypes, dims, indices and devices give an ArgumentException that names the op and what was wrong.</summary>
public class ErrorTests
{
    private static Tensor F(params int[] shape) => Tensor.Zeros(shape);

    private static void Throws(TestDelegate code, params string[] fragments)
    {
        var ex = Assert.Throws(NUnit.Framework.Is.InstanceOf<ArgumentException>(), code)!;
        foreach (var f in fragments)
            Assert.That(ex.Message, Does.Contain(f), $"message \"{ex.Message}\" should mention \"{f}\"");
    }

    [Test]
    public void BroadcastMismatch()
    {
        Assert.That(() => F(2, 3).Add(F(4)), NUnit.Framework.Throws.InstanceOf<ArgumentException>().With.Message.Contains("add").And.Message.Contains("[2, 3]").And.Message.Contains("[4]"));
        Throws(() => F(2, 3).Mul(F(3, 2)), "mul", "[2, 3]", "[3, 2]");
        Throws(() => F(2, 3).Maximum(F(2)), "maximum", "[2, 3]", "[2]");
        Throws(() => F(2, 3).BroadcastTo([3, 3]), "broadcast_to", "[2, 3]");
        Throws(() => F(2, 3).BroadcastTo([3]), "broadcast_to", "[2, 3]", "[3]");
    }

    [Test]
    public void MatMulInnerDimMismatch()
    {
        Throws(() => F(2, 3).MatMul(F(4, 5)), "matmul", "[2, 3]", "[4, 5]");
        Throws(() => F(2, 3).MatMul(F(4, 3), transA: true), "matmul", "[2, 3]", "[4, 3]");
        Throws(() => F(2, 2, 3).MatMul(F(3, 3, 4)), "matmul", "[2, 2, 3]", "[3, 3, 4]");
        Throws(() => F(3).MatMul(F(3, 4)), "matmul", "[3]");
    }

    [Test]
    public void LinearShapeMismatch()
    {
        Throws(() => F(2, 3).Linear(F(4, 5)), "linear", "[4, 5]", "[2, 3]");
        Throws(() => F(2, 3).Linear(F(4, 3), F(5)), "linear", "[5]", "[4, 3]");
    }

    [Test]
    public void DTypeMismatch()
    {
        var f32 = Tensor.Zeros([2, 3], DType.Float32);
        var f64 = Tensor.Zeros([2, 3], DType.Float64);
        Assert.That(() => f32.Add(f64), NUnit.Framework.Throws.InstanceOf<ArgumentException>().With.Message.Contains("float32").And.Message.Contains("float64"));
        Throws(() => f32.Add(f64), "add", "float32", "float64", "[2, 3]");
        Throws(() => f32.MatMul(Tensor.Zeros([3, 2], DType.Float64)), "matmul", "float32", "float64");
        Throws(() => Tensor.Concat([f32, f64], 0), "concat", "float32", "float64");
    }

    [Test]
    public void IntegerTensorInAFloatingPointOp()
    {
        var i = Tensor.FromArray(new long[] { 1, 2, 3 });
        Throws(() => i.Tanh(), "tanh", "int64", "[3]");
        Throws(() => i.Exp(), "exp", "int64");
        Throws(() => i.Sum(), "sum", "int64");
        Throws(() => i.Softmax(0), "softmax", "int64");
        Throws(() => Tensor.FromArray(new[] { 1, 2 }).Add(Tensor.FromArray(new[] { 1, 2 })), "add", "int32");
        Throws(() => i.MatMul(i), "matmul", "int64");
    }

    [Test]
    public void DimOutOfRange()
    {
        var x = F(2, 3);
        Throws(() => x.Sum(2), "sum", "dim 2", "rank 2");
        Throws(() => x.Sum(-3), "sum", "dim -3");
        Throws(() => x.Max(5), "max", "dim 5");
        Throws(() => x.Softmax(2), "softmax", "dim 2");
        Throws(() => x.LogSumExp(-3), "logsumexp", "dim -3");
        Throws(() => x.Transpose(0, 2), "transpose", "dim 2");
        Throws(() => Tensor.Concat([x, x], 2), "concat", "dim 2");
        Throws(() => x.Slice(2, 0, 1), "slice", "dim 2");
        Throws(() => x.ArgMax(3), "dim 3");
        Throws(() => x.Sum([0, 0]), "sum", "repeated");
    }

    [Test]
    public void CrossEntropyTargets()
    {
        var logits = F(2, 5);
        Throws(() => Tensor.CrossEntropy(logits, Tensor.FromArray(new long[] { 1, 7 })), "cross_entropy", "7", "5 classes");
        Throws(() => Tensor.CrossEntropy(logits, Tensor.FromArray(new long[] { -1, 0 })), "cross_entropy", "-1");
        Throws(() => Tensor.CrossEntropy(logits, Tensor.FromArray(new long[] { 1, 2, 3 })), "cross_entropy", "[3]", "[2, 5]");
        Throws(() => Tensor.CrossEntropy(logits, Tensor.FromArray(new[] { 1.0, 2.0 })), "cross_entropy", "float64");
        Throws(() => Tensor.CrossEntropy(F(5), Tensor.FromArray(new long[] { 1 })), "cross_entropy", "[5]");
    }

    [Test]
    public void ReshapeIncompatible()
    {
        Throws(() => F(2, 3).Reshape(4, 2), "reshape", "[2, 3]", "[4, 2]");
        Throws(() => F(2, 3).Reshape(-1, 4), "reshape", "[2, 3]", "[-1, 4]");
        Throws(() => F(2, 3).Reshape(-1, -1), "reshape", "-1");
        Throws(() => F(2, 3).Squeeze(0), "squeeze", "[2, 3]");
    }

    [Test]
    public void UnknownDevice()
    {
        Throws(() => Device.Parse("gpu"), "gpu", "cpu", "cuda");
        Throws(() => Device.Parse("cuda:-1"), "cuda:-1");
        Assert.That(Device.Parse(" CUDA:1 "), Is.EqualTo(new Device(DeviceKind.Cuda, 1)));
        Assert.That(Device.Parse("cpu"), Is.EqualTo(Device.Cpu));
        Assert.That(Device.Parse("emu").Kind, Is.EqualTo(DeviceKind.Emu));
    }

    [Test]
    public void LayoutOpArguments()
    {
        var x = F(2, 3);
        Throws(() => x.Permute(0, 0), "permute", "[2, 3]");
        Throws(() => x.Permute(0), "permute");
        Throws(() => x.Slice(1, 2, 2), "slice", "size 3");
        Throws(() => x.Slice(1, -1, 1), "slice");
        Throws(() => Tensor.Concat([x, F(3, 3)], 1), "concat", "[2, 3]", "[3, 3]");
        Throws(() => Tensor.Concat([], 0), "concat");
        Throws(() => x.Gather(1, Tensor.FromArray(new[] { 0, 1, 0, 1 }, [2, 2])), "gather", "int32");
        Throws(() => x.Gather(1, Tensor.FromArray(new long[] { 0, 1, 0 }, [3, 1])), "gather", "[3, 1]", "[2, 3]");
        Throws(() => x.Gather(1, Tensor.FromArray(new long[] { 0, 3 }, [2, 1])), "gather", "3");
        Throws(() => x.IndexSelect(0, Tensor.FromArray(new long[] { 0, 2 })), "index_select", "2");
        Throws(() => x.IndexSelect(0, Tensor.FromArray(new long[] { 0, 1 }, [1, 2])), "index_select", "[1, 2]");
        Throws(() => x.Clamp(1, 0), "clamp");
        Throws(() => Tensor.FromArray(new float[5], [2, 3]), "5", "[2, 3]");
        Throws(() => Tensor.Zeros([2, -1]), "[2, -1]");
    }

    [Test]
    public void LossShapeMismatch()
    {
        Throws(() => Tensor.Mse(F(2, 3), F(3, 2)), "mse", "[2, 3]", "[3, 2]");
        Throws(() => Tensor.BinaryCrossEntropyWithLogits(F(2, 3), F(6)), "binary_cross_entropy_with_logits", "[2, 3]", "[6]");
    }

    [Test]
    public void NonArgumentErrors()
    {
        Assert.That(() => F(2).Item(), NUnit.Framework.Throws.InstanceOf<InvalidOperationException>().With.Message.Contains("[2]"));
        var t = F(2);
        t.Dispose();
        Assert.That(() => t.Exp(), NUnit.Framework.Throws.InstanceOf<ObjectDisposedException>());
    }
}
