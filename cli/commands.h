#ifndef CAREGATE_CLI_COMMANDS_H_
#define CAREGATE_CLI_COMMANDS_H_

#include "absl/strings/string_view.h"
#include <string>
#include <vector>

#include "cli/options.h"
#include "google/protobuf/message.h"
#include "grpcpp/support/status.h"

namespace caregate::cli {

// One caregatectl subcommand. Run returns the process exit code: 0 on
// success, 1 when the server or the input refused, 2 on a usage error.
struct Command {
  const char* name;
  const char* usage;
  const char* summary;
  int (*run)(const ConnectionOptions& connection, const std::vector<std::string>& argv);
};

// Every subcommand, in the order `caregatectl help` lists them. Each lives in
// its own file; this list (commands.cc) is the only registry.
const std::vector<Command>& AllCommands();

// The command called `name`, which must be in AllCommands() (each command
// looks itself up for its usage line).
const Command& CommandNamed(absl::string_view name);

// Prints `message` as proto3 JSON (with --json) or as text for people.
void PrintMessage(const ConnectionOptions& connection,
                  const google::protobuf::Message& message);

// Prints a failed call for people: code, message and the ErrorInfo reason.
// Returns the exit code for it (1).
int PrintRpcError(const grpc::Status& status);

// Prints a usage error and returns 2.
int UsageError(const Command& command, absl::string_view problem);

// Makes one unary call with the connection's deadline and token and prints
// the answer (PrintMessage) or the error (PrintRpcError). Returns the exit
// code.
template <typename Stub, typename Request, typename Response>
int CallAndPrint(const ConnectionOptions& connection, const Command& command, Stub& stub,
                 grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                 const Request& request) {
  auto context = connection.Context();
  if (!context.ok()) return UsageError(command, context.status().message());
  Response response;
  grpc::Status status = (stub.*method)(context->get(), request, &response);
  if (!status.ok()) return PrintRpcError(status);
  PrintMessage(connection, response);
  return 0;
}

// The subcommands (one file each).
int RunHealth(const ConnectionOptions& connection, const std::vector<std::string>& argv);
int RunGet(const ConnectionOptions& connection, const std::vector<std::string>& argv);
int RunGpSummary(const ConnectionOptions& connection, const std::vector<std::string>& argv);
int RunImportCld(const ConnectionOptions& connection, const std::vector<std::string>& argv);
int RunDemoData(const ConnectionOptions& connection, const std::vector<std::string>& argv);
int RunAudit(const ConnectionOptions& connection, const std::vector<std::string>& argv);
int RunToken(const ConnectionOptions& connection, const std::vector<std::string>& argv);
int RunConsent(const ConnectionOptions& connection, const std::vector<std::string>& argv);

}  // namespace caregate::cli

#endif  // CAREGATE_CLI_COMMANDS_H_
