// Hand-written fiber switch for x86-64 (System V). Only the callee-saved registers and the stack
// pointer need saving: the switch is an ordinary call, so the compiler already treats every other
// register as clobbered. The x87 and MXCSR control words are not saved: kernels never change the
// rounding mode, and all fibers of an OS thread share one floating-point environment anyway.
#include "fiber.h"

#if DAB_EMU_FIBER_ASM

#include <cstdint>

extern "C" {
// void dab_emu_switch_stack(void** save_sp, void* load_sp)
void dab_emu_switch_stack(void** save_stack_pointer, void* load_stack_pointer);
// The first switch into a prepared fiber "returns" here with the entry in r12 and its argument in r13.
// Its CFI marks the return address undefined, so debuggers and unwinders stop at the fiber's base.
void dab_emu_fiber_start();
}

asm(R"(
  .text
  .p2align 4
  .globl dab_emu_switch_stack
  .hidden dab_emu_switch_stack
  .type dab_emu_switch_stack, @function
dab_emu_switch_stack:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size dab_emu_switch_stack, .-dab_emu_switch_stack

  .p2align 4
  .globl dab_emu_fiber_start
  .hidden dab_emu_fiber_start
  .type dab_emu_fiber_start, @function
dab_emu_fiber_start:
  .cfi_startproc
  .cfi_undefined rip
  movq %r13, %rdi
  callq *%r12
  ud2
  .cfi_endproc
  .size dab_emu_fiber_start, .-dab_emu_fiber_start
)");

namespace dab_emu {

void fiber_prepare(FiberContext& context, void* stack_base, std::size_t stack_size, FiberEntry entry, void* argument) {
  // The frame dab_emu_switch_stack pops: r15 r14 r13 r12 rbx rbp, then the return address. After the
  // `ret` the stack pointer must be 16-byte aligned so that the `call` in dab_emu_fiber_start enters
  // `entry` with the alignment the ABI requires: frame + 7 slots = top - 16.
  auto top = (reinterpret_cast<std::uintptr_t>(stack_base) + stack_size) & ~std::uintptr_t{15};
  auto* frame = reinterpret_cast<std::uint64_t*>(top) - 9;
  frame[0] = 0;                                              // r15
  frame[1] = 0;                                              // r14
  frame[2] = reinterpret_cast<std::uint64_t>(argument);      // r13
  frame[3] = reinterpret_cast<std::uint64_t>(entry);         // r12
  frame[4] = 0;                                              // rbx
  frame[5] = 0;                                              // rbp: ends frame-pointer walks here
  frame[6] = reinterpret_cast<std::uint64_t>(&dab_emu_fiber_start);
  frame[7] = 0;  // padding for the alignment
  frame[8] = 0;
  context.stack_pointer = frame;
}

void fiber_switch(FiberContext& from, FiberContext& to) { dab_emu_switch_stack(&from.stack_pointer, to.stack_pointer); }

}  // namespace dab_emu

#endif
