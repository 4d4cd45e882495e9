#include "consent/audit/sql_audit_log.h"

#include <pthread.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "common/status.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace caregate::consent::audit {
namespace {

using caregate::v1::AuditEntry;
using common::sql::Connection;
using common::sql::Engine;
using common::sql::Params;
using common::sql::Row;
using common::sql::Value;

constexpr int kColumns = 12;
constexpr int kRowsPerInsert = 64;
constexpr absl::string_view kInsertColumns =
    "INSERT INTO audit_entries (idx, entry, leaf_hash, time_us, nhs_number, user_id, "
    "organisation, outcome, action, emergency, reviewed_index, review_outcome) VALUES ";

absl::Status AuditUnavailable(absl::string_view why) {
  return common::WithReason(absl::UnavailableError(absl::StrCat("audit log: ", why)),
                            common::kReasonAuditUnavailable);
}

absl::Status DeadlinePassed() {
  return AuditUnavailable("the deadline passed before the entry could be committed");
}

int64_t TimeMicros(const google::protobuf::Timestamp& t) {
  return t.seconds() * 1000000 + t.nanos() / 1000;
}

absl::StatusOr<AuditEntry> ParseEntry(const Row& row) {
  AuditEntry entry;
  if (!entry.ParseFromString(row[1].AsText())) {
    return absl::DataLossError(
        absl::StrCat("audit log: entry ", row[0].AsInt(), " does not parse"));
  }
  entry.set_index(static_cast<uint64_t>(row[0].AsInt()));
  return entry;
}

std::string BlobType(Engine engine) { return engine == Engine::kPostgres ? "BYTEA" : "BLOB"; }

}  // namespace

// An entry waiting for the writer: its bytes, its leaf hash and the columns
// the store indexes. The entry message itself is freed by the thread that
// built it, in AppendAsync.
struct SqlAuditLog::Pending {
  std::string bytes;
  Hash leaf;
  int64_t time_us = 0;
  std::string nhs_number, user_id, organisation;
  int outcome = 0, action = 0;
  bool emergency = false;
  // Set for a review of an emergency access.
  std::optional<uint64_t> reviewed_index;
  int review_outcome = 0;
  absl::Time deadline;
  Committed committed;
};

namespace {

// Protobuf's deterministic serialisation of `entry` (whose index is clear).
std::string SerializedEntry(const AuditEntry& entry) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.SetSerializationDeterministic(true);
    entry.ByteSizeLong();  // caches the sizes SerializeWithCachedSizes needs
    entry.SerializeWithCachedSizes(&out);
  }
  return bytes;
}

}  // namespace

std::string EntryBytes(const AuditEntry& entry) {
  if (entry.index() == 0) return SerializedEntry(entry);
  AuditEntry copy = entry;
  copy.clear_index();
  return SerializedEntry(copy);
}

absl::Status CreateAuditSchema(Connection& connection, absl::Time deadline) {
  std::string blob = BlobType(connection.engine());
  return connection.ExecuteScript(
      absl::StrCat(
          "CREATE TABLE IF NOT EXISTS audit_entries ("
          " idx BIGINT PRIMARY KEY,"
          " entry ",
          blob,
          " NOT NULL,"
          " leaf_hash ",
          blob,
          " NOT NULL,"
          " time_us BIGINT NOT NULL,"
          " nhs_number TEXT NOT NULL,"
          " user_id TEXT NOT NULL,"
          " organisation TEXT NOT NULL,"
          " outcome INTEGER NOT NULL,"
          " action INTEGER NOT NULL,"
          " emergency INTEGER NOT NULL,"
          " reviewed_index BIGINT,"
          " review_outcome INTEGER);"
          "CREATE INDEX IF NOT EXISTS audit_entries_person ON audit_entries (nhs_number, idx);"
          "CREATE INDEX IF NOT EXISTS audit_entries_user ON audit_entries (user_id, idx);"
          "CREATE INDEX IF NOT EXISTS audit_entries_org ON audit_entries (organisation, idx);"
          "CREATE INDEX IF NOT EXISTS audit_entries_time ON audit_entries (time_us);"
          // Partial indexes: only emergency accesses and their reviews are
          // indexed, so an ordinary entry's commit does not touch them.
          // (The full indexes of earlier versions are replaced.)
          "DROP INDEX IF EXISTS audit_entries_emergency;"
          "DROP INDEX IF EXISTS audit_entries_review;"
          "CREATE INDEX IF NOT EXISTS audit_entries_emergencies ON audit_entries (idx)"
          " WHERE emergency = 1;"
          "CREATE INDEX IF NOT EXISTS audit_entries_reviews ON audit_entries (idx)"
          " WHERE reviewed_index IS NOT NULL;"),
      deadline);
}

