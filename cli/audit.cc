// caregatectl audit: check the tamper-evident audit log.
//   audit verify --db TARGET --tree-head FILE --public-key FILE   (offline)
//   audit export --db TARGET [--from-index N] [--out FILE]           (offline)
//   audit tree-head --out FILE [--public-key-out FILE]               (online)
//   audit report --nhs-number N [--public-key FILE]                  (online)
//   audit check-report --db TARGET --report FILE --nhs-number N --public-key FILE  (offline)
//   audit list [--nhs-number N] [--user ID] [--organisation ODS] [--outcome permit|deny|error]
//              [--from RFC3339] [--to RFC3339] [--page-size N] [--page-token T]   (online)
//   audit emergency [--state awaiting|closed|escalated] [--page-size N] [--page-token T]
//   audit review --index N --outcome closed|escalated --note TEXT     (online)
// TARGET is a SQLite file path or a PostgreSQL conninfo ("host=... dbname=...").

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "caregate/v1/audit.grpc.pb.h"
#include "cli/commands.h"
#include "common/nhs_number.h"
#include "common/sql/database.h"
#include "consent/audit/fhir_export.h"
#include "consent/audit/merkle.h"
#include "consent/audit/sql_audit_log.h"
#include "consent/audit/tree_head.h"
#include "consent/audit/verifier.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"

namespace caregate::cli {
namespace {

namespace audit = caregate::consent::audit;

const Command& Self() { return CommandNamed("audit"); }

absl::StatusOr<std::string> ReadFile(const std::string& path, absl::string_view option) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(option, ": cannot read ", path));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

absl::Status WriteFile(const std::string& path, absl::string_view content,
                       absl::string_view option) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) return absl::UnavailableError(absl::StrCat(option, ": cannot write ", path));
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<common::sql::Database>> OpenTarget(const std::string& target) {
  caregate::config::v1::StoreConfig store;
  if (absl::StrContains(target, "=") || absl::StartsWith(target, "postgres://") ||
      absl::StartsWith(target, "postgresql://")) {
    store.mutable_postgres()->set_conninfo(target);
    store.mutable_postgres()->set_pool_size(1);
  } else {
    if (!std::filesystem::exists(target)) {
      return absl::NotFoundError(absl::StrCat("--db: no such SQLite file: ", target));
    }
    store.mutable_sqlite()->set_path(target);
  }
  return common::sql::Database::Open(store, "", "--db");
}

