// Device memory of the emulated device: host memory, 256-byte aligned like cudaMalloc's, with a
// table of live allocations so that frees of unknown pointers are caught and usage can be reported.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>

#include "api_export.h"
#include "errors.h"

namespace dab_emu {
namespace {

constexpr std::size_t kAlignment = 256;

// Like a real GPU the emulated device has a fixed capacity, so an allocation too large fails
// cleanly here instead of being overcommitted by the host and killing the process when touched.
constexpr std::size_t kDefaultCapacity = std::size_t{8} << 30;

std::size_t capacity_from_environment() {
  const char* text = std::getenv("DAB_EMU_MEMORY");  // bytes, or with a K/M/G suffix
  if (text == nullptr || *text == '\0') return kDefaultCapacity;
  char* end = nullptr;
  unsigned long long value = std::strtoull(text, &end, 10);
  switch (end != nullptr ? *end : '\0') {
    case 'K': case 'k': value <<= 10; break;
    case 'M': case 'm': value <<= 20; break;
    case 'G': case 'g': value <<= 30; break;
    default: break;
  }
  return value == 0 ? kDefaultCapacity : static_cast<std::size_t>(value);
}

struct Allocations {
  std::mutex mutex;
  std::unordered_map<void*, std::size_t> bytes_by_pointer;
  std::size_t total = 0;
  std::size_t capacity = capacity_from_environment();
};

Allocations& allocations() {
  static Allocations* table = new Allocations;  // never destroyed: frees may come during process exit
  return *table;
}

std::string pointer_text(const void* pointer) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%p", pointer);
  return buffer;
}

}  // namespace
}  // namespace dab_emu

using dab_emu::fail;

extern "C" int emu_malloc(void** ptr, size_t bytes) {
  if (ptr == nullptr) return fail(EMU_ERROR_INVALID_VALUE, "emu_malloc: ptr is null");
  *ptr = nullptr;
  if (bytes > SIZE_MAX - dab_emu::kAlignment) {
    return fail(EMU_ERROR_OUT_OF_MEMORY, "emu_malloc: cannot allocate " + std::to_string(bytes) + " bytes");
  }
  // Zero bytes still get a distinct pointer (one alignment unit), so every successful call can be freed.
  const std::size_t rounded = bytes == 0 ? dab_emu::kAlignment
                                         : (bytes + dab_emu::kAlignment - 1) / dab_emu::kAlignment * dab_emu::kAlignment;
  auto& table = dab_emu::allocations();
  {
    std::lock_guard<std::mutex> lock(table.mutex);
    if (rounded > table.capacity - std::min(table.total, table.capacity)) {
      return fail(EMU_ERROR_OUT_OF_MEMORY, "emu_malloc: out of memory allocating " + std::to_string(bytes) +
                                               " bytes: " + std::to_string(table.total) + " of the device's " +
                                               std::to_string(table.capacity) + " bytes are in use (DAB_EMU_MEMORY)");
    }
  }
  void* memory = std::aligned_alloc(dab_emu::kAlignment, rounded);
  if (memory == nullptr) {
    return fail(EMU_ERROR_OUT_OF_MEMORY, "emu_malloc: out of memory allocating " + std::to_string(bytes) +
                                             " bytes (" + std::to_string(emu_allocated_bytes()) +
                                             " bytes are allocated)");
  }
  {
    std::lock_guard<std::mutex> lock(table.mutex);
    table.bytes_by_pointer.emplace(memory, bytes);
    table.total += bytes;
  }
  *ptr = memory;
  return EMU_OK;
}

extern "C" int emu_free(void* ptr) {
  if (ptr == nullptr) return EMU_OK;  // as cudaFree(nullptr)
  auto& table = dab_emu::allocations();
  {
    std::lock_guard<std::mutex> lock(table.mutex);
    auto found = table.bytes_by_pointer.find(ptr);
    if (found == table.bytes_by_pointer.end()) {
      return fail(EMU_ERROR_INVALID_VALUE, "emu_free: " + dab_emu::pointer_text(ptr) +
                                               " was not returned by emu_malloc, or was already freed");
    }
    table.total -= found->second;
    table.bytes_by_pointer.erase(found);
  }
  std::free(ptr);
  return EMU_OK;
}

extern "C" int emu_memcpy(void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return EMU_OK;
  if (dst == nullptr || src == nullptr) {
    return fail(EMU_ERROR_INVALID_VALUE, std::string("emu_memcpy: ") + (dst == nullptr ? "dst" : "src") +
                                             " is null for a copy of " + std::to_string(bytes) + " bytes");
  }
  std::memmove(dst, src, bytes);  // overlap is undefined for cudaMemcpy; be forgiving rather than corrupt
  return EMU_OK;
}

extern "C" int emu_memset(void* dst, int value, size_t bytes) {
  if (bytes == 0) return EMU_OK;
  if (dst == nullptr) {
    return fail(EMU_ERROR_INVALID_VALUE, "emu_memset: dst is null for " + std::to_string(bytes) + " bytes");
  }
  std::memset(dst, value, bytes);
  return EMU_OK;
}

extern "C" size_t emu_allocated_bytes(void) {
  auto& table = dab_emu::allocations();
  std::lock_guard<std::mutex> lock(table.mutex);
  return table.total;
}

extern "C" size_t emu_memory_capacity(void) {
  auto& table = dab_emu::allocations();
  std::lock_guard<std::mutex> lock(table.mutex);
  return table.capacity;
}