SqlAuditLog::SqlAuditLog(std::unique_ptr<common::sql::Database> database,
                         std::unique_ptr<TreeHeadSigner> signer, SqlAuditLogOptions options)
    : database_(std::move(database)), signer_(std::move(signer)), options_(options) {}

absl::StatusOr<std::unique_ptr<SqlAuditLog>> SqlAuditLog::Open(
    std::unique_ptr<common::sql::Database> database, std::unique_ptr<TreeHeadSigner> signer,
    SqlAuditLogOptions options) {
  if (options.max_batch == 0) options.max_batch = 256;
  if (options.clock == nullptr) options.clock = common::Clock::Real();
  std::unique_ptr<SqlAuditLog> log(
      new SqlAuditLog(std::move(database), std::move(signer), options));
  absl::Time deadline = absl::Now() + absl::Minutes(5);
  if (log->database_->engine() == Engine::kPostgres) {
    auto lease = log->database_->Acquire(deadline);
    if (!lease.ok()) return lease.status();
    absl::Time give_up = absl::Now() + options.sequencer_wait;
    while (true) {
      // The key is "caregate-audit" folded into 63 bits; fixed per log.
      auto rows =
          (*lease)->Query("SELECT pg_try_advisory_lock(4242424242) AS locked", {}, deadline);
      if (!rows.ok()) return rows.status();
      if ((*rows)[0][0].AsInt() == 1) break;
      if (absl::Now() >= give_up) {
        return absl::FailedPreconditionError(
            "audit.store: another gateway is sequencing this audit log");
      }
      absl::SleepFor(absl::Milliseconds(100));
    }
    log->sequencer_lease_.emplace(std::move(*lease));
  }
  {
    auto lease = log->database_->Acquire(deadline);
    if (!lease.ok()) return lease.status();
    if (auto s = CreateAuditSchema(**lease, deadline); !s.ok()) return s;
  }
  if (auto s = log->Load(deadline); !s.ok()) return s;
  log->writer_ = std::thread([raw = log.get()] {
    pthread_setname_np(pthread_self(), "audit-writer");
    raw->WriterLoop();
  });
  log->answerer_ = std::thread([raw = log.get()] {
    pthread_setname_np(pthread_self(), "audit-answers");
    raw->AnswerLoop();
  });
  return log;
}

absl::StatusOr<std::unique_ptr<SqlAuditLog>> SqlAuditLog::Create(
    const caregate::config::v1::AuditConfig& config, const std::string& data_dir,
    const common::Clock* clock) {
  auto database = common::sql::Database::Open(config.store(), data_dir, "audit.store");
  if (!database.ok()) return database.status();
  std::string key_path =
      config.signing_key_file().empty() ? "audit-signing-key.pem" : config.signing_key_file();
  if (std::filesystem::path(key_path).is_relative() && !data_dir.empty()) {
    key_path = (std::filesystem::path(data_dir) / key_path).string();
  }
  auto signer = TreeHeadSigner::LoadOrCreate(key_path, "audit.signing_key_file");
  if (!signer.ok()) return signer.status();
  SqlAuditLogOptions options;
  if (config.max_batch() > 0) options.max_batch = config.max_batch();
  if (config.has_max_batch_delay()) {
    options.max_batch_delay = absl::Seconds(config.max_batch_delay().seconds()) +
                              absl::Nanoseconds(config.max_batch_delay().nanos());
  }
  options.clock = clock;
  return Open(std::move(*database), std::move(*signer), options);
}

SqlAuditLog::~SqlAuditLog() {
  {
    absl::MutexLock lock(&queue_mu_);
    stopping_ = true;
    work_cv_.SignalAll();
  }
  if (writer_.joinable()) writer_.join();
  {
    absl::MutexLock lock(&answers_mu_);
    answers_closed_ = true;
    answers_cv_.Signal();
  }
  if (answerer_.joinable()) answerer_.join();
}

