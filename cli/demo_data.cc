// caregatectl demo-data: writes deterministic synthetic people for the demo.

#include <iostream>

#include "absl/strings/numbers.h"
#include "adapters/demo_data/demo_data.h"
#include "cli/commands.h"

namespace caregate::cli {
namespace {

const Command& Self() { return CommandNamed("demo-data"); }

}  // namespace

int RunDemoData(const ConnectionOptions& connection, const std::vector<std::string>& argv) {
  const Command& self = Self();
  auto args = Args::Parse(argv, {"no-gp"});
  if (!args.ok()) return UsageError(self, args.status().message());
  if (auto s = args->OnlyKnown({"people", "seed", "out", "no-gp"}); !s.ok()) {
    return UsageError(self, s.message());
  }
  auto out = args->Require("out");
  if (!out.ok()) return UsageError(self, out.status().message());
  adapters::demo_data::DemoDataOptions options;
  if (args->Has("people") && !absl::SimpleAtoi(args->Get("people"), &options.people)) {
    return UsageError(self, "--people must be a number");
  }
  if (args->Has("seed") && !absl::SimpleAtoi(args->Get("seed"), &options.seed)) {
    return UsageError(self, "--seed must be a non-negative number");
  }
  options.write_gp_bundles = !args->Has("no-gp");
  if (auto s = adapters::demo_data::WriteDemoData(options, *out); !s.ok()) {
    std::cerr << "error: " << s.message() << "\n";
    return s.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  std::cout << "wrote " << options.people << " people to " << *out << "\n";
  return 0;
}

}  // namespace caregate::cli
