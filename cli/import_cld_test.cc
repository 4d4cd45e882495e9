// caregatectl demo-data and import-cld, run as a person would run them.

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/postgres.h"
#include "tests/support/process.h"

namespace caregate::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ImportCldCommandTest, DemoDataThenImportIntoSqliteTwice) {
  testing::TempDir dir;
  const std::string out = dir.path() + "/demo";
  auto written = testing::RunCommand(
      {CAREGATECTL_BINARY, "demo-data", "--people", "25", "--seed", "4", "--out", out});
  ASSERT_EQ(written.exit_code, 0) << written.output;
  EXPECT_TRUE(std::filesystem::exists(out + "/gp/index.json"));
  for (int run = 0; run < 2; ++run) {
    auto imported = testing::RunCommand(
        {CAREGATECTL_BINARY, "import-cld", "--events", out + "/cld-events.csv", "--contacts",
         out + "/cld-contacts.csv", "--db", dir.path() + "/council.db"});
    ASSERT_EQ(imported.exit_code, 0) << imported.output;
    EXPECT_THAT(imported.output, HasSubstr("imported "));
  }
}

TEST(ImportCldCommandTest, ImportsIntoPostgres) {
  auto pg = testing::PostgresServer::Shared();
  ASSERT_TRUE(pg.ok()) << pg.status();
  auto conninfo = (*pg)->CreateDatabase();
  ASSERT_TRUE(conninfo.ok());
  testing::TempDir dir;
  const std::string out = dir.path() + "/demo";
  ASSERT_EQ(testing::RunCommand({CAREGATECTL_BINARY, "demo-data", "--people", "10", "--out",
                                 out, "--no-gp"})
                .exit_code,
            0);
  auto imported = testing::RunCommand({CAREGATECTL_BINARY, "import-cld", "--events",
                                       out + "/cld-events.csv", "--contacts",
                                       out + "/cld-contacts.csv", "--db", *conninfo});
  EXPECT_EQ(imported.exit_code, 0) << imported.output;
}

TEST(ImportCldCommandTest, BadFileFailsWithLineAndColumnAndKeepsNothing) {
  testing::TempDir dir;
  const std::string out = dir.path() + "/demo";
  ASSERT_EQ(testing::RunCommand(
                {CAREGATECTL_BINARY, "demo-data", "--people", "5", "--out", out, "--no-gp"})
                .exit_code,
            0);
  // Break the NHS number on the last line.
  std::string events;
  {
    std::ifstream in(out + "/cld-events.csv", std::ios::binary);
    events.assign(std::istreambuf_iterator<char>(in), {});
  }
  size_t last = events.rfind("\r\n", events.size() - 3) + 2;
  size_t nhs = events.find(",999", last) + 1;
  events.replace(nhs + 9, 1, events[nhs + 9] == '0' ? "1" : "0");
  std::ofstream(out + "/bad.csv", std::ios::binary) << events;
  auto imported = testing::RunCommand({CAREGATECTL_BINARY, "import-cld", "--events",
                                       out + "/bad.csv", "--db", dir.path() + "/c.db"});
  EXPECT_EQ(imported.exit_code, 1);
  EXPECT_THAT(imported.output, HasSubstr("bad.csv line "));
  EXPECT_THAT(imported.output, HasSubstr("column \"NHS Number\""));
  EXPECT_THAT(imported.output, Not(HasSubstr(events.substr(nhs, 10))));
}

TEST(ImportCldCommandTest, UsageErrors) {
  auto r = testing::RunCommand({CAREGATECTL_BINARY, "import-cld", "--events", "x.csv"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("--db"));
  r = testing::RunCommand({CAREGATECTL_BINARY, "demo-data", "--people", "many", "--out", "x"});
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace caregate::cli
