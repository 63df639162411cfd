using Dab.Kernels.Interop;
using NUnit.Framework;

namespace Dab.Tests.Kernels.Interop;

/// <summary>
/// The binding against a real GPU: ignored ("no CUDA device: ...") where there is none. Each test
/// makes device 0's primary context current on its own thread first, as any user of Cu must.
/// </summary>
[Category("Gpu")]
public unsafe class GpuTests
{
    private const string VectorAdd = """
        extern "C" __global__ void vadd(const float* a, const float* b, float* c, int n)
        {
            int i = blockIdx.x * blockDim.x + threadIdx.x;
            if (i < n) c[i] = a[i] + b[i];
        }
        """;

    private CudaDeviceInfo _device = null!;
    private IntPtr _context;

    [OneTimeSetUp]
    public void Retain()
    {
        if (!CudaDevices.IsAvailable) return;
        _device = CudaDevices.Enumerate()[0];
        _context = Cu.PrimaryContextRetain(_device.Handle);
    }

    [OneTimeTearDown]
    public void Release()
    {
        if (_context != IntPtr.Zero) Cu.PrimaryContextRelease(_device.Handle);
    }

    [SetUp]
    public void MakeCurrent()
    {
        if (!CudaDevices.IsAvailable) Assert.Ignore($"no CUDA device: {CudaDevices.WhyUnavailable}");
        Cu.SetCurrentContext(_context);
    }

    private static void RequireNvrtc()
    {
        if (!NativeLibraries.TryLoad("nvrtc", out _, out var why)) Assert.Ignore($"no NVRTC: {why}");
    }

    private static void RequireCublas()
    {
        if (!NativeLibraries.TryLoad("cublas", out _, out var why)) Assert.Ignore($"no cuBLAS: {why}");
    }

    [Test]
    public void Devices_are_described_sensibly()
    {
        var devices = CudaDevices.Enumerate();
        Assert.That(devices, Is.Not.Empty);
        Assert.That(CudaDevices.WhyUnavailable, Is.Null);
        Assert.That(Cu.DeviceCount(), Is.EqualTo(devices.Count));
        Assert.That(Cu.DriverVersion(), Is.GreaterThanOrEqualTo(11000));
        foreach (var d in devices)
        {
            TestContext.Out.WriteLine(d);
            Assert.That(d.Name, Is.Not.Empty);
            Assert.That(d.TotalMemoryBytes, Is.GreaterThan(1UL << 30));
            Assert.That(d.ComputeCapabilityMajor, Is.InRange(5, 20));
            Assert.That(d.MultiprocessorCount, Is.GreaterThan(0));
            Assert.That(d.MaxSharedMemoryPerBlockOptin, Is.GreaterThanOrEqualTo(48 * 1024));
            Assert.That(Cu.DeviceAttribute(d.Handle, CuDeviceAttribute.WarpSize), Is.EqualTo(32));
        }
        var (free, total) = Cu.MemGetInfo();
        Assert.That(total, Is.EqualTo(_device.TotalMemoryBytes));
        Assert.That(free, Is.InRange(1UL, total));
    }

