using NUnit.Framework;

namespace Dab.Tests.Engine;

/// <summary>Dispose scopes: what they free and what survives them.</summary>
public class ScopeTests
{
    [Test]
    public void TensorsCreatedInsideAreDisposed()
    {
        Tensor a, b, c;
        using (var scope = Tensor.Scope())
        {
            a = Tensor.Ones([3]);
            b = a.Mul(2.0).Exp();
            c = a.Reshape(1, 3);
            Assert.That(scope.Count, Is.GreaterThanOrEqualTo(3));
            Assert.That(a.IsDisposed || b.IsDisposed || c.IsDisposed, Is.False);
        }
        Assert.That(a.IsDisposed, Is.True);
        Assert.That(b.IsDisposed, Is.True);
        Assert.That(c.IsDisposed, Is.True);
        Assert.That(() => a.ToArray<float>(), Throws.InstanceOf<ObjectDisposedException>());
    }

    [Test]
    public void TensorsCreatedBeforeTheScopeSurvive()
    {
        var outside = Tensor.Ones([4]);
        using (Tensor.Scope())
        {
            var view = outside.Reshape(2, 2);
            var copy = outside.Add(1.0);
            Assert.That(copy.ToArray<float>(), Is.All.EqualTo(2f));
        }
        Assert.That(outside.IsDisposed, Is.False);
        // A view disposed by the scope must not free the storage it shares with a live tensor.
        Assert.That(outside.ToArray<float>(), Is.All.EqualTo(1f));
    }

    [Test]
    public void DetachFromScopesAndMoveToOuterScopeSurvive()
    {
        Tensor kept, moved, dropped;
        using (Tensor.Scope())
        {
            kept = Tensor.Full([2], 3).DetachFromScopes();
            moved = Tensor.Full([2], 4).MoveToOuterScope(); // no outer scope: owned by the caller
            dropped = Tensor.Full([2], 5);
        }
        Assert.That(kept.IsDisposed, Is.False);
        Assert.That(moved.IsDisposed, Is.False);
        Assert.That(dropped.IsDisposed, Is.True);
        Assert.That(kept.ToArray<float>(), Is.EqualTo(new[] { 3f, 3f }));
        Assert.That(moved.ToArray<float>(), Is.EqualTo(new[] { 4f, 4f }));
        kept.Dispose();
        moved.Dispose();
    }

    [Test]
    public void NestedScopes()
    {
        Tensor inner, movedOut, detached;
        using (var outer = Tensor.Scope())
        {
            using (Tensor.Scope())
            {
                inner = Tensor.Ones([2]);
                movedOut = Tensor.Ones([2]).MoveToOuterScope();
                detached = Tensor.Ones([2]).DetachFromScopes();
            }
            Assert.That(inner.IsDisposed, Is.True);
            Assert.That(movedOut.IsDisposed, Is.False, "moved to the outer scope, alive until it ends");
            Assert.That(detached.IsDisposed, Is.False);
            var afterInner = Tensor.Ones([1]);
            Assert.That(afterInner.IsDisposed, Is.False);
        }
        Assert.That(movedOut.IsDisposed, Is.True, "the outer scope disposes what was moved into it");
        Assert.That(detached.IsDisposed, Is.False);
        detached.Dispose();
    }

    [Test]
    public void ScopeIsThreadLocalAndEndsCleanly()
    {
        var scope = Tensor.Scope();
        var t = Tensor.Ones([1]);
        scope.Dispose();
        scope.Dispose(); // twice is harmless
        Assert.That(t.IsDisposed, Is.True);
        var after = Tensor.Ones([1]);
        using (var next = Tensor.Scope()) Assert.That(next.Count, Is.EqualTo(0));
        Assert.That(after.IsDisposed, Is.False, "after the scope ended, new tensors belong to no scope");
    }

    [Test]
    public void GradFromBackwardInsideAScopeSurvives()
    {
        var w = TestData.LeafOf([1.0, 2, 3], 3);
        using (Tensor.Scope())
        {
            var x = Tensor.FromArray(new[] { 0.5, -1, 2 });
            w.Mul(x).Square().Sum().Backward();
        }
        Assert.That(w.IsDisposed, Is.False);
        Assert.That(w.Grad, Is.Not.Null);
        Assert.That(w.Grad!.IsDisposed, Is.False);
        Assert.That(w.Grad.ToArray<double>(), Is.EqualTo(new double[] { 0.5, 4, 24 }));
        // A second step in another scope accumulates into the same surviving gradient.
        using (Tensor.Scope()) w.Sum().Backward();
        Assert.That(w.Grad.ToArray<double>(), Is.EqualTo(new double[] { 1.5, 5, 25 }));
    }

    [Test]
    public void TrainingStepInAScopeLeavesNothingBehind()
    {
        var w = TestData.Leaf([4, 3], 7);
        var created = new List<Tensor>();
        using (var scope = Tensor.Scope())
        {
            var x = Tensor.FromArray(TestData.Uniform(6, 8), [2, 3]);
            var y = x.Linear(w).Tanh().Sum();
            y.Backward();
            created.AddRange([x, y]);
            Assert.That(scope.Count, Is.GreaterThan(2));
        }
        Assert.That(created.All(t => t.IsDisposed));
        Assert.That(w.Grad!.IsDisposed, Is.False);
        Assert.That(w.Grad.Shape, Is.EqualTo(new[] { 4, 3 }));
    }

    [Test]
    public void DisposingOneOfTwoSharersKeepsTheData()
    {
        var a = Tensor.FromArray(new[] { 1f, 2, 3, 4 });
        var v = a.Reshape(2, 2);
        a.Dispose();
        Assert.That(a.IsDisposed, Is.True);
        Assert.That(v.ToArray<float>(), Is.EqualTo(new[] { 1f, 2, 3, 4 }));
        var d = v.Detach();
        var storage = d.Storage;
        v.Dispose();
        Assert.That(d.ToArray<float>(), Is.EqualTo(new[] { 1f, 2, 3, 4 }));
        Assert.That(storage.IsReleased, Is.False);
        d.Dispose();
        Assert.That(storage.IsReleased, Is.True, "the last sharer frees the buffer");
        Assert.That(() => d.Storage, Throws.InstanceOf<ObjectDisposedException>());
    }
}
