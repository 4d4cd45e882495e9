// CLD import against both engines: SQLite and a real PostgreSQL server.

#include "adapters/cld_csv/cld_import.h"

#include <sstream>

#include "absl/strings/str_join.h"
#include "adapters/cld_csv/cld_layout.h"
#include "adapters/council_sql/test_store.h"
#include "common/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace caregate::adapters::cld_csv {
namespace {

using council_sql::testing::DefaultRow;
using council_sql::testing::EventsCsv;
using council_sql::testing::RowValues;
using council_sql::testing::Soon;
using council_sql::testing::With;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kContactsHeader =
    "Record Type,LA Person Unique Identifier,Identifier,Name,Role or Relationship,"
    "Support Roles,Key Worker or Main Carer,Team Identifier,Phone,Email,"
    "Lives With Person,Start Date,End Date,Plan Status,Last Updated,Next Review Date,"
    "Summary,Review Responsible\n";

class CldImportTest : public ::testing::TestWithParam<common::sql::Engine> {
 protected:
  void SetUp() override {
    db_ = council_sql::testing::OpenStore(GetParam(), dir_.path());
    ASSERT_NE(db_, nullptr);
  }

  absl::StatusOr<ImportStats> Import(const std::string& events,
                                     const std::string& contacts = "") {
    std::istringstream e(events), c(contacts);
    ImportInput input;
    input.events = &e;
    input.events_name = "events.csv";
    if (!contacts.empty()) {
      input.contacts = &c;
      input.contacts_name = "contacts.csv";
    }
    return ImportCld(input, *db_, Soon());
  }

  // Every row of every table, for "nothing changed" comparisons.
  std::string Dump() {
    auto lease = db_->Acquire(Soon());
    EXPECT_TRUE(lease.ok());
    std::string out;
    for (const char* table :
         {"council_person", "council_event", "council_team", "council_worker",
          "council_allocation", "council_personal_contact", "council_care_plan"}) {
      auto rows = (*lease)->Query(absl::StrCat("SELECT * FROM ", table, " ORDER BY 1"), {},
                                  Soon());
      if (!rows.ok()) {
        absl::StrAppend(&out, table, ": absent\n");
        continue;
      }
      for (const auto& row : *rows) {
        std::vector<std::string> cells;
        for (const auto& v : row) cells.push_back(v.is_null() ? "NULL" : v.AsText());
        absl::StrAppend(&out, table, ": ", absl::StrJoin(cells, "|"), "\n");
      }
    }
    return out;
  }

  int64_t Count(const char* table) {
    auto lease = db_->Acquire(Soon());
    auto rows = (*lease)->Query(absl::StrCat("SELECT COUNT(*) FROM ", table), {}, Soon());
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows.ok() ? (*rows)[0][0].AsInt() : -1;
  }

  caregate::testing::TempDir dir_;
  std::shared_ptr<common::sql::Database> db_;
};

TEST_P(CldImportTest, ImportsValidRowsAndReportsCounts) {
  RowValues second = With(DefaultRow(), {{kEventReference, "S-2"},
                                         {kServiceComponent, "Direct payment"},
                                         {kDeliveryMechanism, "Direct payment"},
                                         {kUnitCost, "250.00"},
                                         {kCostFrequency, "Weekly"},
                                         {kPlannedUnitsPerWeek, "1"}});
  auto stats = Import(EventsCsv({DefaultRow(), second}));
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->event_rows, 2);
  EXPECT_EQ(Count("council_person"), 1);
  EXPECT_EQ(Count("council_event"), 2);
}

TEST_P(CldImportTest, AcceptsReleaseTwoFieldNamesAndReleaseOneLabels) {
  std::string csv = EventsCsv(
      {With(DefaultRow(), {{kClientType, "Service User"},
                           {kServiceType, "Long Term Support: Community"},
                           {kDeliveryMechanism, "CASSR Commissioned Support"}})});
  // Swap the spaced headers for the Release 2 field names.
  for (int c = 0; c < kCldColumnCount; ++c) {
    std::string header(Labels(c).header);
    size_t at = csv.find(header);
    ASSERT_NE(at, std::string::npos);
    csv.replace(at, header.size(), std::string(Labels(c).field_name));
  }
  auto stats = Import(csv);
  ASSERT_TRUE(stats.ok()) << stats.status();
  auto lease = db_->Acquire(Soon());
  auto rows = (*lease)->Query("SELECT service_type, delivery_mechanism FROM council_event",
                              {}, Soon());
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ((*rows)[0][0].AsText(), "Long term support: Community");
  EXPECT_EQ((*rows)[0][1].AsText(), "CASSR commissioned support");
}

