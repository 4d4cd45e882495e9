// caregatectl gp-summary: parse a GP Connect structured-record bundle offline
// and print the GP summary caregate maps from it, so a person can check what a
// provider sends. Connection options are ignored.

#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "adapters/gpconnect/structured_record.h"
#include "cli/commands.h"
#include "common/status.h"

namespace caregate::cli {

int RunGpSummary(const ConnectionOptions& connection, const std::vector<std::string>& argv) {
  const Command* self = nullptr;
  for (const Command& c : AllCommands())
    if (std::string(c.name) == "gp-summary") self = &c;
  auto args = Args::Parse(argv, {"json", "strict"});
  if (!args.ok()) return UsageError(*self, args.status().message());
  if (auto s = args->OnlyKnown({"bundle", "json", "strict", "max-bytes"}); !s.ok())
    return UsageError(*self, s.message());
  auto path = args->Require("bundle");
  if (!path.ok()) return UsageError(*self, path.status().message());
  adapters::gpconnect::ParseOptions options;
  options.strict_references = args->Has("strict");
  if (args->Has("max-bytes") && !absl::SimpleAtoi(args->Get("max-bytes"), &options.max_bytes))
    return UsageError(*self, "--max-bytes must be a number of bytes");

  std::ifstream in(*path, std::ios::binary);
  if (!in) {
    std::cerr << "error: cannot read the bundle file\n";
    return 1;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto summary = adapters::gpconnect::ParseStructuredRecord(text.str(), options);
  if (!summary.ok()) {
    std::cerr << "error: " << absl::StatusCodeToString(summary.status().code()) << " "
              << summary.status().message() << " [" << common::ErrorReason(summary.status())
              << "]\n";
    return 1;
  }
  ConnectionOptions out = connection;
  if (args->Has("json")) out.json = true;
  PrintMessage(out, *summary);
  return 0;
}

}  // namespace caregate::cli
