// The C ABI, exported: the library is built with hidden visibility (so kernels and runtime internals
// stay private and thread-locals use the cheap local TLS model), and only emu_* is public.
#pragma once

#pragma GCC visibility push(default)
#include "../emu_api.h"
#pragma GCC visibility pop
