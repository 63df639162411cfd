// Portable fiber switch on glibc's ucontext, for architectures without a hand-written switch (and for
// testing that path on x86-64 with DAB_EMU_FORCE_UCONTEXT).
#include "fiber.h"

#if !DAB_EMU_FIBER_ASM

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace dab_emu {
namespace {

// makecontext passes only int arguments, so the context's address travels as two halves.
void start_fiber(unsigned int high, unsigned int low) {
  auto* context = reinterpret_cast<FiberContext*>((static_cast<std::uintptr_t>(high) << 32) | low);
  context->entry(context->argument);
  std::fprintf(stderr, "dabemu: a fiber's entry returned\n");
  std::abort();
}

}  // namespace

void fiber_prepare(FiberContext& context, void* stack_base, std::size_t stack_size, FiberEntry entry, void* argument) {
  if (getcontext(&context.context) != 0) {
    std::perror("dabemu: getcontext");
    std::abort();
  }
  context.context.uc_stack.ss_sp = stack_base;
  context.context.uc_stack.ss_size = stack_size;
  context.context.uc_link = nullptr;
  context.entry = entry;
  context.argument = argument;
  const auto address = reinterpret_cast<std::uintptr_t>(&context);
  makecontext(&context.context, reinterpret_cast<void (*)()>(&start_fiber), 2,
              static_cast<unsigned int>(address >> 32), static_cast<unsigned int>(address));
}

void fiber_switch(FiberContext& from, FiberContext& to) {
  if (swapcontext(&from.context, &to.context) != 0) {
    std::perror("dabemu: swapcontext");
    std::abort();
  }
}

}  // namespace dab_emu

#endif
