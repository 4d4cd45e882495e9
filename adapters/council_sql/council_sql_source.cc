#include "adapters/council_sql/council_sql_source.h"

#include <algorithm>
#include <any>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
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

// The person's rows as the store holds them, before anything that depends on
// the date: what a connection remembers, and what each reading maps with
// today's date.
struct PersonRow {
  std::string la_person_id, la_code, given_names, family_name, date_of_birth,
      date_of_death, gender, postcode, address_line1, gp_practice_code,
      gp_practice_name, primary_support_reason, has_unpaid_carer,
      client_funding_status;
  bool verified = false;
};

struct AllocationRow {
  std::string worker_id, team_id, start, end, name, role, phone, email,
      team_name, team_phone, team_email;
  bool key_worker = false;
};

struct ContactRow {
  std::string name, relationship, support_roles, phone, email, start, end;
  bool main_carer = false, lives_with_person = false;
};

struct PlanRow {
  std::string plan_id, status, start, end, last_updated, next_review_due, summary,
      review_responsible;
};

struct ServiceRow {
  std::string event_key, event_reference, start, end, service_type, service_component,
      delivery_mechanism, provider_cqc_location_id, provider_name, unit_type, managed_by;
  std::optional<double> unit_cost, planned_units_per_week;
};

// What every reading needs (the relationship evidence reads only this)...
struct PersonCore {
  PersonRow person;
  std::vector<AllocationRow> allocations;
};

// ...and what only the summary needs.
struct PersonDetails {
  std::vector<ContactRow> contacts;
  std::vector<PlanRow> plans;
  std::vector<ServiceRow> services;
};

std::optional<double> RealOrNull(const Value& v) {
  return v.is_null() ? std::nullopt : std::optional<double>(v.AsReal());
}

// Reads the person's row and allocations, in the caller's read transaction:
// nullptr when the council does not know the NHS number.
absl::StatusOr<std::shared_ptr<const PersonCore>> LoadCore(Connection& c, const std::string& nhs,
                                                           absl::Time deadline) {
  auto people = c.Query(kPersonSql, {Value::Text(nhs)}, deadline);
  if (!people.ok()) return Annotate(people.status());
  if (people->empty()) return nullptr;
  auto core = std::make_shared<PersonCore>();
  {
    const Row& r = people->front();
    PersonRow& p = core->person;
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
  }
  absl::Status s = c.QueryEach(
      kAllocationsSql, {Value::Text(core->person.la_person_id)}, deadline, [&](const Row& r) {
        AllocationRow& a = core->allocations.emplace_back();
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
        return absl::OkStatus();
      });
  if (!s.ok()) return Annotate(s);
  return std::shared_ptr<const PersonCore>(std::move(core));
}

// Reads the person's contacts, plans and services, in the caller's read
// transaction.
absl::StatusOr<std::shared_ptr<const PersonDetails>> LoadDetails(Connection& c,
                                                                 const std::string& la_person_id,
                                                                 absl::Time deadline) {
  auto details = std::make_shared<PersonDetails>();
  const Params person = {Value::Text(la_person_id)};
  absl::Status s = c.QueryEach(kContactsSql, person, deadline, [&](const Row& r) {
    ContactRow& ct = details->contacts.emplace_back();
    ct.name = r[0].AsText();
    ct.relationship = r[1].AsText();
    ct.support_roles = r[2].AsText();
    ct.main_carer = r[3].AsInt() != 0;
    ct.phone = r[4].AsText();
    ct.email = r[5].AsText();
    ct.lives_with_person = r[6].AsInt() != 0;
    ct.start = r[7].AsText();
    ct.end = r[8].AsText();
    return absl::OkStatus();
  });
  if (s.ok()) {
    s = c.QueryEach(kPlansSql, person, deadline, [&](const Row& r) {
      PlanRow& plan = details->plans.emplace_back();
      plan.plan_id = r[0].AsText();
      plan.status = r[1].AsText();
      plan.start = r[2].AsText();
      plan.end = r[3].AsText();
      plan.last_updated = r[4].AsText();
      plan.next_review_due = r[5].AsText();
      plan.summary = r[6].AsText();
      plan.review_responsible = r[7].AsText();
      return absl::OkStatus();
    });
  }
  if (s.ok()) {
    s = c.QueryEach(kServicesSql, person, deadline, [&](const Row& r) {
      ServiceRow& sv = details->services.emplace_back();
      sv.event_key = r[0].AsText();
      sv.event_reference = r[1].AsText();
      sv.start = r[2].AsText();
      sv.end = r[3].AsText();
      sv.service_type = r[4].AsText();
      sv.service_component = r[5].AsText();
      sv.delivery_mechanism = r[6].AsText();
      sv.provider_cqc_location_id = r[7].AsText();
      sv.provider_name = r[8].AsText();
      sv.unit_cost = RealOrNull(r[9]);
      sv.unit_type = r[10].AsText();
      sv.planned_units_per_week = RealOrNull(r[11]);
      sv.managed_by = r[12].AsText();
      return absl::OkStatus();
    });
  }
  if (!s.ok()) return Annotate(s);
  return std::shared_ptr<const PersonDetails>(std::move(details));
}

