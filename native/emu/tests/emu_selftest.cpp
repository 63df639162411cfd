// Checks the emulated device through its C ABI, the way Dab.Kernels uses it, and measures what its
// fibers cost. Run by CTest; exits non-zero if any check fails.
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "../emu_api.h"
#include "../runtime/fiber.h"
#include "../runtime/fiber_stacks.h"

namespace {

int checks = 0;
int failures = 0;

void check(bool ok, const std::string& what) {
  ++checks;
  if (!ok) {
    ++failures;
    std::printf("  FAIL: %s\n", what.c_str());
  }
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

emu_dim3 dim(unsigned x, unsigned y = 1, unsigned z = 1) { return emu_dim3{x, y, z}; }

// Device memory for the duration of a test.
template <class T>
class Buffer {
 public:
  explicit Buffer(std::size_t count) : count_(count) {
    if (emu_malloc(reinterpret_cast<void**>(&data_), count * sizeof(T)) != EMU_OK) {
      std::printf("emu_malloc failed: %s\n", emu_last_error());
      std::exit(2);
    }
    emu_memset(data_, 0, count * sizeof(T));
  }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() { emu_free(data_); }

  T* get() const { return data_; }
  std::vector<T> read() const {
    std::vector<T> host(count_);
    emu_memcpy(host.data(), data_, count_ * sizeof(T));
    return host;
  }
  void write(const std::vector<T>& host) { emu_memcpy(data_, host.data(), count_ * sizeof(T)); }

 private:
  T* data_ = nullptr;
  std::size_t count_;
};

// Launches with the arguments' addresses in args[], as cuLaunchKernel takes them.
template <class... A>
int launch(const char* kernel, emu_dim3 grid, emu_dim3 block, std::size_t shared, A... arguments) {
  void* args[] = {static_cast<void*>(&arguments)..., nullptr};
  return emu_launch(kernel, grid, block, shared, args);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// ---- tests ----

void test_registry() {
  const int count = emu_kernel_count();
  check(count >= 14, "at least the 14 selftest kernels are registered, found " + std::to_string(count));
  bool found = false;
  for (int i = 0; i < count; ++i) {
    if (std::strcmp(emu_kernel_name(i), "emu_selftest_shuffle") == 0) found = true;
    if (i > 0) check(std::strcmp(emu_kernel_name(i - 1), emu_kernel_name(i)) < 0, "kernel names are sorted");
  }
  check(found, "emu_selftest_shuffle is registered");
  check(emu_kernel_name(-1) == nullptr && emu_kernel_name(count) == nullptr, "out-of-range names are null");
}

void test_memory() {
  const std::size_t before = emu_allocated_bytes();
  void* p = nullptr;
  check(emu_malloc(&p, 1000) == EMU_OK && p != nullptr, "emu_malloc(1000)");
  check(reinterpret_cast<std::uintptr_t>(p) % 256 == 0, "allocations are 256-byte aligned");
  check(emu_allocated_bytes() == before + 1000, "emu_allocated_bytes counts the allocation");
  std::vector<unsigned char> host(1000, 7), back(1000, 0);
  check(emu_memcpy(p, host.data(), 1000) == EMU_OK && emu_memcpy(back.data(), p, 1000) == EMU_OK && host == back,
        "emu_memcpy round trip");
  check(emu_memset(p, 3, 1000) == EMU_OK && emu_memcpy(back.data(), p, 1000) == EMU_OK &&
            back == std::vector<unsigned char>(1000, 3),
        "emu_memset");
  check(emu_free(p) == EMU_OK && emu_allocated_bytes() == before, "emu_free returns the bytes");
  check(emu_free(p) == EMU_ERROR_INVALID_VALUE, "a double free is an error");
  check(contains(emu_last_error(), "emu_malloc"), std::string("the message says why: ") + emu_last_error());
  int on_stack = 0;
  check(emu_free(&on_stack) == EMU_ERROR_INVALID_VALUE, "freeing an unknown pointer is an error");
  check(emu_free(nullptr) == EMU_OK, "emu_free(nullptr) is a no-op");
  void* empty = nullptr;
  check(emu_malloc(&empty, 0) == EMU_OK && empty != nullptr && emu_free(empty) == EMU_OK, "zero-byte allocations");
  check(emu_malloc(nullptr, 8) == EMU_ERROR_INVALID_VALUE, "emu_malloc with a null ptr");
  void* huge = nullptr;
  check(emu_malloc(&huge, SIZE_MAX / 2) == EMU_ERROR_OUT_OF_MEMORY && huge == nullptr, "an impossible allocation");
  check(emu_memcpy(nullptr, host.data(), 4) == EMU_ERROR_INVALID_VALUE, "emu_memcpy to null");
}

void test_missing_barrier() {
  const unsigned blocks = 4, threads = 64, n = blocks * threads;
  std::vector<float> expected(n);
  for (unsigned b = 0; b < blocks; ++b)
    for (unsigned t = 0; t < threads; ++t) expected[b * threads + t] = static_cast<float>(b * threads + (t + 1) % threads) + 0.5f;

  Buffer<float> out(n);
  int wrong_seeds = 0;
  std::set<std::vector<float>> distinct;
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    emu_set_seed(seed);
    check(launch("emu_selftest_with_barrier", dim(blocks), dim(threads), 0, out.get(), static_cast<int>(n)) == EMU_OK,
          "with_barrier launches");
    check(out.read() == expected, "with_barrier is right under seed " + std::to_string(seed));
    check(launch("emu_selftest_missing_barrier", dim(blocks), dim(threads), 0, out.get(), static_cast<int>(n)) == EMU_OK,
          "missing_barrier launches");
    const std::vector<float> got = out.read();
    if (got != expected) ++wrong_seeds;
    distinct.insert(got);
  }
  std::printf("  missing barrier: wrong under %d of 8 seeds, %zu distinct results\n", wrong_seeds, distinct.size());
  check(wrong_seeds >= 1, "a missing __syncthreads gives a wrong answer under some seed");
  check(distinct.size() >= 2, "different seeds give different schedules");

  // The same seed replays the same schedule. Block 0 may read leftovers of the previous launch, so
  // compare from block 1 on, whose leftovers come from this launch's block 0.
  std::vector<std::vector<float>> runs;
  for (int i = 0; i < 2; ++i) {
    emu_set_seed(42);
    launch("emu_selftest_missing_barrier", dim(blocks), dim(threads), 0, out.get(), static_cast<int>(n));
    std::vector<float> got = out.read();
    runs.emplace_back(got.begin() + threads, got.end());
  }
  check(runs[0] == runs[1], "a seed reproduces its schedule");
}

void test_shuffle() {
  Buffer<int> out(7 * 32);
  check(launch("emu_selftest_shuffle", dim(1), dim(32), 0, out.get()) == EMU_OK, "shuffle launches");
  const std::vector<int> got = out.read();
  int wrong = 0;
  for (int lane = 0; lane < 32; ++lane) {
    const int v = 100 + lane;
    const int expected[7] = {131 - lane,
                             lane < 28 ? v + 4 : v,
                             100 + (lane ^ 5),
                             lane >= 3 ? v - 3 : v,
                             100 + (lane & ~7) + ((lane + 1) & 7),
                             496,
                             lane < 31 ? lane + 1 : 31};
    for (int row = 0; row < 7; ++row) {
      if (got[row * 32 + lane] != expected[row]) {
        if (++wrong <= 5) std::printf("  shuffle row %d lane %d: got %d, expected %d\n", row, lane, got[row * 32 + lane], expected[row]);
      }
    }
  }
  check(wrong == 0, "warp shuffles give CUDA's results");
}

void test_ballot() {
  Buffer<unsigned> out(16);
  check(launch("emu_selftest_ballot", dim(1), dim(64), 0, out.get()) == EMU_OK,
        std::string("ballot launches: ") + emu_last_error());
  const std::vector<unsigned> got = out.read();
  for (unsigned warp = 0; warp < 2; ++warp) {
    const unsigned expected[8] = {0x49249249u, warp, 1, 0, 0x0000aaaau, 0xaaaa0000u, 0x000fffffu, 16};
    for (int i = 0; i < 8; ++i) {
      char what[96];
      std::snprintf(what, sizeof what, "ballot warp %u entry %d: got 0x%08x, expected 0x%08x", warp, i,
                    got[8 * warp + i], expected[i]);
      check(got[8 * warp + i] == expected[i], what);
    }
  }
}

void test_atomics() {
  for (int workers : {1, 2, 4}) {
    emu_set_workers(workers);
    Buffer<int> counter(1), maxv(1);
    Buffer<float> fsum(1);
    maxv.write({-1});
    const unsigned blocks = 64, threads = 256, n = blocks * threads;
    check(launch("emu_selftest_atomics", dim(blocks), dim(threads), 0, counter.get(), fsum.get(), maxv.get()) == EMU_OK,
          "atomics launch");
    check(counter.read()[0] == static_cast<int>(n) && fsum.read()[0] == n / 2.0f && maxv.read()[0] == static_cast<int>(n - 1),
          "atomics over " + std::to_string(blocks) + " blocks on " + std::to_string(workers) + " workers: counter " +
              std::to_string(counter.read()[0]) + ", fsum " + std::to_string(fsum.read()[0]) + ", max " +
              std::to_string(maxv.read()[0]));
  }
  emu_set_workers(1);
}

void test_deadlock() {
  Buffer<int> out(7 * 32);  // room for the shuffle kernel's output too
  check(launch("emu_selftest_deadlock", dim(1), dim(64), 0, out.get()) == EMU_ERROR_DEADLOCK, "a deadlock is reported");
  const std::string message = emu_last_error();
  std::printf("  deadlock message: %s\n", message.c_str());
  for (const char* part : {"emu_selftest_deadlock", "block (0,0,0)", "Threads 0-15", "__shfl_sync", "Threads 16-31",
                           "__syncthreads", "Threads 32-63: exited"}) {
    check(contains(message, part), std::string("the deadlock message names ") + part);
  }
  emu_set_workers(2);
  check(launch("emu_selftest_deadlock", dim(5), dim(64), 0, out.get()) == EMU_ERROR_DEADLOCK,
        "a deadlock on parallel workers is reported");
  emu_set_workers(1);
  check(launch("emu_selftest_shuffle", dim(1), dim(32), 0, out.get()) == EMU_OK, "launches work after a deadlock");
}

void test_early_exit_barrier() {
  const unsigned threads = 128;
  Buffer<int> out(threads / 2);
  check(launch("emu_selftest_early_exit_barrier", dim(1), dim(threads), 0, out.get()) == EMU_OK,
        std::string("exited threads count as arrived at __syncthreads: ") + emu_last_error());
  const std::vector<int> got = out.read();
  bool right = true;
  for (unsigned k = 0; k < threads / 2; ++k) right &= got[k] == static_cast<int>((2 * k + 2) % threads + 1);
  check(right, "early-exit barrier results");
}

void test_dynamic_shared() {
  const unsigned blocks = 3, threads = 128;
  Buffer<float> out(blocks * threads);
  check(launch("emu_selftest_dynamic_shared", dim(blocks), dim(threads), threads * sizeof(float), out.get()) == EMU_OK,
        "dynamic shared memory launch");
  const std::vector<float> got = out.read();
  bool right = true;
  for (unsigned b = 0; b < blocks; ++b)
    for (unsigned t = 0; t < threads; ++t) right &= got[b * threads + t] == static_cast<float>(b * 1000 + threads - 1 - t);
  check(right, "dynamic shared memory is per block");
  check(launch("emu_selftest_dynamic_shared", dim(1), dim(64), 227 * 1024, out.get()) == EMU_OK,
        "227 KB of dynamic shared memory is allowed");
}

void test_trap_and_assert() {
  Buffer<int> out(7 * 32);  // room for the shuffle kernel's output too
  check(launch("emu_selftest_trap", dim(3), dim(6), 0, out.get()) == EMU_ERROR_LAUNCH_FAILED, "__trap fails the launch");
  std::string message = emu_last_error();
  std::printf("  trap message: %s\n", message.c_str());
  check(contains(message, "emu_selftest_trap") && contains(message, "block (1,0,0), thread (5,0,0)") &&
            contains(message, "__trap"),
        "the trap message names the kernel, block and thread");

  check(launch("emu_selftest_assert", dim(1), dim(64), 0, out.get(), 1000) == EMU_OK, "a passing assert");
  check(launch("emu_selftest_assert", dim(1), dim(64), 0, out.get(), 10) == EMU_ERROR_LAUNCH_FAILED,
        "a failing assert fails the launch");
  message = emu_last_error();
  std::printf("  assert message: %s\n", message.c_str());
  check(contains(message, "assertion") && contains(message, "threadIdx.x") && contains(message, "selftest.cu"),
        "the assert message names the expression and file");
  check(launch("emu_selftest_libc_assert", dim(1), dim(64), 0, out.get(), 10) == EMU_ERROR_LAUNCH_FAILED,
        "a failing assert from <cassert> fails the launch, not the process");
  message = emu_last_error();
  check(contains(message, "emu_selftest_libc_assert") && contains(message, "thread (") && contains(message, "limit"),
        "the <cassert> message names the kernel, thread and expression: " + message);
  check(launch("emu_selftest_shuffle", dim(1), dim(32), 0, out.get()) == EMU_OK, "launches work after a trap");
}

void test_validation() {
  Buffer<unsigned> out(64);
  struct Case {
    emu_dim3 grid, block;
    std::size_t shared;
    const char* why;
  };
  const Case bad[] = {
      {dim(1), dim(1025), 0, "block.x"},
      {dim(1), dim(32, 32, 2), 0, "2048 threads"},
      {dim(1), dim(1, 1, 65), 0, "block.z"},
      {dim(1), dim(0), 0, "block.x"},
      {dim(0), dim(32), 0, "grid.x"},
      {dim(1, 65536), dim(32), 0, "grid.y"},
      {dim(1), dim(32), 227 * 1024 + 1, "dynamic shared memory"},
  };
  for (const Case& c : bad) {
    const int code = launch("emu_selftest_index", c.grid, c.block, c.shared, out.get());
    check(code == EMU_ERROR_LAUNCH_FAILED && contains(emu_last_error(), c.why),
          std::string("bad configuration rejected (") + c.why + "): " + emu_last_error());
  }
  check(launch("emu_no_such_kernel", dim(1), dim(1), 0, out.get()) == EMU_ERROR_NOT_FOUND, "unknown kernel");
  check(emu_launch(nullptr, dim(1), dim(1), 0, nullptr) == EMU_ERROR_INVALID_VALUE, "null kernel name");
  check(emu_launch("emu_selftest_index", dim(1), dim(1), 0, nullptr) == EMU_ERROR_INVALID_VALUE, "null args");
  void* null_argument[] = {nullptr};
  check(emu_launch("emu_selftest_index", dim(1), dim(1), 0, null_argument) == EMU_ERROR_INVALID_VALUE, "null args[0]");
}

void test_indices() {
  for (int workers : {1, 3}) {
    emu_set_workers(workers);
    const emu_dim3 grid = dim(3, 2, 2), block = dim(4, 3, 2);
    const unsigned n = 12 * 24;
    Buffer<unsigned> out(n);
    out.write(std::vector<unsigned>(n, 0xffffffffu));
    check(launch("emu_selftest_index", grid, block, 0, out.get()) == EMU_OK, "3-D launch");
    const std::vector<unsigned> got = out.read();
    bool right = true;
    for (unsigned i = 0; i < n; ++i) right &= got[i] == i;
    check(right, "every thread of a 3-D launch runs once with its own indices, on " + std::to_string(workers) + " workers");
  }
  emu_set_workers(1);
}

void test_block_sum() {
  const int n = 100000;
  std::vector<float> host(n);
  double expected = 0;
  for (int i = 0; i < n; ++i) expected += host[i] = static_cast<float>(i % 7) * 0.25f;
  Buffer<float> in(n), sum(1);
  in.write(host);
  emu_set_workers(2);
  check(launch("emu_selftest_block_sum", dim(8), dim(256), 0, static_cast<const float*>(in.get()), sum.get(), n) == EMU_OK,
        "block_sum launches");
  emu_set_workers(1);
  check(std::fabs(sum.read()[0] - expected) <= 1e-5 * expected,
        "block_sum: " + std::to_string(sum.read()[0]) + " vs " + std::to_string(expected));
}

void test_barrier_loop() {
  const unsigned blocks = 3, threads = 256;
  const int iterations = 10;
  Buffer<int> out(blocks * threads);
  check(launch("emu_selftest_barrier_loop", dim(blocks), dim(threads), 0, out.get(), iterations) == EMU_OK,
        "barrier loop launches");
  const std::vector<int> got = out.read();
  bool right = true;
  for (unsigned b = 0; b < blocks; ++b)
    for (unsigned t = 0; t < threads; ++t)
      right &= got[b * threads + t] == iterations * (iterations - 1) / 2 + iterations * static_cast<int>((t + 1) % threads);
  check(right, "barrier loop results");
}

// ---- costs ----

struct PingPong {
  dab_emu::FiberContext* main;
  dab_emu::FiberContext* fiber;
};

void ping_pong(void* argument) {
  auto* p = static_cast<PingPong*>(argument);
  while (true) dab_emu::fiber_switch(*p->fiber, *p->main);
}

// The fastest of a few runs, in seconds: the floor a cost can reach, less exposed to other load on
// the machine than an average.
template <class Run>
double best_of(int repetitions, Run run) {
  double best = 1e30;
  for (int i = 0; i < repetitions; ++i) {
    const auto start = std::chrono::steady_clock::now();
    run();
    const double elapsed = seconds_since(start);
    if (elapsed < best) best = elapsed;
  }
  return best;
}

void measure_costs() {
  // A bare switch: two contexts handing control back and forth.
  dab_emu::FiberStacks stacks;
  stacks.reserve(1);
  dab_emu::FiberContext main_context{}, fiber_context{};
  PingPong p{&main_context, &fiber_context};
  dab_emu::fiber_prepare(fiber_context, stacks.base(0), dab_emu::FiberStacks::kStackBytes, &ping_pong, &p);
  const long round_trips = 200000;
  const double switch_ns = best_of(10, [&] {
    for (long i = 0; i < round_trips; ++i) dab_emu::fiber_switch(main_context, fiber_context);
  }) * 1e9 / (2.0 * round_trips);

  // A thread of a kernel without barriers: its whole life, launch overheads shared out.
  const unsigned blocks = 1024, threads = 256;
  Buffer<unsigned> out(blocks * threads);
  const double thread_ns = best_of(5, [&] {
    check(launch("emu_selftest_index", dim(blocks), dim(threads), 0, out.get()) == EMU_OK, "timing launch");
  }) * 1e9 / (blocks * threads);

  // One thread's arrival at __syncthreads: switch, bookkeeping and release.
  const int iterations = 50;
  Buffer<int> loop_out(16 * threads);
  const double barrier_ns = best_of(5, [&] {
    check(launch("emu_selftest_barrier_loop", dim(16), dim(threads), 0, loop_out.get(), iterations) == EMU_OK,
          "timing launch");
  }) * 1e9 / (16.0 * threads * 2 * iterations);

  // A thread of a warp-shuffle block reduction.
  Buffer<float> in(blocks * threads), sum(1);
  const double sum_ns = best_of(5, [&] {
    launch("emu_selftest_block_sum", dim(blocks), dim(threads), 0, static_cast<const float*>(in.get()), sum.get(),
           static_cast<int>(blocks * threads));
  }) * 1e9 / (blocks * threads);

  std::printf("  best of several runs:\n");
  std::printf("  fiber switch (%s): %.1f ns\n", DAB_EMU_FIBER_ASM ? "hand-written x86-64" : "ucontext", switch_ns);
  std::printf("  thread of a barrier-free kernel (256-thread blocks): %.1f ns\n", thread_ns);
  std::printf("  __syncthreads, per thread (256-thread blocks): %.1f ns\n", barrier_ns);
  std::printf("  thread of block_sum (10 shuffles, 1 barrier, 256-thread blocks): %.1f ns\n", sum_ns);
}

}  // namespace

int main() {
  struct Test {
    const char* name;
    void (*run)();
  };
  const Test tests[] = {
      {"registry", test_registry},
      {"memory", test_memory},
      {"missing barrier across seeds", test_missing_barrier},
      {"warp shuffles", test_shuffle},
      {"votes, __activemask, __syncthreads_count", test_ballot},
      {"atomics across blocks and workers", test_atomics},
      {"deadlock detection", test_deadlock},
      {"exited threads at __syncthreads", test_early_exit_barrier},
      {"dynamic shared memory", test_dynamic_shared},
      {"__trap and assert", test_trap_and_assert},
      {"launch validation", test_validation},
      {"3-D indices", test_indices},
      {"block reduction", test_block_sum},
      {"barrier loop", test_barrier_loop},
      {"costs", measure_costs},
  };
  for (const Test& test : tests) {
    std::printf("%s\n", test.name);
    std::fflush(stdout);
    test.run();
  }
  std::printf("%d checks, %d failed\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
