#ifndef CAREGATE_GATEWAY_THREAD_POOL_H_
#define CAREGATE_GATEWAY_THREAD_POOL_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "absl/time/time.h"

namespace caregate::gateway {

// A fixed set of worker threads running scheduled tasks in FIFO order. The
// gateway keeps gRPC's callback threads free by running each request's flow
// on one pool and its source calls on another (two pools, so a request that
// waits for its sources can never starve them). Thread-safe; the destructor
// finishes queued tasks and joins the workers.
class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  void Schedule(std::function<void()> task);

 private:
  void Work();

  // std::mutex and one condition variable woken once per task: a task wakes
  // one idle worker (absl::Mutex::Await would evaluate every idle worker's
  // condition on each unlock).
  std::mutex mu_;
  std::condition_variable has_work_;
  std::deque<std::function<void()>> queue_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::vector<std::thread> workers_;
};

// The result of a task on a pool, awaited with a deadline. If the deadline
// passes first the waiter moves on; the task still finishes in the background
// and its result is dropped (the shared state outlives the waiter).
template <typename T>
class Pending {
 public:
  // Runs `task` on `pool`.
  static Pending Run(ThreadPool& pool, std::function<T()> task) {
    Pending p;
    auto state = p.state_;
    pool.Schedule([state, task = std::move(task)]() mutable {
      T value = task();
      {
        std::lock_guard lock(state->mu);
        state->value.emplace(std::move(value));
      }
      state->ready.notify_one();
    });
    return p;
  }

  // The value, or nullopt when `deadline` passed first.
  std::optional<T> Wait(absl::Time deadline) {
    std::unique_lock lock(state_->mu);
    auto ready = [this] { return state_->value.has_value(); };
    if (deadline == absl::InfiniteFuture()) {
      state_->ready.wait(lock, ready);
    } else if (!state_->ready.wait_until(lock, absl::ToChronoTime(deadline), ready)) {
      return std::nullopt;
    }
    return std::move(*state_->value);
  }

 private:
  struct State {
    std::mutex mu;
    std::condition_variable ready;  // notified once, when value is set
    std::optional<T> value;         // guarded by mu
  };
  Pending() : state_(std::make_shared<State>()) {}
  std::shared_ptr<State> state_;
};

}  // namespace caregate::gateway

#endif  // CAREGATE_GATEWAY_THREAD_POOL_H_
