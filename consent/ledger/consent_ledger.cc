#include "consent/ledger/consent_ledger.h"

#include <openssl/evp.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/clock.h"
#include "common/nhs_number.h"
#include "common/status.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace caregate::consent::ledger {
namespace {

using caregate::v1::ConsentDecision;
using caregate::v1::DecisionMakerKind;
using caregate::v1::SharingDirection;

absl::Status Bad(absl::string_view field, absl::string_view rule) {
  return common::InvalidArgumentWithReason(common::kReasonInvalidConsent,
                                           absl::StrCat(field, ": ", rule));
}

bool IsDate(absl::string_view s) {
  absl::CivilDay day;
  if (s.size() != 10 || !absl::ParseCivilTime(s, &day)) return false;
  return absl::FormatCivilTime(day) == s;
}

// Valid UTF-8, at most `max_chars` code points.
bool TextOk(absl::string_view s, size_t max_chars) {
  size_t chars = 0;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    }
    i += n;
    ++chars;
  }
  return chars <= max_chars;
}

bool Blank(absl::string_view s) { return absl::StripAsciiWhitespace(s).empty(); }

absl::Status Corrupt(absl::string_view rule) {
  return common::WithReason(absl::InternalError(absl::StrCat("consent ledger: ", rule)),
                            common::kReasonConsentLedgerCorrupt);
}

}  // namespace

absl::Status ValidateFact(const ConsentFact& fact) {
  if (!common::IsValidNhsNumber(fact.nhs_number())) {
    return common::InvalidArgumentWithReason(
        common::kReasonInvalidNhsNumber, "nhs_number: must be ten digits with a valid check digit");
  }
  if (fact.direction() < SharingDirection::SHARING_DIRECTION_GP_TO_SOCIAL_CARE ||
      fact.direction() > SharingDirection::SHARING_DIRECTION_INTEGRATED_TEAM) {
    return Bad("direction", "must be GP_TO_SOCIAL_CARE, SOCIAL_CARE_TO_GP or INTEGRATED_TEAM");
  }
  if (fact.decision() < ConsentDecision::CONSENT_DECISION_PERMIT ||
      fact.decision() > ConsentDecision::CONSENT_DECISION_WITHDRAWN) {
    return Bad("decision", "must be PERMIT or DISSENT");
  }
  const auto& dm = fact.decided_by();
  switch (dm.kind()) {
    case DecisionMakerKind::DECISION_MAKER_KIND_PERSON:
      break;
    case DecisionMakerKind::DECISION_MAKER_KIND_LPA_HEALTH_AND_WELFARE:
      if (Blank(dm.name())) return Bad("decided_by.name", "is required for an attorney");
      if (Blank(dm.registration_reference())) {
        return Bad("decided_by.registration_reference",
                   "the Office of the Public Guardian registration reference is required for "
                   "a lasting power of attorney");
      }
      break;
    case DecisionMakerKind::DECISION_MAKER_KIND_LPA_PROPERTY_AND_FINANCIAL:
      return Bad("decided_by.kind",
                 "a property and financial affairs attorney cannot decide about sharing health "
                 "and care records (only a health and welfare attorney can)");
    case DecisionMakerKind::DECISION_MAKER_KIND_COURT_APPOINTED_DEPUTY:
      if (Blank(dm.name())) return Bad("decided_by.name", "is required for a deputy");
      if (Blank(dm.registration_reference())) {
        return Bad("decided_by.registration_reference",
                   "the court order reference is required for a deputy");
      }
      break;
    case DecisionMakerKind::DECISION_MAKER_KIND_BEST_INTERESTS:
      if (Blank(dm.name())) {
        return Bad("decided_by.name",
                   "a best-interests decision requires the decision-maker's name");
      }
      if (!IsDate(dm.decision_date())) {
        return Bad("decided_by.decision_date",
                   "a best-interests decision requires the decision date (YYYY-MM-DD)");
      }
      if (Blank(dm.reason())) {
        return Bad("decided_by.reason", "a best-interests decision requires the reason");
      }
      break;
    default:
      return Bad("decided_by.kind", "must say who decided");
  }
  if (fact.method() < caregate::v1::RECORDING_METHOD_VERBAL ||
      fact.method() > caregate::v1::RECORDING_METHOD_ELECTRONIC) {
    return Bad("method", "must be VERBAL, WRITTEN or ELECTRONIC");
  }
  if (!fact.valid_from().empty() && !IsDate(fact.valid_from())) {
    return Bad("valid_from", "must be a date YYYY-MM-DD");
  }
  if (!fact.valid_until().empty() && !IsDate(fact.valid_until())) {
    return Bad("valid_until", "must be a date YYYY-MM-DD");
  }
  if (!fact.valid_from().empty() && !fact.valid_until().empty() &&
      fact.valid_until() < fact.valid_from()) {
    return Bad("valid_until", "must not be before valid_from");
  }
  for (auto [field, value] :
       {std::pair<absl::string_view, const std::string*>{"decided_by.name", &dm.name()},
        {"decided_by.role", &dm.role()},
        {"decided_by.registration_reference", &dm.registration_reference()},
        {"decided_by.reason", &dm.reason()},
        {"evidence_reference", &fact.evidence_reference()},
        {"reason", &fact.reason()}}) {
    if (!TextOk(*value, 2000)) {
      return Bad(field, "must be valid UTF-8 of at most 2000 characters");
    }
  }
  return absl::OkStatus();
}

