// The runtime functions behind the device-side primitives: the contract between the kernel headers
// (device/*.h) and the scheduler (runtime/). No macros here, so the runtime can include it too.
#pragma once

#include <cstdint>

namespace dab_emu {

enum class ShuffleMode : int { Idx, Up, Down, Xor };
enum class VoteMode : int { Ballot, Any, All };
enum class BarrierReduce : int { None, Count, And, Or };

using ErasedKernel = void (*)();
using KernelInvoker = void (*)(ErasedKernel kernel, void** args);

// Block-wide barrier; every non-exited thread of the block must arrive. Returns the reduction of
// the arrivals' predicates (0 for BarrierReduce::None). `name` is the primitive, for diagnostics.
int block_barrier(BarrierReduce reduce, int predicate, const char* name);

// Warp rendezvous: wait until every non-exited lane in `mask` has arrived at the same kind of
// primitive with the same mask. The calling lane is always a member.
void warp_sync(unsigned mask);
// `b` is the source lane, delta or lane mask; `width` the segment width, as for shfl.sync in PTX.
std::uint64_t warp_shuffle(unsigned mask, std::uint64_t bits, ShuffleMode mode, int b, int width,
                           const char* name);
unsigned warp_vote(unsigned mask, int predicate, VoteMode mode, const char* name);
// Lanes of the warp that reached this call site (file, line) together with the caller.
unsigned warp_active_mask(const char* file, int line);

void* dynamic_shared_memory();

// Ends the running launch with EMU_ERROR_LAUNCH_FAILED; the process carries on.
[[noreturn]] void trap(const char* reason);
[[noreturn]] void assertion_failed(const char* expression, const char* file, int line, const char* function);

bool register_kernel(const char* name, ErasedKernel kernel, KernelInvoker invoke, int arity);

}  // namespace dab_emu
