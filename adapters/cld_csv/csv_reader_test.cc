#include "adapters/cld_csv/csv_reader.h"

#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace caregate::adapters::cld_csv {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(CsvReaderTest, QuotedFieldWithCommasAndNewlinesIsOneField) {
  std::istringstream in("a,b\r\n\"x, y\nz\",\"say \"\"hi\"\"\"\r\nlast,\n");
  CsvReader reader(&in);
  std::vector<std::string> f;
  ASSERT_TRUE(*reader.Next(&f));
  EXPECT_THAT(f, ElementsAre("a", "b"));
  ASSERT_TRUE(*reader.Next(&f));
  EXPECT_THAT(f, ElementsAre("x, y\nz", "say \"hi\""));
  EXPECT_EQ(reader.record_line(), 2);
  ASSERT_TRUE(*reader.Next(&f));
  EXPECT_THAT(f, ElementsAre("last", ""));
  EXPECT_EQ(reader.record_line(), 4);  // the quoted newline counted
  EXPECT_FALSE(*reader.Next(&f));
}

TEST(CsvReaderTest, SkipsByteOrderMarkAndReadsLastLineWithoutNewline) {
  std::istringstream in("\xEF\xBB\xBFh1,h2\nv1,v2");
  CsvReader reader(&in);
  std::vector<std::string> f;
  ASSERT_TRUE(*reader.Next(&f));
  EXPECT_THAT(f, ElementsAre("h1", "h2"));
  ASSERT_TRUE(*reader.Next(&f));
  EXPECT_THAT(f, ElementsAre("v1", "v2"));
  EXPECT_FALSE(*reader.Next(&f));
}

TEST(CsvReaderTest, RejectsUnclosedQuoteAndStrayQuote) {
  std::vector<std::string> f;
  {
    std::istringstream in("a,\"open\n");
    CsvReader reader(&in);
    auto r = reader.Next(&f);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.status().message(), HasSubstr("not closed"));
  }
  {
    std::istringstream in("a,b\"c\n");
    CsvReader reader(&in);
    auto r = reader.Next(&f);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.status().message(), HasSubstr("line 1"));
  }
}

}  // namespace
}  // namespace caregate::adapters::cld_csv
