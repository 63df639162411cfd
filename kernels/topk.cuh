// Top-k by selection (k <= 32), in sort.cuh's order: the k smallest (key, index) pairs of a row,
// where largest uses the descending keys. One block per row: every thread scans a strided part of
// the row keeping its own best k in a sorted list (most elements cost one comparison), then k
// rounds of a block-wide minimum over the list heads pick the winners in order. Larger k sorts the
// row instead (GpuBackend.TopKRows).
#pragma once
#include "kernels/sort.cuh"

#define DAB_TOPK_MAX 32

template <class T, class K> __device__ void topk_select_body(const T* __restrict__ x, int n, int k, int largest,
    T* values, long long* indices)
{
    __shared__ K warp_key[32];
    __shared__ int warp_idx[32];
    __shared__ int winner;
    int row = blockIdx.x, lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    const T* r = x + (long long)row * n;
    K lk[DAB_TOPK_MAX];
    int li[DAB_TOPK_MAX];
    int count = 0;
    for (int j = threadIdx.x; j < n; j += blockDim.x)
    {
        K key = sort_key(r[j], largest != 0);
        if (count == k && !key_less<K>(key, j, lk[k - 1], li[k - 1])) continue;
        int p = count < k ? count++ : k - 1;
        while (p > 0 && key_less<K>(key, j, lk[p - 1], li[p - 1]))
        {
            lk[p] = lk[p - 1];
            li[p] = li[p - 1];
            p--;
        }
        lk[p] = key;
        li[p] = j;
    }
    int head = 0;
    for (int round = 0; round < k; round++)
    {
        K hk = head < count ? lk[head] : key_max<K>();
        int hi = head < count ? li[head] : 0x7fffffff;
        for (int o = 16; o > 0; o >>= 1)
        {
            K ok = __shfl_xor_sync(0xffffffffu, hk, o);
            int oi = __shfl_xor_sync(0xffffffffu, hi, o);
            if (key_less<K>(ok, oi, hk, hi)) { hk = ok; hi = oi; }
        }
        if (lane == 0) { warp_key[warp] = hk; warp_idx[warp] = hi; }
        __syncthreads();
        if (warp == 0)
        {
            hk = lane < warps ? warp_key[lane] : key_max<K>();
            hi = lane < warps ? warp_idx[lane] : 0x7fffffff;
            for (int o = 16; o > 0; o >>= 1)
            {
                K ok = __shfl_xor_sync(0xffffffffu, hk, o);
                int oi = __shfl_xor_sync(0xffffffffu, hi, o);
                if (key_less<K>(ok, oi, hk, hi)) { hk = ok; hi = oi; }
            }
            if (lane == 0)
            {
                winner = hi;
                values[(long long)row * k + round] = r[hi];
                indices[(long long)row * k + round] = hi;
            }
        }
        __syncthreads();
        if (head < count && li[head] == winner) head++;
        __syncthreads(); // warp_key and winner are rewritten by the next round
    }
}

// Launch: one block per row, blockDim a multiple of 32 (at most 1024).
extern "C" __global__ void topk_select_f32(const float* x, int n, int k, int largest, float* values, long long* indices)
{
    topk_select_body<float, unsigned int>(x, n, k, largest, values, indices);
}
DAB_EXPORT_KERNEL(topk_select_f32);
extern "C" __global__ void topk_select_f64(const double* x, int n, int k, int largest, double* values, long long* indices)
{
    topk_select_body<double, unsigned long long>(x, n, k, largest, values, indices);
}
DAB_EXPORT_KERNEL(topk_select_f64);
