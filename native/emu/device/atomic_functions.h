// CUDA's atomic functions under emulation. Threads of one block never interleave between
// synchronisation points, but blocks may run in parallel on several OS threads (emu_set_workers),
// so these are real atomic read-modify-writes. CUDA's atomics are relaxed; __threadfence orders.
// Floating-point adds are compare-and-swap loops on the value's bits.
#pragma once

namespace dab_emu {
template <class T, class Update>
inline T atomic_update(T* address, Update update) {
  T old;
  __atomic_load(address, &old, __ATOMIC_RELAXED);
  T desired = update(old);
  while (!__atomic_compare_exchange(address, &old, &desired, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    desired = update(old);
  }
  return old;
}
template <class T>
inline T atomic_min(T* address, T v) {
  return atomic_update(address, [v](T old) { return v < old ? v : old; });
}
template <class T>
inline T atomic_max(T* address, T v) {
  return atomic_update(address, [v](T old) { return old < v ? v : old; });
}
}  // namespace dab_emu

#define DAB_EMU_FETCH_OP(name, builtin, T) \
  inline T name(T* address, T v) { return builtin(address, v, __ATOMIC_RELAXED); }

DAB_EMU_FETCH_OP(atomicAdd, __atomic_fetch_add, int)
DAB_EMU_FETCH_OP(atomicAdd, __atomic_fetch_add, unsigned int)
DAB_EMU_FETCH_OP(atomicAdd, __atomic_fetch_add, unsigned long long)
DAB_EMU_FETCH_OP(atomicSub, __atomic_fetch_sub, int)
DAB_EMU_FETCH_OP(atomicSub, __atomic_fetch_sub, unsigned int)
DAB_EMU_FETCH_OP(atomicAnd, __atomic_fetch_and, int)
DAB_EMU_FETCH_OP(atomicAnd, __atomic_fetch_and, unsigned int)
DAB_EMU_FETCH_OP(atomicAnd, __atomic_fetch_and, unsigned long long)
DAB_EMU_FETCH_OP(atomicOr, __atomic_fetch_or, int)
DAB_EMU_FETCH_OP(atomicOr, __atomic_fetch_or, unsigned int)
DAB_EMU_FETCH_OP(atomicOr, __atomic_fetch_or, unsigned long long)
DAB_EMU_FETCH_OP(atomicXor, __atomic_fetch_xor, int)
DAB_EMU_FETCH_OP(atomicXor, __atomic_fetch_xor, unsigned int)
DAB_EMU_FETCH_OP(atomicXor, __atomic_fetch_xor, unsigned long long)
DAB_EMU_FETCH_OP(atomicExch, __atomic_exchange_n, int)
DAB_EMU_FETCH_OP(atomicExch, __atomic_exchange_n, unsigned int)
DAB_EMU_FETCH_OP(atomicExch, __atomic_exchange_n, unsigned long long)
#undef DAB_EMU_FETCH_OP

inline float atomicAdd(float* address, float v) {
  return dab_emu::atomic_update(address, [v](float old) { return old + v; });
}
inline double atomicAdd(double* address, double v) {
  return dab_emu::atomic_update(address, [v](double old) { return old + v; });
}
inline float atomicExch(float* address, float v) {
  float old;
  __atomic_exchange(address, &v, &old, __ATOMIC_RELAXED);
  return old;
}

inline int atomicMin(int* address, int v) { return dab_emu::atomic_min(address, v); }
inline unsigned int atomicMin(unsigned int* address, unsigned int v) { return dab_emu::atomic_min(address, v); }
inline long long atomicMin(long long* address, long long v) { return dab_emu::atomic_min(address, v); }
inline unsigned long long atomicMin(unsigned long long* address, unsigned long long v) {
  return dab_emu::atomic_min(address, v);
}
inline int atomicMax(int* address, int v) { return dab_emu::atomic_max(address, v); }
inline unsigned int atomicMax(unsigned int* address, unsigned int v) { return dab_emu::atomic_max(address, v); }
inline long long atomicMax(long long* address, long long v) { return dab_emu::atomic_max(address, v); }
inline unsigned long long atomicMax(unsigned long long* address, unsigned long long v) {
  return dab_emu::atomic_max(address, v);
}

// Wrapping increment and decrement, as CUDA defines them.
inline unsigned int atomicInc(unsigned int* address, unsigned int limit) {
  return dab_emu::atomic_update(address, [limit](unsigned int old) { return old >= limit ? 0u : old + 1; });
}
inline unsigned int atomicDec(unsigned int* address, unsigned int limit) {
  return dab_emu::atomic_update(address,
                                [limit](unsigned int old) { return (old == 0 || old > limit) ? limit : old - 1; });
}

namespace dab_emu {
template <class T>
inline T atomic_cas(T* address, T compare, T value) {
  __atomic_compare_exchange_n(address, &compare, value, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
  return compare;  // on failure the builtin stored the current value here; on success it was equal
}
}  // namespace dab_emu

inline int atomicCAS(int* address, int compare, int value) { return dab_emu::atomic_cas(address, compare, value); }
inline unsigned int atomicCAS(unsigned int* address, unsigned int compare, unsigned int value) {
  return dab_emu::atomic_cas(address, compare, value);
}
inline unsigned long long atomicCAS(unsigned long long* address, unsigned long long compare, unsigned long long value) {
  return dab_emu::atomic_cas(address, compare, value);
}
inline unsigned short atomicCAS(unsigned short* address, unsigned short compare, unsigned short value) {
  return dab_emu::atomic_cas(address, compare, value);
}
