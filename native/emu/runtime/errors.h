// The last error message of each OS thread, behind emu_last_error().
#pragma once

#include <string>

namespace dab_emu {

// Records `message` as this OS thread's last error and returns `code`, for `return fail(...)`.
int fail(int code, std::string message);

}  // namespace dab_emu
