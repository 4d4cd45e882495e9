#include "cli/commands.h"

#include <cstdlib>
#include <iostream>

#include "gateway/grpc_status.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"

namespace caregate::cli {

const std::vector<Command>& AllCommands() {
  static const std::vector<Command>* const commands = new std::vector<Command>{
      {"health", "health [--service NAME]",
       "Ask the server's grpc.health.v1 service whether it is serving", RunHealth},
      {"get",
       "get gp-summary|social-care-summary|combined-profile --nhs-number N "
       "[--purpose direct-care|safeguarding] [--emergency REASON --justification TEXT]",
       "Pull a view of one person's records (needs --token), with its disclosure receipt",
       RunGet},
      {"gp-summary", "gp-summary --bundle FILE [--json] [--strict] [--max-bytes N]",
       "Map a GP Connect structured-record bundle offline and print the GP summary",
       RunGpSummary},
      {"import-cld", "import-cld --events FILE [--contacts FILE] --db TARGET [--timeout-s N]",
       "Import Client Level Data files into a council store (TARGET: a SQLite file, or a "
       "postgresql:// URI or host=... conninfo); all or nothing",
       RunImportCld},
      {"demo-data", "demo-data --out DIR [--people N] [--seed S] [--no-gp]",
       "Write deterministic synthetic people: CLD events and contacts, and GP Connect "
       "bundles with gp/index.json",
       RunDemoData},
      {"audit",
       "audit verify --db TARGET --tree-head FILE --public-key FILE\n"
       "  audit check-report --db TARGET --report FILE --nhs-number N --public-key FILE\n"
       "  audit export --db TARGET [--from-index N] [--out FILE] [--gateway-id ID]\n"
       "  audit tree-head --out FILE [--public-key-out FILE]\n"
       "  audit report --nhs-number N [--public-key FILE] [--out FILE]\n"
       "  audit list [--nhs-number N] [--user ID] [--organisation ODS]\n"
       "             [--outcome permit|deny|error] [--from T] [--to T] [--page-size N]\n"
       "  audit emergency [--state awaiting|closed|escalated]\n"
       "  audit review --index N --outcome closed|escalated --note TEXT",
       "The audit log: verify it offline (TARGET = SQLite file or PostgreSQL conninfo), check "
       "a saved access report is complete, export FHIR AuditEvents, save a signed tree head, "
       "print a person's proven access report, list events, review emergency accesses",
       RunAudit},
      {"token", "token --role ROLE --user ID --org ODS [--name N] [--teams T1,T2] [--ttl 15m] [--assurance 3] [--config FILE] [--data-dir DIR]",
       "Mint a bearer token with the demo issuer's key (demo configuration only)", RunToken},
      {"consent", "consent record|withdraw|status|history --nhs-number N [--direction gp-to-social-care|social-care-to-gp|integrated-team] [--decision permit|dissent] [--decided-by person|lpa-health-and-welfare|court-appointed-deputy|best-interests] [--decision-maker-name ..] [--registration-reference ..] [--decision-date YYYY-MM-DD] [--decision-reason ..] [--method verbal|written|electronic] [--from YYYY-MM-DD] [--until YYYY-MM-DD] [--evidence REF] [--reason TEXT]",
       "Record, withdraw or read a person's consent to sharing", RunConsent},
  };
  return *commands;
}

const Command& CommandNamed(absl::string_view name) {
  for (const auto& c : AllCommands()) {
    if (name == c.name) return c;
  }
  std::abort();  // a programming error: every caller names itself
}

void PrintMessage(const ConnectionOptions& connection,
                  const google::protobuf::Message& message) {
  std::string out;
  if (connection.json) {
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    options.preserve_proto_field_names = true;
    (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  } else {
    google::protobuf::TextFormat::Printer printer;
    printer.SetUseUtf8StringEscaping(true);
    printer.PrintToString(message, &out);
  }
  std::cout << out;
  if (!out.empty() && out.back() != '\n') std::cout << "\n";
}

int PrintRpcError(const grpc::Status& status) {
  std::cerr << "error: " << status.error_code() << " " << status.error_message();
  std::string reason = gateway::ErrorInfoReason(status);
  if (!reason.empty()) std::cerr << " [" << reason << "]";
  std::cerr << "\n";
  return 1;
}

int UsageError(const Command& command, absl::string_view problem) {
  std::cerr << "caregatectl " << command.name << ": " << problem
            << "\nusage: caregatectl [connection options] " << command.usage << "\n";
  return 2;
}

}  // namespace caregate::cli