// The people a connection has read, by NHS number: their core, and their
// details once a summary asked for them. Kept with the connection
// (Connection::remembered), which forgets them as soon as the store changes,
// so what is recalled inside a read transaction is what the store holds in
// that transaction's snapshot. Bounded: forgotten all at once when full.
struct RememberedPerson {
  std::shared_ptr<const PersonCore> core;
  std::shared_ptr<const PersonDetails> details;
};
using RememberedPeople = absl::flat_hash_map<std::string, RememberedPerson>;
constexpr size_t kMaxRememberedPeople = 4096;

RememberedPeople& PeopleOf(Connection& c) {
  auto* people = std::any_cast<RememberedPeople>(&c.remembered());
  return people != nullptr ? *people : c.remembered().emplace<RememberedPeople>();
}

// The person's core in the connection's current read transaction: recalled,
// or read and remembered. nullptr when the council does not know them.
absl::StatusOr<std::shared_ptr<const PersonCore>> RecallCore(Connection& c,
                                                             const std::string& nhs,
                                                             absl::Time deadline) {
  RememberedPeople& people = PeopleOf(c);
  if (auto it = people.find(nhs); it != people.end()) return it->second.core;
  auto loaded = LoadCore(c, nhs, deadline);
  if (!loaded.ok() || *loaded == nullptr) return loaded;
  if (people.size() >= kMaxRememberedPeople) people.clear();
  people[nhs].core = *loaded;
  return loaded;
}

// The details of a person whose core RecallCore gave, in the same read
// transaction.
absl::StatusOr<std::shared_ptr<const PersonDetails>> RecallDetails(Connection& c,
                                                                   const std::string& nhs,
                                                                   const PersonCore& core,
                                                                   absl::Time deadline) {
  RememberedPeople& people = PeopleOf(c);
  auto it = people.find(nhs);
  // Details belong beside the core they were read with.
  const bool same_core = it != people.end() && it->second.core.get() == &core;
  if (same_core && it->second.details != nullptr) return it->second.details;
  auto loaded = LoadDetails(c, core.person.la_person_id, deadline);
  if (!loaded.ok()) return loaded;
  if (same_core) it->second.details = *loaded;
  return loaded;
}

// Allocations current on `today`: the key worker first, then the
// longest-standing allocation, then by name.
std::vector<const AllocationRow*> CurrentAllocations(const PersonCore& core,
                                                     const std::string& today) {
  std::vector<const AllocationRow*> out;
  for (const AllocationRow& a : core.allocations) {
    if (!a.start.empty() && a.start > today) continue;  // not started yet
    if (!Current(a.end, today)) continue;
    out.push_back(&a);
  }
  std::sort(out.begin(), out.end(), [](const AllocationRow* x, const AllocationRow* y) {
    if (x->key_worker != y->key_worker) return x->key_worker;
    if (x->start != y->start) return x->start < y->start;
    if (x->name != y->name) return x->name < y->name;
    return x->worker_id < y->worker_id;
  });
  return out;
}