    [Test]
    public void Memory_round_trips()
    {
        const int n = 1 << 20;
        var host = Enumerable.Range(0, n).Select(i => i * 0.5f).ToArray();
        var back = new float[n];
        var a = Cu.MemAlloc(n * 4UL);
        var b = Cu.MemAlloc(n * 4UL);
        var stream = Cu.StreamCreate();
        try
        {
            Cu.MemcpyHtoD<float>(a, host);
            Cu.MemcpyDtoD(b, a, n * 4UL);
            Cu.MemcpyDtoH<float>(back, b);
            Assert.That(back, Is.EqualTo(host));

            Cu.MemsetD32(a, BitConverter.SingleToUInt32Bits(3f), n);
            Cu.MemsetD8(b, 0, n * 4UL);
            Cu.MemcpyDtoH<float>(back, a);
            Assert.That(back.All(v => v == 3f), Is.True);

            // Asynchronous forms, in stream order.
            Cu.MemsetD32Async(a, BitConverter.SingleToUInt32Bits(-1f), n / 2, stream);
            Cu.MemsetD8Async(b, 0xFF, 4, stream);
            fixed (float* p = back)
            {
                Cu.MemcpyDtoHAsync(p, a, n * 4UL, stream);
                Cu.StreamSynchronize(stream);
            }
            Assert.That(back[0], Is.EqualTo(-1f));
            Assert.That(back[n / 2 - 1], Is.EqualTo(-1f));
            Assert.That(back[n / 2], Is.EqualTo(3f));
            fixed (float* p = host)
            {
                Cu.MemcpyHtoDAsync(a, p, n * 4UL, stream);
                Cu.MemcpyDtoDAsync(b, a, n * 4UL, stream);
                Cu.StreamSynchronize(stream);   // before the host buffer may move
            }
            Cu.MemcpyDtoH<float>(back, b);
            Assert.That(back, Is.EqualTo(host));
        }
        finally
        {
            Cu.StreamDestroy(stream);
            Cu.MemFree(a);
            Cu.MemFree(b);
        }
    }

    [Test]
    public void Errors_name_the_call_and_the_context()
    {
        var e = Assert.Throws<CudaException>(() => Cu.MemAlloc(1UL << 52, "allocating a tensor [1 << 50] float32"))!;
        Assert.That(e.ErrorName, Is.EqualTo("CUDA_ERROR_OUT_OF_MEMORY"));
        Assert.That(e.Message, Does.StartWith("cuMemAlloc_v2 failed with CUDA_ERROR_OUT_OF_MEMORY (out of memory)"));
        Assert.That(e.Message, Does.Contain("while allocating a tensor [1 << 50] float32"));
        // The context survives such a failure.
        Cu.MemFree(Cu.MemAlloc(256));
    }

    [Test]
    public void Nvrtc_cubin_compiles_loads_and_runs()
    {
        RequireNvrtc();
        var image = Nvrtc.Compile(VectorAdd, "vadd.cu", [$"--gpu-architecture={_device.Architecture}"], out var log);
        TestContext.Out.WriteLine($"NVRTC {Nvrtc.Version()} log: '{log}'");
        Assert.That(ModuleImage.IsCubin(image), Is.True);
        RunVectorAdd(image);
    }

    [Test]
    public void Nvrtc_ptx_is_jitted_by_the_driver()
    {
        RequireNvrtc();
        var (major, minor) = Nvrtc.Version();
        var driver = Cu.DriverVersion();
        if (major * 1000 + minor * 10 > driver)
            Assert.Ignore($"NVRTC {major}.{minor} is newer than the driver ({driver}); its PTX would be rejected");
        var image = Nvrtc.Compile(VectorAdd, "vadd.cu",
            [$"--gpu-architecture=compute_{_device.ComputeCapabilityMajor}{_device.ComputeCapabilityMinor}"], out _);
        Assert.That(ModuleImage.Kind(image), Is.EqualTo("PTX"));
        Assert.That(image[^1], Is.EqualTo(0), "PTX keeps its NUL for cuModuleLoadData");
        RunVectorAdd(image);
    }

