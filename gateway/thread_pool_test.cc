#include "gateway/thread_pool.h"

#include <atomic>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace caregate::gateway {
namespace {

TEST(ThreadPoolTest, RunsTasksInParallel) {
  ThreadPool pool(2);
  absl::Notification a_started, b_started;
  // Each task waits for the other to start: only true parallelism finishes.
  auto a = Pending<bool>::Run(pool, [&] {
    a_started.Notify();
    return b_started.WaitForNotificationWithTimeout(absl::Seconds(30));
  });
  auto b = Pending<bool>::Run(pool, [&] {
    b_started.Notify();
    return a_started.WaitForNotificationWithTimeout(absl::Seconds(30));
  });
  EXPECT_EQ(a.Wait(absl::InfiniteFuture()), true);
  EXPECT_EQ(b.Wait(absl::InfiniteFuture()), true);
}

TEST(ThreadPoolTest, WaiterGivesUpAtDeadlineAndTaskFinishesLater) {
  ThreadPool pool(1);
  absl::Notification release;
  std::atomic<bool> finished{false};
  auto slow = Pending<int>::Run(pool, [&] {
    release.WaitForNotification();
    finished = true;
    return 7;
  });
  EXPECT_EQ(slow.Wait(absl::Now() + absl::Milliseconds(20)), std::nullopt);
  release.Notify();
  // The pool drains on destruction; the dropped result does not crash.
  auto next = Pending<int>::Run(pool, [] { return 1; });
  EXPECT_EQ(next.Wait(absl::InfiniteFuture()), 1);
  EXPECT_TRUE(finished);
}

}  // namespace
}  // namespace caregate::gateway
