// caregate: the record-sharing gateway between general practice and council
// adult social care. See README.md.
//
//   caregate                    run on the embedded demo configuration
//   caregate --config FILE      run on a YAML configuration
//
// On start it prints one line, "caregate listening on HOST:PORT", to stdout.
// SIGTERM or SIGINT shuts it down cleanly.

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/log.h"
#include "gateway/config/config.h"
#include "gateway/server.h"

ABSL_FLAG(std::string, config, "",
          "YAML configuration file; empty runs the embedded demo configuration");
ABSL_FLAG(std::string, listen, "",
          "Override server.listen_address (host:port; port 0 picks a free port)");
ABSL_FLAG(std::string, data_dir, "", "Override data_dir");
ABSL_FLAG(std::string, metrics_listen, "",
          "Override server.metrics_address (host:port; port 0 picks a free port)");

namespace {

using caregate::common::LogError;
using caregate::common::LogInfo;

caregate::common::LogLevel ParseLevel(const std::string& level) {
  if (level == "debug") return caregate::common::LogLevel::kDebug;
  if (level == "warning") return caregate::common::LogLevel::kWarning;
  if (level == "error") return caregate::common::LogLevel::kError;
  return caregate::common::LogLevel::kInfo;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "caregate [--config FILE] [--listen HOST:PORT] [--metrics_listen HOST:PORT] "
      "[--data_dir DIR]");
  absl::ParseCommandLine(argc, argv);
  // Abseil's mutex deadlock detection (on in Debian's build) tracks every
  // lock a thread holds, on every acquisition; the tests keep it, the server
  // does not pay for it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  // Block the shutdown signals before any thread starts, so every thread
  // inherits the mask and only sigwait below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const std::string config_file = absl::GetFlag(FLAGS_config);
  auto config = config_file.empty()
                    ? caregate::gateway::ParseConfig(
                          caregate::gateway::EmbeddedDemoConfigYaml())
                    : caregate::gateway::LoadConfigFile(config_file);
  if (config.ok()) {
    bool overridden = false;
    if (!absl::GetFlag(FLAGS_listen).empty()) {
      config->mutable_server()->set_listen_address(absl::GetFlag(FLAGS_listen));
      overridden = true;
    }
    if (!absl::GetFlag(FLAGS_metrics_listen).empty()) {
      config->mutable_server()->set_metrics_address(absl::GetFlag(FLAGS_metrics_listen));
      overridden = true;
    }
    if (!absl::GetFlag(FLAGS_data_dir).empty()) {
      config->set_data_dir(absl::GetFlag(FLAGS_data_dir));
      overridden = true;
    }
    if (overridden) {
      absl::Status s = caregate::gateway::ValidateConfig(*config);
      if (!s.ok()) config = s;
    }
  }
  if (!config.ok()) {
    std::cerr << "caregate: invalid configuration: " << config.status().message()
              << "\n";
    return 2;
  }
  caregate::common::SetLogLevel(ParseLevel(config->logging().level()));
  caregate::common::SetLogFormat(config->logging().format() == "text"
                                     ? caregate::common::LogFormat::kText
                                     : caregate::common::LogFormat::kJson);

  caregate::gateway::CaregateServer::Options options;
  // A demo configuration (the embedded default, or a file naming the demo
  // issuer's key) gets its demo data and keys made on first start.
  options.demo = !config->consent().demo_issuer_private_key_file().empty();
  auto server = caregate::gateway::CaregateServer::Start(*config, options);
  if (!server.ok()) {
    LogError("start_failed", {{"error", server.status().message()}});
    std::cerr << "caregate: " << server.status().message() << "\n";
    return 1;
  }
  const std::string metrics_port = absl::StrCat((*server)->metrics_port());
  LogInfo("started", {{"address", (*server)->address()},
                      {"metrics_port", metrics_port},
                      {"config", config_file.empty() ? "embedded-demo" : "file"}});
  std::printf("caregate listening on %s\n", (*server)->address().c_str());
  if ((*server)->metrics_port() != 0) {
    std::printf("caregate metrics on http://127.0.0.1:%d/metrics\n", (*server)->metrics_port());
  }
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  LogInfo("shutting_down", {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"}});
  (*server)->Shutdown(absl::Seconds(config->server().shutdown_grace().seconds()) +
                      absl::Nanoseconds(config->server().shutdown_grace().nanos()));
  LogInfo("stopped");
  return 0;
}
