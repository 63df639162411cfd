// Fibers: saved execution contexts on caller-provided stacks. Each emulated GPU thread runs on one.
// On x86-64 the switch is hand-written (save the callee-saved registers and the stack pointer, ~a
// few ns); elsewhere, or with DAB_EMU_FORCE_UCONTEXT, it is glibc's swapcontext, which is correct
// but ~100x slower because it makes a sigprocmask system call on every switch.
#pragma once

#include <cstddef>

#if defined(__x86_64__) && !defined(DAB_EMU_FORCE_UCONTEXT)
#define DAB_EMU_FIBER_ASM 1
#else
#define DAB_EMU_FIBER_ASM 0
#include <ucontext.h>
#endif

namespace dab_emu {

using FiberEntry = void (*)(void* argument);

#if DAB_EMU_FIBER_ASM
struct FiberContext {
  void* stack_pointer = nullptr;  // the registers are saved on the fiber's own stack
};
#else
struct FiberContext {
  ucontext_t context;
  FiberEntry entry;
  void* argument;
};
#endif

// Makes `context` start `entry(argument)` on the given stack at its next switch-in. `entry` must
// never return: a finished fiber switches away for good.
void fiber_prepare(FiberContext& context, void* stack_base, std::size_t stack_size, FiberEntry entry, void* argument);

// Saves the running context into `from` and resumes `to`.
void fiber_switch(FiberContext& from, FiberContext& to);

}  // namespace dab_emu