std::string CanonicalBytes(const ConsentFact& fact) {
  ConsentFact copy = fact;
  copy.clear_hash();
  copy.clear_audit_index();
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    copy.SerializeToCodedStream(&coded);
  }
  return out;
}

std::string FactHash(const ConsentFact& fact) {
  const std::string bytes = CanonicalBytes(fact);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(md), len);
}

void Chain(const ConsentFact* previous, ConsentFact* fact) {
  fact->set_version(previous == nullptr ? 1 : previous->version() + 1);
  fact->set_previous_hash(previous == nullptr ? std::string(32, '\0') : previous->hash());
  fact->set_hash(FactHash(*fact));
}

absl::Status VerifyChain(const std::vector<ConsentFact>& history) {
  std::string previous(32, '\0');
  for (size_t i = 0; i < history.size(); ++i) {
    const ConsentFact& f = history[i];
    if (f.version() != i + 1) return Corrupt("versions are not contiguous");
    if (f.previous_hash() != previous) return Corrupt("a version is not linked to the one before");
    if (f.hash() != FactHash(f)) return Corrupt("a version's hash does not match its content");
    previous = f.hash();
  }
  return absl::OkStatus();
}

ConsentStatus EvaluateStatus(const std::vector<ConsentFact>& history, absl::Time now) {
  ConsentStatus status;
  status.set_version(history.empty() ? 0 : history.back().version());
  const std::string today = common::EnglandDate(now);
  for (int d = caregate::v1::SHARING_DIRECTION_GP_TO_SOCIAL_CARE;
       d <= caregate::v1::SHARING_DIRECTION_INTEGRATED_TEAM; ++d) {
    auto* ds = status.add_directions();
    ds->set_direction(static_cast<SharingDirection>(d));
    ds->set_state(caregate::v1::CONSENT_STATE_NONE);
    for (auto it = history.rbegin(); it != history.rend(); ++it) {
      if (it->direction() != d) continue;
      *ds->mutable_fact() = *it;
      if (it->decision() == caregate::v1::CONSENT_DECISION_WITHDRAWN) break;
      if (!it->valid_from().empty() && today < it->valid_from()) {
        ds->set_state(caregate::v1::CONSENT_STATE_NOT_YET_VALID);
      } else if (!it->valid_until().empty() && today > it->valid_until()) {
        ds->set_state(caregate::v1::CONSENT_STATE_EXPIRED);
      } else {
        ds->set_state(it->decision() == caregate::v1::CONSENT_DECISION_DISSENT
                          ? caregate::v1::CONSENT_STATE_DISSENTED
                          : caregate::v1::CONSENT_STATE_PERMITTED);
      }
      break;
    }
  }
  return status;
}

absl::StatusOr<ConsentFact> MemoryConsentLedger::Append(ConsentFact fact,
                                                        const BeforeCommit& before_commit,
                                                        absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  auto& list = facts_[fact.nhs_number()];
  Chain(list.empty() ? nullptr : &list.back(), &fact);
  auto index = before_commit(fact);
  if (!index.ok()) {
    if (list.empty()) facts_.erase(fact.nhs_number());
    return index.status();
  }
  fact.set_audit_index(*index);
  list.push_back(fact);
  return fact;
}

absl::StatusOr<FactHistory> MemoryConsentLedger::History(absl::string_view nhs_number,
                                                         absl::Time deadline) {
  auto history = std::make_shared<std::vector<ConsentFact>>();
  {
    absl::MutexLock lock(&mu_);
    auto it = facts_.find(nhs_number);
    if (it != facts_.end()) *history = it->second;
  }
  if (auto s = VerifyChain(*history); !s.ok()) return s;
  return history;
}

absl::StatusOr<uint64_t> MemoryConsentLedger::LatestVersion(absl::string_view nhs_number,
                                                            absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  auto it = facts_.find(nhs_number);
  return it == facts_.end() || it->second.empty() ? 0 : it->second.back().version();
}

ConsentFact* MemoryConsentLedger::MutableFactForTest(absl::string_view nhs_number, size_t i) {
  absl::MutexLock lock(&mu_);
  auto it = facts_.find(nhs_number);
  if (it == facts_.end() || i >= it->second.size()) return nullptr;
  return &it->second[i];
}

}  // namespace caregate::consent::ledger
