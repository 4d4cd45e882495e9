#ifndef CAREGATE_COMMON_AWAIT_H_
#define CAREGATE_COMMON_AWAIT_H_

#include <optional>
#include <utility>

#include "absl/synchronization/notification.h"

namespace caregate::common {

// The blocking form of an asynchronous call: runs `start` with a callback
// that takes a T, waits until that callback has run (on any thread, or on
// this one before `start` returns), and returns what it was given.
//
//   absl::StatusOr<uint64_t> index = common::Await<absl::StatusOr<uint64_t>>(
//       [&](auto done) { log.AppendAsync(entry, deadline, std::move(done)); });
template <typename T, typename Start>
T Await(Start&& start) {
  std::optional<T> answer;
  absl::Notification answered;
  std::forward<Start>(start)([&answer, &answered](T value) {
    answer.emplace(std::move(value));
    answered.Notify();
  });
  answered.WaitForNotification();
  return *std::move(answer);
}

}  // namespace caregate::common

#endif  // CAREGATE_COMMON_AWAIT_H_
