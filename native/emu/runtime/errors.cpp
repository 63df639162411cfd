#include "errors.h"

#include "api_export.h"

namespace dab_emu {
namespace {
thread_local std::string last_error;
}

int fail(int code, std::string message) {
  last_error = std::move(message);
  return code;
}

}  // namespace dab_emu

extern "C" const char* emu_last_error(void) { return dab_emu::last_error.c_str(); }