// One request's reading: a lease on a read transaction (so every query sees
// one snapshot) and the person's core; the details are read, or recalled,
// when the summary is asked for. Rows are mapped with today's date.
class SqlReading final : public CouncilReading {
 public:
  SqlReading(const caregate::config::v1::CouncilSqlConfig& config, Lease lease,
             std::shared_ptr<const PersonCore> core, const SourceRequest& request,
             std::string today)
      : config_(config),
        lease_(std::move(lease)),
        core_(std::move(core)),
        nhs_number_(request.nhs_number),
        deadline_(request.deadline),
        today_(std::move(today)),
        allocations_(CurrentAllocations(*core_, today_)) {}

  absl::StatusOr<CouncilRelationship> Relationship() override;
  absl::Status SummaryInto(caregate::v1::SocialCareSummary* out) override {
    out->Clear();
    auto details = RecallDetails(*lease_, nhs_number_, *core_, deadline_);
    if (!details.ok()) return details.status();
    FillSummary(**details, *out);
    return absl::OkStatus();
  }

 private:
  void FillSummary(const PersonDetails& details, caregate::v1::SocialCareSummary& summary) const;

  const caregate::config::v1::CouncilSqlConfig& config_;
  Lease lease_;
  const std::shared_ptr<const PersonCore> core_;
  const std::string nhs_number_;
  const absl::Time deadline_;
  const std::string today_;
  const std::vector<const AllocationRow*> allocations_;
};