std::string ToJson(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

int Verify(const Args& args) {
  if (auto s = args.OnlyKnown({"db", "tree-head", "public-key"}); !s.ok()) {
    return UsageError(Self(), s.message());
  }
  auto db_target = args.Require("db");
  auto head_file = args.Require("tree-head");
  auto key_file = args.Require("public-key");
  for (const auto* r : {&db_target, &head_file, &key_file}) {
    if (!r->ok()) return UsageError(Self(), r->status().message());
  }
  auto head_json = ReadFile(*head_file, "--tree-head");
  if (!head_json.ok()) return UsageError(Self(), head_json.status().message());
  caregate::v1::SignedTreeHead head;
  if (!google::protobuf::util::JsonStringToMessage(*head_json, &head).ok()) {
    return UsageError(Self(), "--tree-head: not a SignedTreeHead JSON file");
  }
  auto key = ReadFile(*key_file, "--public-key");
  if (!key.ok()) return UsageError(Self(), key.status().message());
  auto db = OpenTarget(*db_target);
  if (!db.ok()) {
    std::cerr << "error: " << db.status().message() << "\n";
    return 1;
  }
  auto result = audit::VerifyStoredLog(**db, head, *key, absl::Now() + absl::Minutes(30));
  if (!result.ok()) {
    std::cerr << "error: cannot read the log: " << result.status().message() << "\n";
    return 1;
  }
  std::cout << "entries in the log: " << result->entries << "\n"
            << "saved tree head: size " << result->head_size << ", root " << result->head_root_hex
            << "\n"
            << "root over every stored entry: " << result->log_root_hex << "\n";
  if (result->ok()) {
    std::cout << "OK: the tree head's signature verifies, every entry hashes to its leaf, "
                 "and the log is an append-only extension of the saved tree head\n";
    return 0;
  }
  std::cout << "FAILED: the log does not verify against the saved tree head:\n";
  for (const auto& p : result->problems) std::cout << "  - " << p << "\n";
  return 1;
}

int Export(const Args& args) {
  if (auto s = args.OnlyKnown({"db", "from-index", "out", "gateway-id"}); !s.ok()) {
    return UsageError(Self(), s.message());
  }
  auto db_target = args.Require("db");
  if (!db_target.ok()) return UsageError(Self(), db_target.status().message());
  int64_t from = 0;
  if (args.Has("from-index") && (!absl::SimpleAtoi(args.Get("from-index"), &from) || from < 0)) {
    return UsageError(Self(), "--from-index: must be a non-negative number");
  }
  auto db = OpenTarget(*db_target);
  if (!db.ok()) {
    std::cerr << "error: " << db.status().message() << "\n";
    return 1;
  }
  std::ofstream file;
  std::ostream* out = &std::cout;
  if (args.Has("out")) {
    file.open(args.Get("out"), std::ios::binary | std::ios::trunc);
    if (!file) return UsageError(Self(), "--out: cannot write the file");
    out = &file;
  }
  std::string gateway_id = args.Get("gateway-id", "caregate");
  auto lease = (*db)->Acquire(absl::Now() + absl::Minutes(1));
  if (!lease.ok()) {
    std::cerr << "error: " << lease.status().message() << "\n";
    return 1;
  }
  uint64_t count = 0;
  absl::Status s = (*lease)->QueryEach(
      "SELECT idx, entry FROM audit_entries WHERE idx >= ? ORDER BY idx",
      {common::sql::Value::Int(from)}, absl::Now() + absl::Hours(1),
      [&](const common::sql::Row& row) -> absl::Status {
        caregate::v1::AuditEntry entry;
        if (!entry.ParseFromString(row[1].AsText())) {
          return absl::DataLossError(absl::StrCat("entry ", row[0].AsInt(), " does not parse"));
        }
        entry.set_index(static_cast<uint64_t>(row[0].AsInt()));
        *out << audit::ToFhirAuditEvent(entry, gateway_id) << "\n";
        ++count;
        return absl::OkStatus();
      });
  if (!s.ok()) {
    std::cerr << "error: " << s.message() << "\n";
    return 1;
  }
  std::cerr << "exported " << count << " AuditEvent resources (NDJSON)\n";
  return 0;
}

// An auditor's offline check that a person's access report is complete: the
// log verifies against the report's own signed head, and the report lists
// exactly the entries about that person up to that head.
int CheckReport(const Args& args) {
  if (auto s = args.OnlyKnown({"db", "report", "nhs-number", "public-key"}); !s.ok()) {
    return UsageError(Self(), s.message());
  }
  auto db_target = args.Require("db");
  auto report_file = args.Require("report");
  auto nhs_arg = args.Require("nhs-number");
  auto key_file = args.Require("public-key");
  for (const auto* r : {&db_target, &report_file, &nhs_arg, &key_file}) {
    if (!r->ok()) return UsageError(Self(), r->status().message());
  }
  auto nhs = common::ParseNhsNumber(*nhs_arg, "--nhs-number");
  if (!nhs.ok()) return UsageError(Self(), nhs.status().message());
  auto json = ReadFile(*report_file, "--report");
  if (!json.ok()) return UsageError(Self(), json.status().message());
  caregate::v1::AccessReport report;
  if (!google::protobuf::util::JsonStringToMessage(*json, &report).ok()) {
    return UsageError(Self(), "--report: not an AccessReport JSON file (audit report --out)");
  }
  auto key = ReadFile(*key_file, "--public-key");
  if (!key.ok()) return UsageError(Self(), key.status().message());
  auto db = OpenTarget(*db_target);
  if (!db.ok()) {
    std::cerr << "error: " << db.status().message() << "\n";
    return 1;
  }
  absl::Time deadline = absl::Now() + absl::Minutes(30);
  auto log = audit::VerifyStoredLog(**db, report.tree_head(), *key, deadline);
  if (!log.ok()) {
    std::cerr << "error: cannot read the log: " << log.status().message() << "\n";
    return 1;
  }
  auto problems = audit::CheckAccessReportComplete(**db, report, *nhs, deadline);
  if (!problems.ok()) {
    std::cerr << "error: cannot read the log: " << problems.status().message() << "\n";
    return 1;
  }
  std::vector<std::string> all = log->problems;
  all.insert(all.end(), problems->begin(), problems->end());
  if (all.empty()) {
    std::cout << "OK: the log verifies against the report's signed tree head (size "
              << report.tree_head().tree_size() << ") and the report lists every one of the "
              << report.entries_size() << " entries about this person up to it\n";
    return 0;
  }
  std::cout << "FAILED: the access report is not a complete, true extract of the log:\n";
  for (const auto& p : all) std::cout << "  - " << p << "\n";
  return 1;
}

int SaveTreeHead(const ConnectionOptions& connection, const Args& args) {
  if (auto s = args.OnlyKnown({"out", "public-key-out"}); !s.ok()) {
    return UsageError(Self(), s.message());
  }
  auto out = args.Require("out");
  if (!out.ok()) return UsageError(Self(), out.status().message());
  auto stub = caregate::v1::AuditService::NewStub(connection.Channel());
  auto context = connection.Context();
  if (!context.ok()) return UsageError(Self(), context.status().message());
  caregate::v1::SignedTreeHead head;
  grpc::Status status = stub->GetSignedTreeHead(context->get(), {}, &head);
  if (!status.ok()) return PrintRpcError(status);
  if (auto s = WriteFile(*out, ToJson(head), "--out"); !s.ok()) {
    std::cerr << "error: " << s.message() << "\n";
    return 1;
  }
  if (args.Has("public-key-out")) {
    if (auto s = WriteFile(args.Get("public-key-out"), head.public_key_pem(), "--public-key-out");
        !s.ok()) {
      std::cerr << "error: " << s.message() << "\n";
      return 1;
    }
  }
  std::cout << "saved tree head: size " << head.tree_size() << " to " << *out << "\n";
  return 0;
}

int Report(const ConnectionOptions& connection, const Args& args) {
  if (auto s = args.OnlyKnown({"nhs-number", "public-key", "out"}); !s.ok()) {
    return UsageError(Self(), s.message());
  }
  auto nhs_arg = args.Require("nhs-number");
  if (!nhs_arg.ok()) return UsageError(Self(), nhs_arg.status().message());
  auto nhs = common::ParseNhsNumber(*nhs_arg, "--nhs-number");
  if (!nhs.ok()) return UsageError(Self(), nhs.status().message());
  std::string pinned_key;
  if (args.Has("public-key")) {
    auto key = ReadFile(args.Get("public-key"), "--public-key");
    if (!key.ok()) return UsageError(Self(), key.status().message());
    pinned_key = *key;
  }
  auto stub = caregate::v1::AuditService::NewStub(connection.Channel());
  auto context = connection.Context();
  if (!context.ok()) return UsageError(Self(), context.status().message());
  caregate::v1::GetAccessReportRequest request;
  request.set_nhs_number(*nhs);
  caregate::v1::AccessReport report;
  grpc::Status status = stub->GetAccessReport(context->get(), request, &report);
  if (!status.ok()) return PrintRpcError(status);

  // Check everything client-side before printing anything as proven.
  std::vector<std::string> problems;
  const auto& head = report.tree_head();
  std::string key = pinned_key.empty() ? head.public_key_pem() : pinned_key;
  if (auto s = audit::VerifyTreeHead(head, key); !s.ok())
    problems.push_back(std::string(s.message()));
  auto root = audit::HashFromBytes(head.root_hash(), "tree_head.root_hash");
  for (const auto& item : report.entries()) {
    if (item.entry().nhs_number() != *nhs) {
      problems.push_back(absl::StrCat("entry ", item.entry().index(), " is about someone else"));
      continue;
    }
    std::vector<audit::Hash> path;
    bool well_formed = root.ok();
    for (const auto& h : item.inclusion_proof().audit_path()) {
      auto hash = audit::HashFromBytes(h, "audit_path");
      if (!hash.ok())
        well_formed = false;
      else
        path.push_back(*hash);
    }
    // Hash the stored bytes the server sent, and check the entry shown is
    // what those bytes say (re-serialising only when the bytes are absent).
    std::string bytes = item.entry_bytes();
    if (bytes.empty()) {
      bytes = audit::EntryBytes(item.entry());
    } else {
      caregate::v1::AuditEntry stored;
      caregate::v1::AuditEntry shown = item.entry();
      shown.clear_index();
      if (!stored.ParseFromString(bytes) ||
          !google::protobuf::util::MessageDifferencer::Equals(stored, shown)) {
        problems.push_back(
            absl::StrCat("entry ", item.entry().index(), " differs from the bytes the log hashed"));
        continue;
      }
    }
    absl::Status s = well_formed ? audit::VerifyInclusion(item.entry().index(), head.tree_size(),
                                                          audit::LeafHash(bytes), path, *root)
                                 : absl::DataLossError("inclusion proof: malformed");
    if (!s.ok())
      problems.push_back(absl::StrCat("entry ", item.entry().index(), ": ", s.message()));
  }
  if (args.Has("out")) {
    if (auto s = WriteFile(args.Get("out"), ToJson(report), "--out"); !s.ok()) {
      std::cerr << "error: " << s.message() << "\n";
      return 1;
    }
  }
  if (connection.json) {
    PrintMessage(connection, report);
  } else {
    std::cout << "access report: " << report.entries_size() << " entries, against the signed "
              << "tree head of size " << head.tree_size() << "\n";
    for (const auto& item : report.entries()) {
      const auto& e = item.entry();
      std::cout << "  #" << e.index() << "  "
                << absl::FormatTime("%Y-%m-%d %H:%M:%S UTC",
                                    absl::FromUnixSeconds(e.time().seconds()), absl::UTCTimeZone())
                << "  " << caregate::v1::AuditAction_Name(e.action()) << "  "
                << caregate::v1::AuditOutcome_Name(e.outcome()) << "  by " << e.actor().user_name()
                << " (" << e.actor().role() << ", " << e.actor().organisation() << ")"
                << (e.has_emergency_access() ? "  EMERGENCY ACCESS" : "") << "\n";
    }
  }
  if (!problems.empty()) {
    std::cout << "NOT VERIFIED:\n";
    for (const auto& p : problems) std::cout << "  - " << p << "\n";
    return 1;
  }
  std::cout << "verified: the tree head's signature"
            << (pinned_key.empty() ? " (with the key it carries; pass --public-key to pin one)"
                                   : " (with the pinned key)")
            << " and every entry's inclusion proof checked on this machine\n";
  return 0;
}

absl::StatusOr<google::protobuf::Timestamp> ParseTime(const std::string& text,
                                                      absl::string_view option) {
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat(option, ": must be an RFC 3339 time, e.g. 2026-11-22T09:00:00Z"));
  }
  google::protobuf::Timestamp ts;
  ts.set_seconds(absl::ToUnixSeconds(t));
  return ts;
}

