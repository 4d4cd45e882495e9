#ifndef CAREGATE_GATEWAY_THREAD_POOL_H_
#define CAREGATE_GATEWAY_THREAD_POOL_H_

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
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

  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
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
      absl::MutexLock lock(&state->mu);
      state->value.emplace(std::move(value));
    });
    return p;
  }

  // The value, or nullopt when `deadline` passed first.
  std::optional<T> Wait(absl::Time deadline) {
    absl::MutexLock lock(&state_->mu);
    auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(state_->mu) {
      return state_->value.has_value();
    };
    state_->mu.AwaitWithDeadline(absl::Condition(&ready), deadline);
    if (!state_->value.has_value()) return std::nullopt;
    return std::move(*state_->value);
  }

 private:
  struct State {
    absl::Mutex mu;
    std::optional<T> value ABSL_GUARDED_BY(mu);
  };
  Pending() : state_(std::make_shared<State>()) {}
  std::shared_ptr<State> state_;
};

}  // namespace caregate::gateway

#endif  // CAREGATE_GATEWAY_THREAD_POOL_H_