    private void RunVectorAdd(byte[] image)
    {
        const int n = 100_003;   // not a multiple of the block size: the bounds check matters
        var module = Cu.ModuleLoadData(image);
        var bytes = n * 4UL;
        ulong a = Cu.MemAlloc(bytes), b = Cu.MemAlloc(bytes), c = Cu.MemAlloc(bytes);
        try
        {
            var fn = Cu.ModuleGetFunction(module, "vadd");
            var e = Assert.Throws<CudaException>(() => Cu.ModuleGetFunction(module, "no_such_kernel"))!;
            Assert.That(e.ErrorName, Is.EqualTo("CUDA_ERROR_NOT_FOUND"));

            var x = Enumerable.Range(0, n).Select(i => (float)i).ToArray();
            var y = Enumerable.Range(0, n).Select(i => 0.25f * i).ToArray();
            Cu.MemcpyHtoD<float>(a, x);
            Cu.MemcpyHtoD<float>(b, y);
            Cu.MemsetD32(c, BitConverter.SingleToUInt32Bits(float.NaN), n);
            var count = n;
            void** args = stackalloc void*[] { &a, &b, &c, &count };
            Cu.LaunchKernel(fn, (uint)((n + 255) / 256), 256, 0, IntPtr.Zero, args, "vadd");
            Cu.ContextSynchronize("running vadd");
            var z = new float[n];
            Cu.MemcpyDtoH<float>(z, c);
            for (var i = 0; i < n; i++)
                if (z[i] != x[i] + y[i]) Assert.Fail($"c[{i}] = {z[i]}, expected {x[i] + y[i]}");
        }
        finally
        {
            Cu.MemFree(a);
            Cu.MemFree(b);
            Cu.MemFree(c);
            Cu.ModuleUnload(module);
        }
    }

    [Test]
    public void Events_time_work_on_a_stream()
    {
        const ulong bytes = 256UL << 20;
        var buffer = Cu.MemAlloc(bytes);
        var stream = Cu.StreamCreate();
        IntPtr start = Cu.EventCreate(), end = Cu.EventCreate();
        try
        {
            Cu.EventRecord(start, stream);
            for (var i = 0; i < 10; i++) Cu.MemsetD32Async(buffer, (uint)i, bytes / 4, stream);
            Cu.EventRecord(end, stream);
            Cu.EventSynchronize(end);
            var ms = Cu.EventElapsedMilliseconds(start, end);
            TestContext.Out.WriteLine($"10 x memset of {Check.FormatBytes(bytes)}: {ms:F3} ms");
            Assert.That(ms, Is.GreaterThan(0f).And.LessThan(10_000f));
            var last = new uint[4];
            Cu.MemcpyDtoH<uint>(last, buffer + bytes - 16);
            Assert.That(last, Is.All.EqualTo(9u));
        }
        finally
        {
            Cu.EventDestroy(start);
            Cu.EventDestroy(end);
            Cu.StreamDestroy(stream);
            Cu.MemFree(buffer);
        }
    }

    [Test]
    public void A_captured_graph_replays()
    {
        const int n = 4096;
        var buffer = Cu.MemAlloc(n * 4UL);
        var stream = Cu.StreamCreate();
        IntPtr graph = IntPtr.Zero, exec = IntPtr.Zero;
        try
        {
            Cu.StreamBeginCapture(stream);
            Cu.MemsetD32Async(buffer, 7, n, stream);
            graph = Cu.StreamEndCapture(stream);
            exec = Cu.GraphInstantiate(graph);

            Cu.MemsetD32(buffer, 0, n);
            var back = new uint[n];
            Cu.MemcpyDtoH<uint>(back, buffer);
            Assert.That(back, Is.All.EqualTo(0u), "capturing records the work without running it");

            Cu.GraphLaunch(exec, stream);
            Cu.StreamSynchronize(stream);
            Cu.MemcpyDtoH<uint>(back, buffer);
            Assert.That(back, Is.All.EqualTo(7u));
        }
        finally
        {
            if (exec != IntPtr.Zero) Cu.GraphExecDestroy(exec);
            if (graph != IntPtr.Zero) Cu.GraphDestroy(graph);
            Cu.StreamDestroy(stream);
            Cu.MemFree(buffer);
        }
    }