// --page-size and --page-token into a list request.
template <typename Request>
absl::Status SetPage(const Args& args, Request* request) {
  uint32_t size = 0;
  if (args.Has("page-size") && (!absl::SimpleAtoi(args.Get("page-size"), &size) || size > 1000)) {
    return absl::InvalidArgumentError("--page-size: must be a number from 0 to 1000");
  }
  request->set_page_size(size);
  request->set_page_token(args.Get("page-token"));
  return absl::OkStatus();
}

int List(const ConnectionOptions& connection, const Args& args) {
  if (auto s = args.OnlyKnown({"nhs-number", "user", "organisation", "outcome", "from", "to",
                               "page-size", "page-token"});
      !s.ok()) {
    return UsageError(Self(), s.message());
  }
  caregate::v1::ListAuditEventsRequest request;
  if (args.Has("nhs-number")) {
    auto nhs = common::ParseNhsNumber(args.Get("nhs-number"), "--nhs-number");
    if (!nhs.ok()) return UsageError(Self(), nhs.status().message());
    request.set_nhs_number(*nhs);
  }
  request.set_user_id(args.Get("user"));
  request.set_organisation(args.Get("organisation"));
  if (args.Has("outcome")) {
    std::string o = args.Get("outcome");
    if (o == "permit")
      request.set_outcome(caregate::v1::AUDIT_OUTCOME_PERMIT);
    else if (o == "deny")
      request.set_outcome(caregate::v1::AUDIT_OUTCOME_DENY);
    else if (o == "error")
      request.set_outcome(caregate::v1::AUDIT_OUTCOME_ERROR);
    else
      return UsageError(Self(), "--outcome: must be permit, deny or error");
  }
  for (const char* option : {"from", "to"}) {
    if (!args.Has(option)) continue;
    auto t = ParseTime(args.Get(option), absl::StrCat("--", option));
    if (!t.ok()) return UsageError(Self(), t.status().message());
    *(std::string(option) == "from" ? request.mutable_from_time() : request.mutable_to_time()) = *t;
  }
  if (auto s = SetPage(args, &request); !s.ok()) return UsageError(Self(), s.message());
  auto stub = caregate::v1::AuditService::NewStub(connection.Channel());
  return CallAndPrint(connection, Self(), *stub, &caregate::v1::AuditService::Stub::ListAuditEvents,
                      request);
}

