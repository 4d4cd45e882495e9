#include "gateway/metrics.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace caregate::gateway {
namespace {

using ::testing::HasSubstr;

TEST(MetricsTest, RecordsWithLabelsThatCarryNoPersonalData) {
  auto metrics = Metrics::Create("");
  ASSERT_TRUE(metrics.ok());
  (*metrics)->RecordRequest("GetGpSummary", "OK", absl::Milliseconds(12));
  (*metrics)->RecordSource("gp", "answered", absl::Milliseconds(8));
  (*metrics)->RecordAuditAppend(true, absl::Milliseconds(2));
  (*metrics)->RecordDecision("deny", "NO_CONSENT");
  const std::string text = (*metrics)->Scrape();
  EXPECT_THAT(text, HasSubstr("caregate_requests_total{code=\"OK\",method=\"GetGpSummary\"} 1"));
  EXPECT_THAT(text, HasSubstr("caregate_source_requests_total{source=\"gp\",status=\"answered\"} 1"));
  EXPECT_THAT(text, HasSubstr("caregate_audit_append_duration_seconds_count{result=\"ok\"} 1"));
  EXPECT_THAT(text,
              HasSubstr("caregate_consent_decisions_total{outcome=\"deny\",reason=\"NO_CONSENT\"} 1"));
}

TEST(MetricsTest, ServesOnAPort) {
  auto metrics = Metrics::Create("127.0.0.1:0");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_GT((*metrics)->port(), 0);
}

}  // namespace
}  // namespace caregate::gateway
