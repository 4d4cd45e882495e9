// caregatectl: the command-line client for caregate. Run `caregatectl help`.

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "cli/commands.h"

namespace {

constexpr char kConnectionHelp[] =
    "connection options (before the subcommand):\n"
    "  --address HOST:PORT   caregate server (default 127.0.0.1:7443)\n"
    "  --ca-file FILE        CA bundle: connect with TLS\n"
    "  --cert-file FILE      client certificate for mutual TLS\n"
    "  --key-file FILE       client key for mutual TLS\n"
    "  --token JWT           bearer token (or --token-file FILE, or $CAREGATE_TOKEN)\n"
    "  --timeout-ms N        deadline per call (default 10000)\n"
    "  --json                print proto3 JSON for scripts\n";

void PrintHelp() {
  std::cout << "usage: caregatectl [connection options] COMMAND [options]\n\n"
            << "commands:\n";
  for (const auto& c : caregate::cli::AllCommands()) {
    std::cout << "  " << c.usage << "\n      " << c.summary << "\n";
  }
  std::cout << "\n" << kConnectionHelp;
}

}  // namespace

int main(int argc, char** argv) {
  caregate::cli::ConnectionOptions connection;
  int i = 1;
  auto value = [&](const std::string& name) -> std::string {
    if (i + 1 >= argc) {
      std::cerr << "caregatectl: " << name << " needs a value\n";
      std::exit(2);
    }
    return argv[++i];
  };
  for (; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0) break;
    if (a == "--address") connection.address = value(a);
    else if (a == "--ca-file") connection.ca_file = value(a);
    else if (a == "--cert-file") connection.cert_file = value(a);
    else if (a == "--key-file") connection.key_file = value(a);
    else if (a == "--token") connection.token = value(a);
    else if (a == "--token-file") connection.token_file = value(a);
    else if (a == "--json") connection.json = true;
    else if (a == "--timeout-ms") {
      if (!absl::SimpleAtoi(value(a), &connection.timeout_ms) ||
          connection.timeout_ms <= 0) {
        std::cerr << "caregatectl: --timeout-ms must be a positive number\n";
        return 2;
      }
    } else if (a == "--help") {
      PrintHelp();
      return 0;
    } else {
      std::cerr << "caregatectl: unknown option " << a << " (see caregatectl help)\n";
      return 2;
    }
  }
  if (i >= argc || std::string(argv[i]) == "help") {
    PrintHelp();
    return i >= argc ? 2 : 0;
  }
  const std::string name = argv[i];
  std::vector<std::string> rest(argv + i + 1, argv + argc);
  // --json is accepted after the subcommand too, where people tend to put it.
  for (auto it = rest.begin(); it != rest.end();) {
    if (*it == "--json") {
      connection.json = true;
      it = rest.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& c : caregate::cli::AllCommands()) {
    if (name == c.name) return c.run(connection, rest);
  }
  std::cerr << "caregatectl: unknown command " << name << " (see caregatectl help)\n";
  return 2;
}
