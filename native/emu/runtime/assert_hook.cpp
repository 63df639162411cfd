// glibc's assert calls __assert_fail. A kernel header that includes <cassert> after the emulator's
// headers gets glibc's assert back, whose failure would abort the whole process (the .NET test host
// included). This hidden definition takes precedence inside libdabemu: on a fiber it fails the
// launch like the emulator's own assert; anywhere else it behaves as glibc's does.
#include <cstdio>
#include <cstdlib>

#include "block_scheduler.h"

#if defined(__GLIBC__)

extern "C" __attribute__((visibility("hidden"), noreturn)) void __assert_fail(const char* expression, const char* file,
                                                                              unsigned int line,
                                                                              const char* function) noexcept {
  if (dab_emu::BlockScheduler::current() != nullptr) {
    dab_emu::assertion_failed(expression, file, static_cast<int>(line), function);
  }
  std::fprintf(stderr, "%s:%u: %s: Assertion `%s' failed.\n", file, line, function, expression);
  std::abort();
}

#endif
