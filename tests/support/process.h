#ifndef CAREGATE_TESTS_SUPPORT_PROCESS_H_
#define CAREGATE_TESTS_SUPPORT_PROCESS_H_

#include "absl/strings/string_view.h"
#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace caregate::testing {

// A child process for end-to-end tests: started with arguments, its stdout
// read line by line, its stderr captured to a file, stopped with a signal.
// The destructor kills a process still running.
class ChildProcess {
 public:
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Start(
      const std::vector<std::string>& argv, const std::string& stderr_file = "");
  ~ChildProcess();

  // Reads stdout until a line containing `needle` arrives, the process exits,
  // or `timeout` passes. Returns the line.
  absl::StatusOr<std::string> WaitForLine(absl::string_view needle,
                                          absl::Duration timeout);
  // Sends `signal` and waits up to `timeout` for the exit. Returns the exit
  // code (128 + signal when killed by one).
  absl::StatusOr<int> Stop(int signal, absl::Duration timeout);
  // Waits for the process to exit by itself.
  absl::StatusOr<int> Wait(absl::Duration timeout);

  pid_t pid() const { return pid_; }
  // Everything read from stdout so far.
  const std::string& output() const { return output_; }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string output_;
  size_t consumed_ = 0;
  bool exited_ = false;
  int exit_code_ = -1;
};

// Runs a command to completion; returns its exit code and its combined
// stdout and stderr.
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
CommandResult RunCommand(const std::vector<std::string>& argv,
                         absl::Duration timeout = absl::Seconds(60));

// A fresh temporary directory, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The port from a "caregate listening on HOST:PORT" line.
absl::StatusOr<int> PortFromListeningLine(absl::string_view line);

}  // namespace caregate::testing

#endif  // CAREGATE_TESTS_SUPPORT_PROCESS_H_
