#include "adapters/council_sql/council_sql_source.h"

#include <algorithm>
#include <tuple>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "adapters/council_sql/schema.h"
#include "common/clock.h"
#include "common/status.h"

namespace caregate::adapters::council_sql {
namespace {

using common::sql::Connection;
using common::sql::Database;
using common::sql::Lease;
using common::sql::Params;
using common::sql::Row;
using common::sql::Value;

constexpr absl::string_view kPersonSql =
    "SELECT la_person_id, la_code, nhs_number_verified, given_names, family_name,"
    " date_of_birth, date_of_death, gender, postcode, address_line1,"
    " gp_practice_code, gp_practice_name, primary_support_reason,"
    " has_unpaid_carer, client_funding_status"
    " FROM council_person WHERE nhs_number = ? ORDER BY la_person_id LIMIT 1";

constexpr absl::string_view kAllocationsSql =
    "SELECT a.worker_id, COALESCE(a.team_id, w.team_id), a.key_worker,"
    " a.start_date, a.end_date, w.name, w.role, w.phone, w.email,"
    " t.name, t.phone, t.email"
    " FROM council_allocation a"
    " LEFT JOIN council_worker w ON w.worker_id = a.worker_id"
    " LEFT JOIN council_team t ON t.team_id = COALESCE(a.team_id, w.team_id)"
    " WHERE a.la_person_id = ?";

constexpr absl::string_view kContactsSql =
    "SELECT name, relationship, support_roles, main_carer, phone, email,"
    " lives_with_person, start_date, end_date"
    " FROM council_personal_contact WHERE la_person_id = ?";

constexpr absl::string_view kPlansSql =
    "SELECT plan_id, status, start_date, end_date, last_updated,"
    " next_review_due, summary, review_responsible"
    " FROM council_care_plan WHERE la_person_id = ?";

constexpr absl::string_view kServicesSql =
    "SELECT event_key, event_reference, event_start_date, event_end_date,"
    " service_type, service_component, delivery_mechanism,"
    " provider_cqc_location_id, provider_name, unit_cost,"
    " cost_frequency_unit_type, planned_units_per_week,"
    " direct_payment_managed_by"
    " FROM council_event WHERE la_person_id = ? AND event_type = 'Service'";

// Today in England: services, plans and ages are dated in local time.
std::string Today(const common::Clock* clock) { return common::EnglandDate(clock->Now()); }

// Current on `today`: no end date, or ending today or later. ISO dates
// compare as strings.
bool Current(const std::string& end_date, const std::string& today) {
  return end_date.empty() || end_date >= today;
}

struct Ymd {
  int y = 0, m = 0, d = 0;
};

bool ParseYmd(absl::string_view s, Ymd* out) {
  std::vector<absl::string_view> parts = absl::StrSplit(s, '-');
  return parts.size() == 3 && absl::SimpleAtoi(parts[0], &out->y) &&
         absl::SimpleAtoi(parts[1], &out->m) && absl::SimpleAtoi(parts[2], &out->d);
}

uint32_t AgeOn(const std::string& birth, const std::string& on) {
  Ymd b, t;
  if (!ParseYmd(birth, &b) || !ParseYmd(on, &t)) return 0;
  int age = t.y - b.y;
  if (t.m < b.m || (t.m == b.m && t.d < b.d)) --age;
  return age < 0 ? 0 : static_cast<uint32_t>(age);
}

caregate::v1::AdministrativeGender MapGender(const std::string& cld) {
  if (cld == "Male") return caregate::v1::ADMINISTRATIVE_GENDER_MALE;
  if (cld == "Female") return caregate::v1::ADMINISTRATIVE_GENDER_FEMALE;
  if (cld == "Other") return caregate::v1::ADMINISTRATIVE_GENDER_OTHER;
  if (cld.empty()) return caregate::v1::ADMINISTRATIVE_GENDER_UNSPECIFIED;
  return caregate::v1::ADMINISTRATIVE_GENDER_UNKNOWN;
}

absl::Status CheckDeadline(absl::Time deadline) {
  if (absl::Now() >= deadline) {
    return absl::DeadlineExceededError("council store: deadline passed before the query");
  }
  return absl::OkStatus();
}

absl::Status NotFound() {
  return common::WithReason(
      absl::NotFoundError("council store: no person with this NHS number"),
      common::kReasonPatientNotFound);
}

// Store errors keep their code (UNAVAILABLE, DEADLINE_EXCEEDED, ...) with a
// prefix naming the store.
absl::Status Annotate(const absl::Status& s) {
  return absl::Status(s.code(), absl::StrCat("council store: ", s.message()));
}

struct PersonRow {
  std::string la_person_id, la_code, given_names, family_name, date_of_birth,
      date_of_death, gender, postcode, address_line1, gp_practice_code,
      gp_practice_name, primary_support_reason, has_unpaid_carer,
      client_funding_status;
  bool verified = false;
};

absl::StatusOr<std::optional<PersonRow>> LoadPerson(Connection& c,
                                                    const std::string& nhs,
                                                    absl::Time deadline) {
  auto rows = c.Query(kPersonSql, {Value::Text(nhs)}, deadline);
  if (!rows.ok()) return Annotate(rows.status());
  if (rows->empty()) return std::optional<PersonRow>();
  const Row& r = rows->front();
  PersonRow p;
  p.la_person_id = r[0].AsText();
  p.la_code = r[1].AsText();
  p.verified = r[2].AsInt() != 0;
  p.given_names = r[3].AsText();
  p.family_name = r[4].AsText();
  p.date_of_birth = r[5].AsText();
  p.date_of_death = r[6].AsText();
  p.gender = r[7].AsText();
  p.postcode = r[8].AsText();
  p.address_line1 = r[9].AsText();
  p.gp_practice_code = r[10].AsText();
  p.gp_practice_name = r[11].AsText();
  p.primary_support_reason = r[12].AsText();
  p.has_unpaid_carer = r[13].AsText();
  p.client_funding_status = r[14].AsText();
  return std::optional<PersonRow>(std::move(p));
}

struct AllocationRow {
  std::string worker_id, team_id, start, end, name, role, phone, email,
      team_name, team_phone, team_email;
  bool key_worker = false;
};

absl::StatusOr<std::vector<AllocationRow>> LoadCurrentAllocations(
    Connection& c, const std::string& person, const std::string& today,
    absl::Time deadline) {
  auto rows = c.Query(kAllocationsSql, {Value::Text(person)}, deadline);
  if (!rows.ok()) return Annotate(rows.status());
  std::vector<AllocationRow> out;
  for (const Row& r : *rows) {
    AllocationRow a;
    a.worker_id = r[0].AsText();
    a.team_id = r[1].AsText();
    a.key_worker = r[2].AsInt() != 0;
    a.start = r[3].AsText();
    a.end = r[4].AsText();
    a.name = r[5].AsText();
    a.role = r[6].AsText();
    a.phone = r[7].AsText();
    a.email = r[8].AsText();
    a.team_name = r[9].AsText();
    a.team_phone = r[10].AsText();
    a.team_email = r[11].AsText();
    if (!a.start.empty() && a.start > today) continue;  // not started yet
    if (!Current(a.end, today)) continue;
    out.push_back(std::move(a));
  }
  // Key worker first, then the longest-standing allocation, then by name.
  std::sort(out.begin(), out.end(), [](const AllocationRow& x, const AllocationRow& y) {
    if (x.key_worker != y.key_worker) return x.key_worker;
    if (x.start != y.start) return x.start < y.start;
    if (x.name != y.name) return x.name < y.name;
    return x.worker_id < y.worker_id;
  });
  return out;
}

// One request's reading of the store: a lease on a read transaction (so every
// query sees one snapshot) and the person's row. The current allocations are
// read once, for whichever of the relationship and the summary asks first.
class SqlReading final : public CouncilReading {
 public:
  SqlReading(const caregate::config::v1::CouncilSqlConfig& config, Lease lease, PersonRow person,
             const SourceRequest& request, std::string today)
      : config_(config),
        lease_(std::move(lease)),
        person_(std::move(person)),
        nhs_number_(request.nhs_number),
        deadline_(request.deadline),
        today_(std::move(today)) {}