int Emergency(const ConnectionOptions& connection, const Args& args) {
  if (auto s = args.OnlyKnown({"state", "page-size", "page-token"}); !s.ok()) {
    return UsageError(Self(), s.message());
  }
  caregate::v1::ListEmergencyAccessesRequest request;
  if (args.Has("state")) {
    std::string state = args.Get("state");
    if (state == "awaiting")
      request.set_state(caregate::v1::REVIEW_STATE_AWAITING_REVIEW);
    else if (state == "closed")
      request.set_state(caregate::v1::REVIEW_STATE_CLOSED);
    else if (state == "escalated")
      request.set_state(caregate::v1::REVIEW_STATE_ESCALATED);
    else
      return UsageError(Self(), "--state: must be awaiting, closed or escalated");
  }
  if (auto s = SetPage(args, &request); !s.ok()) return UsageError(Self(), s.message());
  auto stub = caregate::v1::AuditService::NewStub(connection.Channel());
  return CallAndPrint(connection, Self(), *stub, &caregate::v1::AuditService::Stub::ListEmergencyAccesses,
                      request);
}

int Review(const ConnectionOptions& connection, const Args& args) {
  if (auto s = args.OnlyKnown({"index", "outcome", "note"}); !s.ok()) {
    return UsageError(Self(), s.message());
  }
  caregate::v1::ReviewEmergencyAccessRequest request;
  uint64_t index = 0;
  auto index_text = args.Require("index");
  if (!index_text.ok() || !absl::SimpleAtoi(*index_text, &index)) {
    return UsageError(Self(), "--index: the audit index of the emergency access is required");
  }
  request.set_audit_index(index);
  std::string outcome = args.Get("outcome");
  if (outcome == "closed")
    request.set_outcome(caregate::v1::REVIEW_STATE_CLOSED);
  else if (outcome == "escalated")
    request.set_outcome(caregate::v1::REVIEW_STATE_ESCALATED);
  else
    return UsageError(Self(), "--outcome: must be closed or escalated");
  auto note = args.Require("note");
  if (!note.ok()) return UsageError(Self(), note.status().message());
  request.set_note(*note);
  auto stub = caregate::v1::AuditService::NewStub(connection.Channel());
  return CallAndPrint(connection, Self(), *stub, &caregate::v1::AuditService::Stub::ReviewEmergencyAccess,
                      request);
}

}  // namespace

int RunAudit(const ConnectionOptions& connection, const std::vector<std::string>& argv) {
  auto args = Args::Parse(argv, {});
  if (!args.ok()) return UsageError(Self(), args.status().message());
  if (args->positional().size() != 1) {
    return UsageError(Self(),
                      "name one of: verify, check-report, export, tree-head, report, list, "
                      "emergency, review");
  }
  const std::string& verb = args->positional()[0];
  if (verb == "verify") return Verify(*args);
  if (verb == "export") return Export(*args);
  if (verb == "check-report") return CheckReport(*args);
  if (verb == "tree-head") return SaveTreeHead(connection, *args);
  if (verb == "report") return Report(connection, *args);
  if (verb == "list") return List(connection, *args);
  if (verb == "emergency") return Emergency(connection, *args);
  if (verb == "review") return Review(connection, *args);
  return UsageError(Self(), absl::StrCat("unknown audit command: ", verb));
}

}  // namespace caregate::cli
