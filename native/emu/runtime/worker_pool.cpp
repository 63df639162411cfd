// The OS threads that run blocks in parallel when emu_set_workers(n > 1). They are created on first
// need and then sleep between launches, so a launch costs a wake-up, not a thread creation. The
// thread that calls emu_launch always runs blocks too.
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "grid_run.h"

namespace dab_emu {
namespace {

class WorkerPool {
 public:
  ~WorkerPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread& thread : threads_) thread.join();
  }

  void run(GridRun& grid, int helpers) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      while (threads_.size() < static_cast<std::size_t>(helpers)) threads_.emplace_back([this] { serve(); });
      job_ = &grid;
      open_slots_ = helpers;
    }
    wake_.notify_all();
    grid.run_blocks();
    std::unique_lock<std::mutex> lock(mutex_);
    open_slots_ = 0;  // a helper that wakes up only now has nothing left to do
    finished_.wait(lock, [this] { return busy_ == 0; });
    job_ = nullptr;
  }

 private:
  void serve() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
      wake_.wait(lock, [this] { return stopping_ || open_slots_ > 0; });
      if (stopping_) return;
      --open_slots_;
      ++busy_;
      GridRun* job = job_;
      lock.unlock();
      job->run_blocks();
      lock.lock();
      if (--busy_ == 0) finished_.notify_all();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable finished_;
  std::vector<std::thread> threads_;
  GridRun* job_ = nullptr;
  int open_slots_ = 0;  // helpers still wanted for job_
  int busy_ = 0;        // helpers running job_'s blocks
  bool stopping_ = false;
};

}  // namespace

void run_on_workers(GridRun& grid, int helpers) {
  if (helpers <= 0) {
    grid.run_blocks();
    return;
  }
  static WorkerPool pool;
  pool.run(grid, helpers);
}

}  // namespace dab_emu