absl::Status SqlAuditLog::Load(absl::Time deadline) {
  auto lease = database_->Acquire(deadline);
  if (!lease.ok()) return lease.status();
  absl::MutexLock lock(&tree_mu_);
  uint64_t expected = tree_.size();
  return (*lease)->QueryEach(
      "SELECT idx, leaf_hash FROM audit_entries WHERE idx >= ? ORDER BY idx",
      {Value::Int(static_cast<int64_t>(expected))}, deadline, [&](const Row& row) -> absl::Status {
        uint64_t index = static_cast<uint64_t>(row[0].AsInt());
        if (index != expected) {
          return absl::DataLossError(absl::StrCat("audit log: entry ", expected,
                                                  " is missing from the store (next is ", index,
                                                  "); run caregatectl audit verify"));
        }
        auto leaf = HashFromBytes(row[1].AsText(), "audit_entries.leaf_hash");
        if (!leaf.ok()) return absl::DataLossError(leaf.status().message());
        tree_.Append(*leaf);
        ++expected;
        return absl::OkStatus();
      });
}

void SqlAuditLog::AppendAsync(AuditEntry entry, absl::Time deadline, Committed committed) {
  auto pending = std::make_unique<Pending>();
  entry.clear_index();
  if (!entry.has_time()) {
    absl::Time now = options_.clock->Now();
    int64_t micros = absl::ToUnixMicros(now);
    entry.mutable_time()->set_seconds(micros / 1000000);
    entry.mutable_time()->set_nanos(static_cast<int32_t>((micros % 1000000) * 1000));
  }
  pending->bytes = SerializedEntry(entry);
  pending->leaf = LeafHash(pending->bytes);
  pending->time_us = TimeMicros(entry.time());
  pending->nhs_number = entry.nhs_number();
  pending->user_id = entry.actor().user_id();
  pending->organisation = entry.actor().organisation();
  pending->outcome = entry.outcome();
  pending->action = entry.action();
  pending->emergency = IsEmergencyAccess(entry);
  if (entry.action() == caregate::v1::AUDIT_ACTION_REVIEW_EMERGENCY_ACCESS) {
    pending->reviewed_index = entry.reviewed_audit_index();
    pending->review_outcome = entry.review_outcome();
  }
  pending->deadline = deadline;
  pending->committed = std::move(committed);

  absl::Status refused;
  {
    absl::MutexLock lock(&queue_mu_);
    if (stopping_) {
      refused = AuditUnavailable("the log is shutting down");
    } else if (absl::Now() >= deadline) {
      refused = DeadlinePassed();
    } else {
      queue_.push_back(std::move(pending));
      work_cv_.Signal();
      return;
    }
  }
  std::move(pending->committed)(refused);
}