TEST_P(CldImportTest, WrongHeaderIsRefused) {
  std::string csv = EventsCsv({DefaultRow()});
  csv.replace(csv.find("Postcode"), 8, "Post Code");
  auto stats = Import(csv);
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(stats.status().message(),
              AllOf(HasSubstr("events.csv line 1"), HasSubstr("not a CLD column"),
                    HasSubstr("\"Postcode\": required CLD column missing")));
  EXPECT_EQ(Count("council_person"), 0);
}

TEST_P(CldImportTest, BadNhsNumberNamesLineColumnAndRuleButNotTheValue) {
  auto stats = Import(EventsCsv({DefaultRow(), With(DefaultRow(), {{kNhsNumber, "9990000019"},
                                                                   {kEventReference, "S-2"}})}));
  ASSERT_FALSE(stats.ok());
  EXPECT_THAT(stats.status().message(),
              AllOf(HasSubstr("events.csv line 3, column \"NHS Number\""),
                    HasSubstr("Modulus 11"), Not(HasSubstr("9990000019"))));
}

TEST_P(CldImportTest, BadDateIsRefused) {
  auto stats = Import(EventsCsv({With(DefaultRow(), {{kDateOfBirth, "1940-02-30"}})}));
  ASSERT_FALSE(stats.ok());
  EXPECT_THAT(stats.status().message(),
              HasSubstr("line 2, column \"Date of Birth\": not a valid ISO 8601 date"));
  stats = Import(EventsCsv({With(DefaultRow(), {{kEventStartDate, "10/01/2026"}})}));
  ASSERT_FALSE(stats.ok());
  EXPECT_THAT(stats.status().message(), HasSubstr("column \"Event Start Date\""));
}

TEST_P(CldImportTest, ValueOutsideCodeListIsRefused) {
  auto stats = Import(EventsCsv({With(DefaultRow(), {{kServiceType, "long term support: community"}})}));
  ASSERT_FALSE(stats.ok());
  EXPECT_THAT(stats.status().message(),
              HasSubstr("column \"Service Type\": not a value of the CLD \"Service Type\" list"));
}

TEST_P(CldImportTest, MissingMandatoryFieldIsRefused) {
  // Service Component is mandatory for Service events.
  auto stats = Import(EventsCsv({With(DefaultRow(), {{kServiceComponent, ""}})}));
  ASSERT_FALSE(stats.ok());
  EXPECT_THAT(stats.status().message(),
              HasSubstr("column \"Service Component\": required for Service events"));
  // Route of Access is mandatory for Request events.
  RowValues request = With(DefaultRow(), {{kEventType, "Request"},
                                          {kEventEndDate, "2026-01-11"},
                                          {kEventOutcome, "NFA: Information and advice or signposting"}});
  stats = Import(EventsCsv({request}));
  ASSERT_FALSE(stats.ok());
  EXPECT_THAT(stats.status().message(),
              HasSubstr("column \"Request: Route of Access\": required for Request events"));
  // Event End Date is mandatory when a date of death is recorded.
  stats = Import(EventsCsv({With(DefaultRow(), {{kDateOfDeath, "2026-02-01"}})}));
  ASSERT_FALSE(stats.ok());
  EXPECT_THAT(stats.status().message(),
              HasSubstr("\"Event End Date\": required when Date of Death is recorded"));
  // Costs are mandatory for a long-term service paid as a direct payment.
  stats = Import(EventsCsv({With(DefaultRow(), {{kDeliveryMechanism, "Direct payment"}})}));
  ASSERT_FALSE(stats.ok());
  EXPECT_THAT(stats.status().message(), HasSubstr("\"Unit Cost\": required for long-term"));
  EXPECT_EQ(Count("council_event"), 0);
}

TEST_P(CldImportTest, QuotedFieldWithCommasAndNewlinesIsKept) {
  auto stats = Import(EventsCsv(
      {With(DefaultRow(), {{kEventDescription, "Home care, mornings\nand \"evenings\""}})}));
  ASSERT_TRUE(stats.ok()) << stats.status();
  auto lease = db_->Acquire(Soon());
  auto rows = (*lease)->Query("SELECT event_description FROM council_event", {}, Soon());
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ((*rows)[0][0].AsText(), "Home care, mornings\nand \"evenings\"");
}