    [TestCase(false, false)]
    [TestCase(false, true)]
    [TestCase(true, false)]
    [TestCase(true, true)]
    public void Cublas_sgemm_matches_the_cpu(bool transA, bool transB)
    {
        RequireCublas();
        const int m = 37, n = 29, k = 53, batch = 3;
        var rng = new System.Random(11);
        float[] Rand(int count) => Enumerable.Range(0, count).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var a = Rand(batch * m * k);
        var b = Rand(batch * k * n);

        var expected = new float[batch * m * n];
        for (var s = 0; s < batch; s++)
        for (var i = 0; i < m; i++)
        for (var j = 0; j < n; j++)
        {
            double sum = 0;
            for (var p = 0; p < k; p++)
                sum += (double)(transA ? a[s * m * k + p * m + i] : a[s * m * k + i * k + p])
                       * (transB ? b[s * k * n + j * k + p] : b[s * k * n + p * n + j]);
            expected[s * m * n + i * n + j] = (float)sum;
        }

        var handle = Cublas.Create();
        ulong da = Cu.MemAlloc((ulong)a.Length * 4), db = Cu.MemAlloc((ulong)b.Length * 4), dc = Cu.MemAlloc((ulong)expected.Length * 4);
        try
        {
            // Pedantic: no TF32, so the result is FP32 and comparable at FP32 tolerance.
            Cublas.SetMathMode(handle, CublasMath.Pedantic);
            Cublas.SetStream(handle, IntPtr.Zero);
            Cu.MemcpyHtoD<float>(da, a);
            Cu.MemcpyHtoD<float>(db, b);

            var c = new float[m * n];
            Cublas.RowMajorSgemm(handle, transA, transB, m, n, k, 1f, da, db, 0f, dc);
            Cu.ContextSynchronize();
            Cu.MemcpyDtoH<float>(c, dc);
            Assert.That(c, Is.EqualTo(expected.AsSpan(0, m * n).ToArray()).Within(1e-4f));

            var all = new float[batch * m * n];
            Cublas.RowMajorSgemmStridedBatched(handle, transA, transB, m, n, k, 1f, da, db, 0f, dc, batch);
            Cu.ContextSynchronize();
            Cu.MemcpyDtoH<float>(all, dc);
            Assert.That(all, Is.EqualTo(expected).Within(1e-4f));
        }
        finally
        {
            Cu.MemFree(da);
            Cu.MemFree(db);
            Cu.MemFree(dc);
            Cublas.Destroy(handle);
        }
    }

    [Test]
    public void Cublas_dgemm_is_column_major()
    {
        RequireCublas();
        // Column-major A (2x3) = [[1,2,3],[4,5,6]], B (3x2) = [[1,0],[0,1],[1,1]]; C = A B = [[4,5],[10,11]].
        double[] a = [1, 4, 2, 5, 3, 6], b = [1, 0, 1, 0, 1, 1];
        var handle = Cublas.Create();
        ulong da = Cu.MemAlloc(48), db = Cu.MemAlloc(48), dc = Cu.MemAlloc(32);
        try
        {
            Cu.MemcpyHtoD<double>(da, a);
            Cu.MemcpyHtoD<double>(db, b);
            Cublas.Dgemm(handle, CublasOperation.N, CublasOperation.N, 2, 2, 3, 1.0, da, 2, db, 3, 0.0, dc, 2);
            var c = new double[4];
            Cu.ContextSynchronize();
            Cu.MemcpyDtoH<double>(c, dc);
            Assert.That(c, Is.EqualTo(new double[] { 4, 10, 5, 11 }));

            var e = Assert.Throws<CudaException>(() =>
                Cublas.Dgemm(handle, CublasOperation.N, CublasOperation.N, 2, 2, 3, 1.0, da, 1, db, 3, 0.0, dc, 2))!;
            Assert.That(e.ErrorName, Is.EqualTo("CUBLAS_STATUS_INVALID_VALUE"), "lda 1 < m 2");
        }
        finally
        {
            Cu.MemFree(da);
            Cu.MemFree(db);
            Cu.MemFree(dc);
            Cublas.Destroy(handle);
        }
    }
}