void SqlReading::FillSummary(const PersonDetails& details,
                             caregate::v1::SocialCareSummary& summary) const {
  const PersonRow& p = core_->person;
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
  for (const AllocationRow* a : allocations_) {
    if (a->worker_id.empty()) continue;  // a team allocation, shown as the team
    caregate::v1::AllocatedWorker* w = summary.add_allocated_workers();
    w->set_name(a->name);
    w->set_role(a->role);
    w->set_team(a->team_name);
    w->set_phone(a->phone);
    w->set_email(a->email);
    w->set_key_worker(a->key_worker);
    w->set_allocation_start(a->start);
    w->set_team_phone(a->team_phone);
    w->set_team_email(a->team_email);
  }
  caregate::v1::ResponsibleLocalAuthority* la =
      summary.mutable_responsible_local_authority();
  la->set_ods_code(config_.council_ods_code().empty() ? p.la_code
                                                      : config_.council_ods_code());
  la->set_name(config_.council_name());
  la->set_contact_name(config_.contact_name());
  la->set_phone(config_.contact_phone());
  la->set_email(config_.contact_email());
  if (!allocations_.empty()) {
    const AllocationRow& first = *allocations_.front();
    la->set_team(first.team_name);
    if (la->phone().empty()) la->set_phone(first.team_phone);
    if (la->email().empty()) la->set_email(first.team_email);
  }

  // Personal contacts: current ones, main carer first, then by start date
  // and name.
  {
    std::vector<const ContactRow*> current;
    for (const ContactRow& c : details.contacts) {
      if (Current(c.end, today)) current.push_back(&c);
    }
    std::sort(current.begin(), current.end(), [](const ContactRow* x, const ContactRow* y) {
      if (x->main_carer != y->main_carer) return x->main_carer;
      return std::tie(x->start, x->name) < std::tie(y->start, y->name);
    });
    for (const ContactRow* c : current) {
      caregate::v1::PersonalContact* ct = summary.add_personal_contacts();
      ct->set_name(c->name);
      ct->set_relationship(c->relationship);
      for (absl::string_view role :
           absl::StrSplit(c->support_roles, absl::ByAnyChar(", "), absl::SkipEmpty())) {
        ct->add_support_roles(std::string(role));
      }
      ct->set_main_carer(c->main_carer);
      ct->set_phone(c->phone);
      ct->set_email(c->email);
      ct->set_lives_with_person(c->lives_with_person);
    }
  }

  // Care and support plan.
  {
    caregate::v1::CarePlan* plan = summary.mutable_care_plan();
    plan->set_funding_source(p.client_funding_status);
    if (details.plans.empty()) {
      plan->set_status(caregate::v1::CARE_PLAN_STATUS_NO_PLAN_IN_PLACE);
    } else {
      const PlanRow* best = nullptr;
      bool best_current = false;
      for (const PlanRow& r : details.plans) {
        bool current = r.status != "ended" && Current(r.end, effective_today) && !deceased;
        // Prefer a current plan; among equals, the latest start, then id.
        if (best == nullptr || (current && !best_current) ||
            (current == best_current &&
             std::tie(r.start, r.plan_id) > std::tie(best->start, best->plan_id))) {
          best = &r;
          best_current = current;
        }
      }
      const PlanRow& r = *best;
      plan->set_plan_id(r.plan_id);
      plan->set_start_date(r.start);
      plan->set_last_updated(r.last_updated);
      plan->set_next_review_due(r.next_review_due);
      plan->set_summary(r.summary);
      plan->set_review_responsible(r.review_responsible);
      if (!best_current) {
        plan->set_status(caregate::v1::CARE_PLAN_STATUS_ENDED);
      } else if (r.status == "draft") {
        plan->set_status(caregate::v1::CARE_PLAN_STATUS_DRAFT);
      } else if (!r.next_review_due.empty() && r.next_review_due < today) {
        plan->set_status(caregate::v1::CARE_PLAN_STATUS_REVIEW_DUE);
      } else {
        plan->set_status(caregate::v1::CARE_PLAN_STATUS_ACTIVE);
      }
    }
  }

  // Services and direct payments.
  {
    std::vector<const ServiceRow*> current;
    for (const ServiceRow& r : details.services) {
      if (!Current(r.end, effective_today)) continue;
      if (deceased && (r.end.empty() || r.end >= p.date_of_death)) continue;
      if (!r.start.empty() && r.start > today) continue;  // not started yet
      current.push_back(&r);
    }
    std::sort(current.begin(), current.end(), [](const ServiceRow* x, const ServiceRow* y) {
      return std::tie(x->start, x->event_key) < std::tie(y->start, y->event_key);
    });
    for (const ServiceRow* r : current) {
      caregate::v1::CommissionedService* s = summary.add_services();
      s->set_event_reference(r->event_reference);
      s->set_start_date(r->start);
      s->set_end_date(r->end);
      s->set_service_type(r->service_type);
      s->set_service_component(r->service_component);
      s->set_delivery_mechanism(r->delivery_mechanism);
      s->set_provider_cqc_location_id(r->provider_cqc_location_id);
      s->set_provider_name(r->provider_name);
      if (r->planned_units_per_week.has_value()) {
        s->set_planned_units_per_week(*r->planned_units_per_week);
      }
      s->set_unit_type(r->unit_type);
      // DHSC rule: a "Direct payment" component overrides the mechanism.
      if (r->delivery_mechanism == "Direct payment" ||
          r->service_component == "Direct payment") {
        caregate::v1::DirectPayment* dp = summary.add_direct_payments();
        dp->set_event_reference(r->event_reference);
        dp->set_start_date(r->start);
        dp->set_end_date(r->end);
        if (r->unit_cost.has_value()) dp->set_amount(*r->unit_cost);
        dp->set_frequency(r->unit_type);
        dp->set_managed_by(r->managed_by);
        dp->set_service_type(r->service_type);
      }
    }
  }
}

absl::StatusOr<CouncilRelationship> SqlReading::Relationship() {
  const PersonRow& p = core_->person;
  CouncilRelationship rel;
  rel.known = true;
  rel.council_code =
      config_.council_ods_code().empty() ? p.la_code : config_.council_ods_code();
  rel.gp_practice_code = p.gp_practice_code;
  rel.open_case = !allocations_.empty();
  for (const AllocationRow* a : allocations_) {
    const std::string& team = a->team_id;
    if (!team.empty() &&
        std::find(rel.allocated_teams.begin(), rel.allocated_teams.end(), team) ==
            rel.allocated_teams.end()) {
      rel.allocated_teams.push_back(team);
    }
    if (!a->worker_id.empty() &&
        std::find(rel.allocated_worker_ids.begin(), rel.allocated_worker_ids.end(),
                  a->worker_id) == rel.allocated_worker_ids.end()) {
      rel.allocated_worker_ids.push_back(a->worker_id);
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
  auto core = RecallCore(**lease, request.nhs_number, request.deadline);
  if (!core.ok()) return core.status();
  if (*core == nullptr) return NotFound();
  return std::unique_ptr<CouncilReading>(new SqlReading(
      config_, *std::move(lease), *std::move(core), request, Today(clock_)));
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