void SqlAuditLog::WriterLoop() {
  while (true) {
    std::vector<std::unique_ptr<Pending>> batch, late;
    {
      absl::MutexLock lock(&queue_mu_);
      while (queue_.empty() && !stopping_) work_cv_.Wait(&queue_mu_);
      if (queue_.empty() && stopping_) return;
      if (options_.max_batch_delay > absl::ZeroDuration() && queue_.size() < options_.max_batch) {
        absl::Time until = absl::Now() + options_.max_batch_delay;
        while (queue_.size() < options_.max_batch && !stopping_ &&
               !work_cv_.WaitWithDeadline(&queue_mu_, until)) {
        }
      }
      // An entry whose deadline passed while it waited for the writer is not
      // written: its caller has been told nothing yet, and gets UNAVAILABLE.
      const absl::Time now = absl::Now();
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        (queue_.front()->deadline <= now ? late : batch).push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    std::vector<Answer> answers;
    for (auto& p : late) answers.emplace_back(std::move(p->committed), DeadlinePassed());
    if (batch.empty()) {
      GiveAnswers(std::move(answers));
      continue;
    }
    uint64_t first_index;
    {
      absl::ReaderMutexLock lock(&tree_mu_);
      first_index = tree_.size();
    }
    absl::Status status = WriteBatch(batch, first_index);
    if (status.ok()) {
      absl::MutexLock lock(&tree_mu_);
      for (const auto& p : batch) tree_.Append(p->leaf);
      commits_.fetch_add(1);
    } else {
      common::LogWarning("audit_commit_failed", {{"entries", absl::StrCat(batch.size())},
                                                 {"error", std::string(status.message())}});
      Resync();
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      answers.emplace_back(std::move(batch[i]->committed),
                           status.ok() ? absl::StatusOr<uint64_t>(first_index + i)
                                       : absl::StatusOr<uint64_t>(AuditUnavailable(
                                             "the entry could not be committed")));
    }
    GiveAnswers(std::move(answers));
  }
}

void SqlAuditLog::GiveAnswers(std::vector<Answer> answers) {
  if (answers.empty()) return;
  absl::MutexLock lock(&answers_mu_);
  if (answers_.empty()) {
    answers_ = std::move(answers);
    answers_cv_.Signal();
  } else {
    for (auto& a : answers) answers_.push_back(std::move(a));
  }
}

void SqlAuditLog::AnswerLoop() {
  while (true) {
    std::vector<Answer> answers;
    {
      absl::MutexLock lock(&answers_mu_);
      while (answers_.empty() && !answers_closed_) answers_cv_.Wait(&answers_mu_);
      if (answers_.empty()) return;
      answers.swap(answers_);
    }
    for (auto& [committed, answer] : answers) std::move(committed)(std::move(answer));
  }
}

absl::Status SqlAuditLog::WriteBatch(const std::vector<std::unique_ptr<Pending>>& batch,
                                     uint64_t first_index) {
  absl::Time deadline = absl::Now() + options_.commit_timeout;
  return database_->InTransaction(deadline, [&](Connection& connection) -> absl::Status {
    for (size_t start = 0; start < batch.size(); start += kRowsPerInsert) {
      size_t end = std::min(batch.size(), start + kRowsPerInsert);
      std::string sql(kInsertColumns);
      Params params;
      params.reserve((end - start) * kColumns);
      for (size_t i = start; i < end; ++i) {
        const Pending& p = *batch[i];
        absl::StrAppend(&sql, i == start ? "" : ",", "(?,?,?,?,?,?,?,?,?,?,?,?)");
        params.push_back(Value::Int(static_cast<int64_t>(first_index + i)));
        params.push_back(Value::Blob(p.bytes));
        params.push_back(Value::Blob(HashToBytes(p.leaf)));
        params.push_back(Value::Int(p.time_us));
        params.push_back(Value::Text(p.nhs_number));
        params.push_back(Value::Text(p.user_id));
        params.push_back(Value::Text(p.organisation));
        params.push_back(Value::Int(p.outcome));
        params.push_back(Value::Int(p.action));
        params.push_back(Value::Int(p.emergency ? 1 : 0));
        params.push_back(p.reviewed_index.has_value()
                             ? Value::Int(static_cast<int64_t>(*p.reviewed_index))
                             : Value::Null());
        params.push_back(p.reviewed_index.has_value() ? Value::Int(p.review_outcome)
                                                      : Value::Null());
      }
      auto changed = connection.Execute(sql, params, deadline);
      if (!changed.ok()) return changed.status();
    }
    return absl::OkStatus();
  });
}

void SqlAuditLog::Resync() {
  absl::Status s = Load(absl::Now() + options_.commit_timeout);
  if (!s.ok()) {
    common::LogWarning("audit_resync_failed", {{"error", std::string(s.message())}});
  }
}

uint64_t SqlAuditLog::size() const {
  absl::ReaderMutexLock lock(&tree_mu_);
  return tree_.size();
}

absl::StatusOr<caregate::v1::SignedTreeHead> SqlAuditLog::SignedTreeHead() const {
  uint64_t size;
  Hash root;
  {
    absl::ReaderMutexLock lock(&tree_mu_);
    size = tree_.size();
    auto r = tree_.Root(size);
    if (!r.ok()) return r.status();
    root = *r;
  }
  return signer_->Sign(size, root, options_.clock->Now());
}

absl::StatusOr<caregate::v1::InclusionProof> SqlAuditLog::InclusionProof(uint64_t leaf_index,
                                                                         uint64_t tree_size) const {
  absl::ReaderMutexLock lock(&tree_mu_);
  if (tree_size == 0) tree_size = tree_.size();
  auto path = tree_.InclusionProof(leaf_index, tree_size);
  if (!path.ok()) return path.status();
  caregate::v1::InclusionProof proof;
  proof.set_leaf_index(leaf_index);
  proof.set_tree_size(tree_size);
  proof.set_leaf_hash(HashToBytes(tree_.leaf(leaf_index)));
  for (const Hash& h : *path) proof.add_audit_path(HashToBytes(h));
  return proof;
}

absl::StatusOr<caregate::v1::ConsistencyProof> SqlAuditLog::ConsistencyProof(
    uint64_t first_tree_size, uint64_t second_tree_size) const {
  absl::ReaderMutexLock lock(&tree_mu_);
  if (second_tree_size == 0) second_tree_size = tree_.size();
  auto path = tree_.ConsistencyProof(first_tree_size, second_tree_size);
  if (!path.ok()) return path.status();
  caregate::v1::ConsistencyProof proof;
  proof.set_first_tree_size(first_tree_size);
  proof.set_second_tree_size(second_tree_size);
  for (const Hash& h : *path) proof.add_proof(HashToBytes(h));
  return proof;
}

absl::StatusOr<std::vector<AuditEntry>> SqlAuditLog::List(const AuditQuery& query,
                                                          absl::Time deadline,
                                                          uint64_t* next_start) const {
  uint64_t limit_index = size();  // only entries already in the tree
  std::vector<std::string> where = {"idx >= ?", "idx < ?"};
  Params params = {Value::Int(static_cast<int64_t>(query.start_index)),
                   Value::Int(static_cast<int64_t>(limit_index))};
  if (!query.nhs_number.empty()) {
    where.push_back("nhs_number = ?");
    params.push_back(Value::Text(query.nhs_number));
  }
  if (!query.user_id.empty()) {
    where.push_back("user_id = ?");
    params.push_back(Value::Text(query.user_id));
  }
  if (!query.organisation.empty()) {
    where.push_back("organisation = ?");
    params.push_back(Value::Text(query.organisation));
  }
  if (query.from_time != absl::InfinitePast()) {
    where.push_back("time_us >= ?");
    params.push_back(Value::Int(absl::ToUnixMicros(query.from_time)));
  }
  if (query.to_time != absl::InfiniteFuture()) {
    where.push_back("time_us < ?");
    params.push_back(Value::Int(absl::ToUnixMicros(query.to_time)));
  }
  if (query.outcome != caregate::v1::AUDIT_OUTCOME_UNSPECIFIED) {
    where.push_back("outcome = ?");
    params.push_back(Value::Int(query.outcome));
  }
  uint32_t page_size = query.page_size == 0 ? 100 : std::min<uint32_t>(query.page_size, 1000);
  std::string sql =
      absl::StrCat("SELECT idx, entry FROM audit_entries WHERE ", absl::StrJoin(where, " AND "),
                   " ORDER BY idx LIMIT ", page_size + 1);
  auto lease = database_->Acquire(deadline);
  if (!lease.ok()) return lease.status();
  auto rows = (*lease)->Query(sql, params, deadline);
  if (!rows.ok()) return rows.status();
  std::vector<AuditEntry> out;
  *next_start = 0;
  for (const Row& row : *rows) {
    if (out.size() == page_size) {
      *next_start = static_cast<uint64_t>(row[0].AsInt());
      break;
    }
    auto entry = ParseEntry(row);
    if (!entry.ok()) return entry.status();
    out.push_back(std::move(*entry));
  }
  return out;
}

absl::StatusOr<caregate::v1::AccessReport> SqlAuditLog::AccessReport(absl::string_view nhs_number,
                                                                     absl::Time deadline) const {
  caregate::v1::AccessReport report;
  auto head = SignedTreeHead();
  if (!head.ok()) return head.status();
  auto lease = database_->Acquire(deadline);
  if (!lease.ok()) return lease.status();
  std::vector<std::pair<AuditEntry, std::string>> entries;
  absl::Status s = (*lease)->QueryEach(
      "SELECT idx, entry FROM audit_entries WHERE nhs_number = ? AND idx < ? ORDER BY idx",
      {Value::Text(std::string(nhs_number)), Value::Int(static_cast<int64_t>(head->tree_size()))},
      deadline, [&](const Row& row) -> absl::Status {
        auto entry = ParseEntry(row);
        if (!entry.ok()) return entry.status();
        entries.emplace_back(std::move(*entry), row[1].AsText());
        return absl::OkStatus();
      });
  if (!s.ok()) return s;
  for (auto& [entry, bytes] : entries) {
    auto proof = InclusionProof(entry.index(), head->tree_size());
    if (!proof.ok()) return proof.status();
    auto* item = report.add_entries();
    *item->mutable_inclusion_proof() = std::move(*proof);
    *item->mutable_entry() = std::move(entry);
    item->set_entry_bytes(std::move(bytes));
  }
  *report.mutable_tree_head() = std::move(*head);
  return report;
}

absl::StatusOr<AuditEntry> SqlAuditLog::ReadEntry(uint64_t index, absl::Time deadline) const {
  auto lease = database_->Acquire(deadline);
  if (!lease.ok()) return lease.status();
  auto rows = (*lease)->Query(
      "SELECT idx, entry FROM audit_entries WHERE idx = ? AND idx < ?",
      {Value::Int(static_cast<int64_t>(index)), Value::Int(static_cast<int64_t>(size()))},
      deadline);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) {
    return absl::NotFoundError(absl::StrCat("audit_index: no entry ", index));
  }
  return ParseEntry((*rows)[0]);
}