  absl::StatusOr<CouncilRelationship> Relationship() override;
  absl::Status SummaryInto(caregate::v1::SocialCareSummary* out) override {
    out->Clear();
    absl::Status s = FillSummary(*out);
    if (!s.ok()) out->Clear();
    return s;
  }

 private:
  absl::Status FillSummary(caregate::v1::SocialCareSummary& summary);

  absl::StatusOr<const std::vector<AllocationRow>*> Allocations() {
    if (!allocations_.has_value()) {
      auto loaded = LoadCurrentAllocations(*lease_, person_.la_person_id, today_, deadline_);
      if (!loaded.ok()) return loaded.status();
      allocations_ = *std::move(loaded);
    }
    return &*allocations_;
  }

  const caregate::config::v1::CouncilSqlConfig& config_;
  Lease lease_;
  PersonRow person_;
  std::string nhs_number_;
  absl::Time deadline_;
  std::string today_;
  std::optional<std::vector<AllocationRow>> allocations_;
};

absl::Status SqlReading::FillSummary(caregate::v1::SocialCareSummary& summary) {
  Connection& c = *lease_;
  const PersonRow& p = person_;
  const std::string& today = today_;
  const bool deceased = !p.date_of_death.empty();
  // Services and plans are cut off at the date of death.
  const std::string effective_today =
      deceased && p.date_of_death < today ? p.date_of_death : today;

  summary.set_la_person_id(p.la_person_id);
  summary.set_primary_support_reason(p.primary_support_reason);
  summary.set_has_unpaid_carer(p.has_unpaid_carer);

  caregate::v1::Demographics* d = summary.mutable_demographics();
  d->set_nhs_number(nhs_number_);
  d->set_nhs_number_verified(p.verified);
  std::vector<std::string> given =
      absl::StrSplit(p.given_names, ' ', absl::SkipEmpty());
  for (const auto& g : given) d->add_given_names(g);
  d->set_family_name(p.family_name);
  d->set_display_name(given.empty() ? p.family_name
                                    : absl::StrCat(p.given_names, " ", p.family_name));
  d->set_date_of_birth(p.date_of_birth);
  d->set_age_years(AgeOn(p.date_of_birth, deceased ? p.date_of_death : today));
  d->set_gender(MapGender(p.gender));
  if (!p.address_line1.empty()) d->add_address_lines(p.address_line1);
  d->set_postcode(p.postcode);
  d->set_date_of_death(p.date_of_death);
  d->set_registered_practice_code(p.gp_practice_code);
  d->set_registered_practice_name(p.gp_practice_name);

  // Workers.
  auto allocations = Allocations();
  if (!allocations.ok()) return allocations.status();
  for (const AllocationRow& a : **allocations) {
    if (a.worker_id.empty()) continue;  // a team allocation, shown as the team
    caregate::v1::AllocatedWorker* w = summary.add_allocated_workers();
    w->set_name(a.name);
    w->set_role(a.role);
    w->set_team(a.team_name);
    w->set_phone(a.phone);
    w->set_email(a.email);
    w->set_key_worker(a.key_worker);
    w->set_allocation_start(a.start);
    w->set_team_phone(a.team_phone);
    w->set_team_email(a.team_email);
  }
  caregate::v1::ResponsibleLocalAuthority* la =
      summary.mutable_responsible_local_authority();
  la->set_ods_code(config_.council_ods_code().empty() ? p.la_code
                                                      : config_.council_ods_code());
  la->set_name(config_.council_name());
  la->set_contact_name(config_.contact_name());
  la->set_phone(config_.contact_phone());
  la->set_email(config_.contact_email());
  if (!(*allocations)->empty()) {
    const AllocationRow& first = (*allocations)->front();
    la->set_team(first.team_name);
    if (la->phone().empty()) la->set_phone(first.team_phone);
    if (la->email().empty()) la->set_email(first.team_email);
  }

  // Personal contacts: current ones, main carer first.
  {
    auto rows = c.Query(kContactsSql, {Value::Text(p.la_person_id)}, deadline_);
    if (!rows.ok()) return Annotate(rows.status());
    std::vector<const Row*> current;
    for (const Row& r : *rows) {
      if (Current(r[8].AsText(), today)) current.push_back(&r);
    }
    // Main carer first, then by start date and name.
    std::sort(current.begin(), current.end(), [](const Row* x, const Row* y) {
      const bool x_main = (*x)[3].AsInt() != 0, y_main = (*y)[3].AsInt() != 0;
      if (x_main != y_main) return x_main;
      return std::tie((*x)[7].AsText(), (*x)[0].AsText()) <
             std::tie((*y)[7].AsText(), (*y)[0].AsText());
    });
    for (const Row* rp : current) {
      const Row& r = *rp;
      caregate::v1::PersonalContact* ct = summary.add_personal_contacts();
      ct->set_name(r[0].AsText());
      ct->set_relationship(r[1].AsText());
      for (absl::string_view role :
           absl::StrSplit(r[2].AsText(), absl::ByAnyChar(", "), absl::SkipEmpty())) {
        ct->add_support_roles(std::string(role));
      }
      ct->set_main_carer(r[3].AsInt() != 0);
      ct->set_phone(r[4].AsText());
      ct->set_email(r[5].AsText());
      ct->set_lives_with_person(r[6].AsInt() != 0);
    }
  }

  // Care and support plan.
  {
    auto rows = c.Query(kPlansSql, {Value::Text(p.la_person_id)}, deadline_);
    if (!rows.ok()) return Annotate(rows.status());
    caregate::v1::CarePlan* plan = summary.mutable_care_plan();
    plan->set_funding_source(p.client_funding_status);
    if (rows->empty()) {
      plan->set_status(caregate::v1::CARE_PLAN_STATUS_NO_PLAN_IN_PLACE);
    } else {
      const Row* best = nullptr;
      bool best_current = false;
      for (const Row& r : *rows) {
        const std::string& status = r[1].AsText();
        bool current = status != "ended" && Current(r[3].AsText(), effective_today) &&
                       !deceased;
        // Prefer a current plan; among equals, the latest start, then id.
        if (best == nullptr || (current && !best_current) ||
            (current == best_current &&
             std::make_pair(r[2].AsText(), r[0].AsText()) >
                 std::make_pair((*best)[2].AsText(), (*best)[0].AsText()))) {
          best = &r;
          best_current = current;
        }
      }
      const Row& r = *best;
      plan->set_plan_id(r[0].AsText());
      plan->set_start_date(r[2].AsText());
      plan->set_last_updated(r[4].AsText());
      plan->set_next_review_due(r[5].AsText());
      plan->set_summary(r[6].AsText());
      plan->set_review_responsible(r[7].AsText());
      if (!best_current) {
        plan->set_status(caregate::v1::CARE_PLAN_STATUS_ENDED);
      } else if (r[1].AsText() == "draft") {
        plan->set_status(caregate::v1::CARE_PLAN_STATUS_DRAFT);
      } else if (!r[5].AsText().empty() && r[5].AsText() < today) {
        plan->set_status(caregate::v1::CARE_PLAN_STATUS_REVIEW_DUE);
      } else {
        plan->set_status(caregate::v1::CARE_PLAN_STATUS_ACTIVE);
      }
    }
  }

  // Services and direct payments.
  {
    auto rows = c.Query(kServicesSql, {Value::Text(p.la_person_id)}, deadline_);
    if (!rows.ok()) return Annotate(rows.status());
    std::vector<const Row*> current;
    for (const Row& r : *rows) {
      const std::string& start = r[2].AsText();
      const std::string& end = r[3].AsText();
      if (!Current(end, effective_today)) continue;
      if (deceased && (end.empty() || end >= p.date_of_death)) continue;
      if (!start.empty() && start > today) continue;  // not started yet
      current.push_back(&r);
    }
    std::sort(current.begin(), current.end(), [](const Row* x, const Row* y) {
      return std::make_pair((*x)[2].AsText(), (*x)[0].AsText()) <
             std::make_pair((*y)[2].AsText(), (*y)[0].AsText());
    });
    for (const Row* rp : current) {
      const Row& r = *rp;
      caregate::v1::CommissionedService* s = summary.add_services();
      s->set_event_reference(r[1].AsText());
      s->set_start_date(r[2].AsText());
      s->set_end_date(r[3].AsText());
      s->set_service_type(r[4].AsText());
      s->set_service_component(r[5].AsText());
      s->set_delivery_mechanism(r[6].AsText());
      s->set_provider_cqc_location_id(r[7].AsText());
      s->set_provider_name(r[8].AsText());
      if (!r[11].is_null()) s->set_planned_units_per_week(r[11].AsReal());
      s->set_unit_type(r[10].AsText());
      // DHSC rule: a "Direct payment" component overrides the mechanism.
      if (r[6].AsText() == "Direct payment" || r[5].AsText() == "Direct payment") {
        caregate::v1::DirectPayment* dp = summary.add_direct_payments();
        dp->set_event_reference(r[1].AsText());
        dp->set_start_date(r[2].AsText());
        dp->set_end_date(r[3].AsText());
        if (!r[9].is_null()) dp->set_amount(r[9].AsReal());
        dp->set_frequency(r[10].AsText());
        dp->set_managed_by(r[12].AsText());
        dp->set_service_type(r[4].AsText());
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<CouncilRelationship> SqlReading::Relationship() {
  const PersonRow& p = person_;
  CouncilRelationship rel;
  rel.known = true;
  rel.council_code =
      config_.council_ods_code().empty() ? p.la_code : config_.council_ods_code();
  rel.gp_practice_code = p.gp_practice_code;
  auto allocations = Allocations();
  if (!allocations.ok()) return allocations.status();
  rel.open_case = !(*allocations)->empty();
  for (const AllocationRow& a : **allocations) {
    const std::string& team = a.team_id;
    if (!team.empty() &&
        std::find(rel.allocated_teams.begin(), rel.allocated_teams.end(), team) ==
            rel.allocated_teams.end()) {
      rel.allocated_teams.push_back(team);
    }
    if (!a.worker_id.empty() &&
        std::find(rel.allocated_worker_ids.begin(), rel.allocated_worker_ids.end(),
                  a.worker_id) == rel.allocated_worker_ids.end()) {
      rel.allocated_worker_ids.push_back(a.worker_id);
    }
  }
  return rel;
}

}  // namespace

absl::StatusOr<std::unique_ptr<CouncilSqlSource>> CouncilSqlSource::Create(
    const caregate::config::v1::CouncilSqlConfig& config, absl::string_view data_dir,
    const common::Clock* clock) {
  auto db = Database::Open(config.store(), data_dir,
                           "adapters.social_care.council_sql.store");
  if (!db.ok()) return db.status();
  return Create(config, std::shared_ptr<Database>(std::move(*db)), clock);
}

absl::StatusOr<std::unique_ptr<CouncilSqlSource>> CouncilSqlSource::Create(
    const caregate::config::v1::CouncilSqlConfig& config,
    std::shared_ptr<Database> database, const common::Clock* clock) {
  if (database == nullptr || clock == nullptr) {
    return absl::InvalidArgumentError("council store: database and clock are required");
  }
  absl::Time deadline = absl::Now() + absl::Seconds(30);
  auto lease = database->Acquire(deadline);
  if (!lease.ok()) return Annotate(lease.status());
  if (auto s = EnsureCouncilSchema(**lease, deadline); !s.ok()) return Annotate(s);
  return std::unique_ptr<CouncilSqlSource>(
      new CouncilSqlSource(config, std::move(database), clock));
}

absl::StatusOr<std::unique_ptr<CouncilReading>> CouncilSqlSource::StartReading(
    const SourceRequest& request) {
  if (auto s = CheckDeadline(request.deadline); !s.ok()) return s;
  auto lease = database_->Acquire(request.deadline);
  if (!lease.ok()) return Annotate(lease.status());
  if (auto s = (*lease)->BeginRead(request.deadline); !s.ok()) return Annotate(s);
  auto person = LoadPerson(**lease, request.nhs_number, request.deadline);
  if (!person.ok()) return person.status();
  if (!person->has_value()) return NotFound();
  return std::unique_ptr<CouncilReading>(new SqlReading(
      config_, *std::move(lease), **std::move(person), request, Today(clock_)));
}

}  // namespace caregate::adapters::council_sql

namespace caregate::adapters {

absl::StatusOr<std::unique_ptr<SocialCareSource>> CreateSocialCareSource(
    const caregate::config::v1::SocialCareSourceConfig& config,
    const caregate::config::v1::CaregateConfig& caregate_config,
    const common::Clock* clock) {
  switch (config.kind_case()) {
    case caregate::config::v1::SocialCareSourceConfig::kCouncilSql: {
      auto source = council_sql::CouncilSqlSource::Create(
          config.council_sql(), caregate_config.data_dir(), clock);
      if (!source.ok()) return source.status();
      return std::unique_ptr<SocialCareSource>(std::move(*source));
    }
    case caregate::config::v1::SocialCareSourceConfig::KIND_NOT_SET:
      break;
  }
  return common::InvalidArgumentWithReason(
      common::kReasonInvalidConfig,
      "adapters.social_care: exactly one source kind is required (council_sql)");
}

}  // namespace caregate::adapters