TEST_P(CldImportTest, BrokenQuotingNamesTheFileAndLine) {
  std::string csv = EventsCsv({DefaultRow(), With(DefaultRow(), {{kEventReference, "S-2"}})});
  csv.replace(csv.rfind("S-2"), 3, "S\"2");
  auto stats = Import(csv);
  ASSERT_FALSE(stats.ok());
  EXPECT_THAT(stats.status().message(),
              HasSubstr("events.csv line 3: quote inside an unquoted field"));
  EXPECT_EQ(Count("council_event"), 0);
}

TEST_P(CldImportTest, FailureOnLastRowLeavesDatabaseUnchanged) {
  ASSERT_TRUE(Import(EventsCsv({DefaultRow()})).ok());
  const std::string before = Dump();
  std::vector<RowValues> rows;
  for (int i = 0; i < 50; ++i) {
    rows.push_back(With(DefaultRow(), {{kEventReference, absl::StrCat("N-", i)},
                                       {kLaPersonId, absl::StrCat("Q", i)}}));
  }
  rows.push_back(With(DefaultRow(), {{kEventReference, "LAST"}, {kGender, "Mail"}}));
  auto stats = Import(EventsCsv(rows));
  ASSERT_FALSE(stats.ok());
  EXPECT_THAT(stats.status().message(), HasSubstr("line 52, column \"Gender\""));
  EXPECT_EQ(Dump(), before);
}

TEST_P(CldImportTest, FailureInContactsFileLeavesDatabaseUnchanged) {
  const std::string before = Dump();
  std::string contacts = std::string(kContactsHeader) +
                         "Team,,T1,Older People North,,,,,0191 000 0001,opn@x99la.example,,,,,,,,\n"
                         "Allocation,NOBODY,W1,,,,Yes,T1,,,,2026-01-01,,,,,,\n";
  auto stats = Import(EventsCsv({DefaultRow()}), contacts);
  ASSERT_FALSE(stats.ok());
  EXPECT_THAT(stats.status().message(),
              HasSubstr("contacts.csv line 3, column \"LA Person Unique Identifier\": no person"));
  EXPECT_EQ(Dump(), before);
}

TEST_P(CldImportTest, ContactsRowsAreValidated) {
  std::string contacts = std::string(kContactsHeader) +
                         "Personal Contact,P1,C1,Ann,Daughter,XYZ,Maybe,,,not-an-email,,,,,,,,\n"
                         "Care Plan,P1,PL1,,,,,,,,,2026-01-01,,finished,,,,\n"
                         "Pet,P1,,,,,,,,,,,,,,,,\n";
  auto stats = Import(EventsCsv({DefaultRow()}), contacts);
  ASSERT_FALSE(stats.ok());
  EXPECT_THAT(stats.status().message(),
              AllOf(HasSubstr("line 2, column \"Support Roles\""),
                    HasSubstr("line 2, column \"Key Worker or Main Carer\": must be Yes, No"),
                    HasSubstr("line 2, column \"Email\""),
                    HasSubstr("line 3, column \"Plan Status\""),
                    HasSubstr("line 4, column \"Record Type\"")));
}

TEST_P(CldImportTest, ReimportingTheSameFilesChangesNothing) {
  std::string contacts = std::string(kContactsHeader) +
                         "Team,,T1,Older People North,,,,,0191 000 0001,opn@x99la.example,,,,,,,,\n"
                         "Worker,,W1,Sam Patel,Social Worker,,,T1,0191 000 0002,sam@x99la.example,,,,,,,,\n"
                         "Allocation,P1,W1,,,,Yes,T1,,,,2026-01-01,,,,,,\n"
                         "Personal Contact,P1,C1,Ann Hall,Daughter,NOK,Yes,,07700 900001,,Yes,,,,,,,\n"
                         "Care Plan,P1,PL1,,,,,,,,,2026-01-01,,active,2026-01-05,2026-07-01,Care at home,Sam Patel\n";
  std::string events = EventsCsv(
      {DefaultRow(), With(DefaultRow(), {{kEventReference, ""}, {kEventStartDate, "2025-05-01"}})});
  auto first = Import(events, contacts);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->contact_rows, 5);
  const std::string after_first = Dump();
  auto second = Import(events, contacts);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(Dump(), after_first);
  EXPECT_EQ(Count("council_event"), 2);
  EXPECT_EQ(Count("council_allocation"), 1);
}

INSTANTIATE_TEST_SUITE_P(Engines, CldImportTest,
                         ::testing::Values(common::sql::Engine::kSqlite,
                                           common::sql::Engine::kPostgres),
                         council_sql::testing::EngineName);

}  // namespace
}  // namespace caregate::adapters::cld_csv