absl::StatusOr<caregate::v1::EmergencyAccessRecord> SqlAuditLog::RecordFor(
    const AuditEntry& access, absl::Time deadline) const {
  caregate::v1::EmergencyAccessRecord record;
  *record.mutable_access() = access;
  record.set_state(caregate::v1::REVIEW_STATE_AWAITING_REVIEW);
  auto lease = database_->Acquire(deadline);
  if (!lease.ok()) return lease.status();
  auto rows = (*lease)->Query(
      "SELECT idx, entry FROM audit_entries WHERE reviewed_index = ? AND idx < ? "
      "ORDER BY idx DESC LIMIT 1",
      {Value::Int(static_cast<int64_t>(access.index())), Value::Int(static_cast<int64_t>(size()))},
      deadline);
  if (!rows.ok()) return rows.status();
  if (!rows->empty()) {
    auto review = ParseEntry((*rows)[0]);
    if (!review.ok()) return review.status();
    record.set_state(review->review_outcome());
    record.set_reviewer_user_id(review->actor().user_id());
    record.set_review_note(review->review_note());
    *record.mutable_reviewed_at() = review->time();
    record.set_review_audit_index(review->index());
  }
  return record;
}

absl::StatusOr<std::vector<AuditEntry>> SqlAuditLog::EmergencyAccessesSince(
    absl::Time since, absl::Time deadline) const {
  auto lease = database_->Acquire(deadline);
  if (!lease.ok()) return lease.status();
  std::vector<AuditEntry> out;
  absl::Status s = (*lease)->QueryEach(
      "SELECT idx, entry FROM audit_entries WHERE emergency = 1 AND time_us >= ? AND idx < ? "
      "ORDER BY idx",
      {Value::Int(absl::ToUnixMicros(since)), Value::Int(static_cast<int64_t>(size()))}, deadline,
      [&](const Row& row) -> absl::Status {
        auto entry = ParseEntry(row);
        if (!entry.ok()) return entry.status();
        out.push_back(std::move(*entry));
        return absl::OkStatus();
      });
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<std::vector<caregate::v1::EmergencyAccessRecord>> SqlAuditLog::EmergencyAccesses(
    caregate::v1::ReviewState state, uint32_t page_size, uint64_t start, absl::Time deadline,
    uint64_t* next_start) const {
  using caregate::v1::ReviewState;
  uint64_t limit_index = size();
  // The state of every emergency access, from the review entries (the latest
  // review wins). Emergency accesses are rare, so this is read whole.
  std::vector<std::pair<uint64_t, ReviewState>> accesses;
  {
    auto lease = database_->Acquire(deadline);
    if (!lease.ok()) return lease.status();
    auto rows = (*lease)->Query(
        "SELECT idx FROM audit_entries WHERE emergency = 1 AND idx < ? ORDER BY idx",
        {Value::Int(static_cast<int64_t>(limit_index))}, deadline);
    if (!rows.ok()) return rows.status();
    auto reviews = (*lease)->Query(
        "SELECT reviewed_index, review_outcome FROM audit_entries "
        "WHERE reviewed_index IS NOT NULL AND idx < ? ORDER BY idx",
        {Value::Int(static_cast<int64_t>(limit_index))}, deadline);
    if (!reviews.ok()) return reviews.status();
    std::map<uint64_t, ReviewState> latest;
    for (const Row& r : *reviews) {
      latest[static_cast<uint64_t>(r[0].AsInt())] = static_cast<ReviewState>(r[1].AsInt());
    }
    for (const Row& r : *rows) {
      uint64_t index = static_cast<uint64_t>(r[0].AsInt());
      auto it = latest.find(index);
      accesses.emplace_back(
          index, it == latest.end() ? caregate::v1::REVIEW_STATE_AWAITING_REVIEW : it->second);
    }
  }
  if (state != caregate::v1::REVIEW_STATE_UNSPECIFIED) {
    std::erase_if(accesses, [&](const auto& a) { return a.second != state; });
  }
  std::stable_sort(accesses.begin(), accesses.end(), [](const auto& a, const auto& b) {
    bool a_waiting = a.second == caregate::v1::REVIEW_STATE_AWAITING_REVIEW;
    bool b_waiting = b.second == caregate::v1::REVIEW_STATE_AWAITING_REVIEW;
    return a_waiting && !b_waiting;
  });
  if (page_size == 0) page_size = 100;
  page_size = std::min<uint32_t>(page_size, 1000);
  std::vector<caregate::v1::EmergencyAccessRecord> out;
  *next_start = 0;
  for (uint64_t i = start; i < accesses.size(); ++i) {
    if (out.size() == page_size) {
      *next_start = i;
      break;
    }
    auto access = ReadEntry(accesses[i].first, deadline);
    if (!access.ok()) return access.status();
    auto record = RecordFor(*access, deadline);
    if (!record.ok()) return record.status();
    out.push_back(std::move(*record));
  }
  return out;
}

absl::StatusOr<caregate::v1::EmergencyAccessRecord> SqlAuditLog::ReviewEmergencyAccess(
    uint64_t access_index, caregate::v1::ReviewState outcome, absl::string_view note,
    const caregate::v1::AuditActor& reviewer, absl::Time deadline) {
  if (outcome != caregate::v1::REVIEW_STATE_CLOSED &&
      outcome != caregate::v1::REVIEW_STATE_ESCALATED) {
    return common::InvalidArgumentWithReason(common::kReasonInvalidArgument,
                                             "outcome: must be CLOSED or ESCALATED");
  }
  if (note.empty() || note.size() > 2000) {
    return common::InvalidArgumentWithReason(common::kReasonInvalidArgument,
                                             "note: required, at most 2000 characters");
  }
  absl::MutexLock lock(&review_mu_);
  auto access = ReadEntry(access_index, deadline);
  if (!access.ok()) return access.status();
  if (!IsEmergencyAccess(*access)) {
    return absl::NotFoundError(
        absl::StrCat("audit_index: entry ", access_index, " is not an emergency access"));
  }
  if (access->actor().user_id() == reviewer.user_id()) {
    return common::PermissionDeniedWithReason(common::kReasonSelfReview,
                                              "nobody reviews their own emergency access");
  }
  auto current = RecordFor(*access, deadline);
  if (!current.ok()) return current.status();
  if (current->state() == caregate::v1::REVIEW_STATE_CLOSED) {
    return absl::FailedPreconditionError(
        absl::StrCat("audit_index: emergency access ", access_index, " is already closed"));
  }
  AuditEntry review;
  *review.mutable_actor() = reviewer;
  review.set_action(caregate::v1::AUDIT_ACTION_REVIEW_EMERGENCY_ACCESS);
  review.set_nhs_number(access->nhs_number());
  review.set_outcome(caregate::v1::AUDIT_OUTCOME_PERMIT);
  review.set_reason(outcome == caregate::v1::REVIEW_STATE_CLOSED ? "EMERGENCY_ACCESS_CLOSED"
                                                                 : "EMERGENCY_ACCESS_ESCALATED");
  review.set_reviewed_audit_index(access_index);
  review.set_review_outcome(outcome);
  review.set_review_note(std::string(note));
  auto index = Append(review, deadline);
  if (!index.ok()) return index.status();
  return RecordFor(*access, deadline);
}

}  // namespace caregate::consent::audit
