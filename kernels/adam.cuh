// The fused Adam(W) update: one pass over parameter, gradient and both moments. The host passes
// the bias corrections already folded into stepSize = lr / (1 - beta1^t) and invSqrtBc2.
#pragma once
#include "kernels/common.cuh"

template <class T> __device__ void adam_body(T* p, const T* g, T* m, T* v, int n, T b1, T b2, T stepSize, T invSqrtBc2, T eps, T l2, T shrink)
{
    for (int i = dab_global_id(); i < n; i += dab_grid_stride())
    {
        T gi = g[i] + l2 * p[i];
        T mi = b1 * m[i] + ((T)1 - b1) * gi;
        T vi = b2 * v[i] + ((T)1 - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] = p[i] * shrink - stepSize * mi / (dab_sqrt(vi) * invSqrtBc2 + eps);
    }
}
extern "C" __global__ void adam_f32(float* p, const float* g, float* m, float* v, int n, float b1, float b2, float stepSize, float invSqrtBc2, float eps, float l2, float shrink) { adam_body(p, g, m, v, n, b1, b2, stepSize, invSqrtBc2, eps, l2, shrink); }
DAB_EXPORT_KERNEL(adam_f32);
extern "C" __global__ void adam_f64(double* p, const double* g, double* m, double* v, int n, double b1, double b2, double stepSize, double invSqrtBc2, double eps, double l2, double shrink) { adam_body(p, g, m, v, n, b1, b2, stepSize, invSqrtBc2, eps, l2, shrink); }
DAB_EXPORT_KERNEL(adam_f64);

// The same update with the step size, bias correction and decay factor read from device memory
// (scalars[3 * slot .. 3 * slot + 2]), so a captured graph can replay it while they change every step.
template <class T> __device__ void adam_dev_body(T* p, const T* g, T* m, T* v, int n, T b1, T b2, T eps, T l2, const double* scalars, int slot)
{
    T stepSize = (T)scalars[3 * slot], invSqrtBc2 = (T)scalars[3 * slot + 1], shrink = (T)scalars[3 * slot + 2];
    adam_body(p, g, m, v, n, b1, b2, stepSize, invSqrtBc2, eps, l2, shrink);
}
extern "C" __global__ void adam_dev_f32(float* p, const float* g, float* m, float* v, int n, float b1, float b2, float eps, float l2, const double* scalars, int slot) { adam_dev_body(p, g, m, v, n, b1, b2, eps, l2, scalars, slot); }
DAB_EXPORT_KERNEL(adam_dev_f32);
extern "C" __global__ void adam_dev_f64(double* p, const double* g, double* m, double* v, int n, double b1, double b2, double eps, double l2, const double* scalars, int slot) { adam_dev_body(p, g, m, v, n, b1, b2, eps, l2, scalars, slot); }
DAB_EXPORT_KERNEL(adam_dev_f64);
