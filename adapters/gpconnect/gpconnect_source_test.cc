// Runs the real GpConnectSource against the GP Connect test provider
// (tests/gpconnect_provider/) over mutual TLS with throwaway certificates.

#include "adapters/gpconnect/gpconnect_source.h"

#include <fstream>
#include <memory>
#include <string>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "google/protobuf/arena.h"
#include "google/protobuf/util/message_differencer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/process.h"

namespace caregate::adapters::gpconnect {
namespace {

namespace v1 = ::caregate::v1;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kFixtures = std::string(CAREGATE_SHARED_DIR) + "/fixtures/gpconnect/";

class GpConnectSourceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new caregate::testing::TempDir();
    auto certs = caregate::testing::RunCommand({"/bin/bash", MAKE_CERTS_SCRIPT, dir_->path()});
    ASSERT_EQ(certs.exit_code, 0) << certs.output;
    std::ofstream(dir_->path() + "/index.json")
        << R"({
      "9690937286": ")"
        << kFixtures << R"(9690937287.structuredRecord.json",
      "9465701297": ")"
        << kFixtures << R"(9465701297_Livermore_full_20210602.json",
      "9690938576": {"bundle": "", "scenario": "dissent"},
      "9690937278": {"bundle": "", "scenario": "access-denied"},
      "9690938533": {"bundle": "", "scenario": "not-found"},
      "9690937294": {"bundle": ")"
        << kFixtures << R"(pathology_response1.json", "scenario": "slow:1500"},
      "9465701262": {"bundle": ")"
        << kFixtures << R"(pathology_response1.json", "scenario": "slow:200"},
      "9690938096": {"bundle": ")"
        << kFixtures << R"(gpc-access-structured.json", "scenario": "truncated"},
      "9690938118": {"bundle": "", "scenario": "malformed"},
      "9690938126": {"bundle": "", "scenario": "500"},
      "9690938681": {"bundle": "", "scenario": "503"},
      "9690938150": {"bundle": "", "scenario": "400"},
      "9690938169": {"bundle": "", "scenario": "422"},
      "9690938142": {"bundle": ")"
        << kFixtures << R"(gpc-access-structured.json", "scenario": "503-once"},
      "9434765919": {"bundle": ")"
        << kFixtures << R"(pathology_response1.json", "scenario": "wrong-id"}
    })";
    auto provider = caregate::testing::ChildProcess::Start(
        {"/usr/bin/python3", PROVIDER_SCRIPT, "--port", "0", "--cert", Cert("server.pem"), "--key",
         Cert("server.key"), "--ca", Cert("ca.pem"), "--index", dir_->path() + "/index.json",
         "--asid", "200000000359"},
        dir_->path() + "/provider.stderr");
    ASSERT_TRUE(provider.ok()) << provider.status();
    provider_ = provider->release();
    auto line = provider_->WaitForLine("listening on", absl::Seconds(20));
    ASSERT_TRUE(line.ok()) << line.status();
    auto port = caregate::testing::PortFromListeningLine(*line);
    ASSERT_TRUE(port.ok());
    port_ = *port;
  }

  static void TearDownTestSuite() {
    if (provider_ != nullptr) (void)provider_->Stop(SIGTERM, absl::Seconds(5));
    delete provider_;
    delete dir_;
  }

  static std::string Cert(const std::string& name) { return dir_->path() + "/" + name; }

  caregate::config::v1::GpConnectConfig Config() {
    caregate::config::v1::GpConnectConfig c;
    c.set_service_root(
        absl::StrCat("https://127.0.0.1:", port_, "/B82617/STU3/1/gpconnect/structured"));
    c.set_from_asid("918999198738");
    c.set_to_asid("200000000359");
    c.set_client_cert_file(Cert("client.pem"));
    c.set_client_key_file(Cert("client.key"));
    c.set_ca_file(Cert("ca.pem"));
    c.set_requesting_organisation_ods("C0001");
    c.set_requesting_device_id("caregate-test");
    return c;
  }

  SourceRequest Request(const std::string& nhs, absl::Duration deadline = absl::Seconds(10)) {
    SourceRequest r;
    r.nhs_number = nhs;
    r.requester = {"u123", "Sam Social Worker", "C0001", "R8008"};
    r.deadline = absl::Now() + deadline;
    r.request_id = "req-1";
    return r;
  }

  absl::StatusOr<v1::GpSummary> Get(const std::string& nhs,
                                    absl::Duration deadline = absl::Seconds(10)) {
    auto source = GpConnectSource::Create(Config());
    EXPECT_TRUE(source.ok()) << source.status();
    if (!source.ok()) return source.status();
    return (*source)->GetGpSummary(Request(nhs, deadline));
  }

  // The provider's "served STATUS SCENARIO" lines for the next `n` requests.
  std::vector<std::string> Served(int n) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) {
      auto line = provider_->WaitForLine("served", absl::Seconds(10));
      if (!line.ok()) break;
      out.push_back(*line);
    }
    return out;
  }

  static caregate::testing::TempDir* dir_;
  static caregate::testing::ChildProcess* provider_;
  static int port_;
};

caregate::testing::TempDir* GpConnectSourceTest::dir_ = nullptr;
caregate::testing::ChildProcess* GpConnectSourceTest::provider_ = nullptr;
int GpConnectSourceTest::port_ = 0;

void ExpectError(const absl::StatusOr<v1::GpSummary>& s, absl::StatusCode code,
                 absl::string_view reason) {
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), code) << s.status();
  EXPECT_EQ(common::ErrorReason(s.status()), reason) << s.status();
}

TEST_F(GpConnectSourceTest, TwoCallsOverMutualTlsGiveTheMergedSummary) {
  auto s = Get("9690937286");
  ASSERT_TRUE(s.ok()) << s.status();
  // The provider accepted both calls (headers, JWT and parameter rules held)
  // and sent them gzip-compressed.
  EXPECT_THAT(Served(2), ::testing::Each(HasSubstr("served 200 ok gzip")));
  EXPECT_EQ(s->demographics().family_name(), "SKELLY");
  EXPECT_EQ(s->medications_size(), 10);
  EXPECT_EQ(s->problems_size(), 10);
  EXPECT_EQ(s->encounters_size(), 3);
  EXPECT_EQ(s->allergies_size(), 2);
  ASSERT_EQ(s->section_statuses_size(), 11);

  auto livermore = Get("9465701297");
  ASSERT_TRUE(livermore.ok()) << livermore.status();
  Served(2);
  EXPECT_EQ(livermore->blood_pressure_readings_size(), 13);
}

TEST_F(GpConnectSourceTest, FillsTheCallersArenaMessageAndLeavesItEmptyOnError) {
  auto source = GpConnectSource::Create(Config());
  ASSERT_TRUE(source.ok()) << source.status();
  auto heap = (*source)->GetGpSummary(Request("9690937286"));
  Served(2);
  ASSERT_TRUE(heap.ok()) << heap.status();
  google::protobuf::Arena arena;
  auto* out = google::protobuf::Arena::CreateMessage<v1::GpSummary>(&arena);
  out->add_medications()->set_start_date("stale");  // cleared first
  absl::Status s = (*source)->GetGpSummaryInto(Request("9690937286"), out);
  Served(2);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(out->GetArena(), &arena);
  EXPECT_EQ(out->problems_size(), 10);
  EXPECT_EQ(out->medications_size(), 10);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*out, *heap));

  // The main call's bundle maps, then its id does not match the trace id;
  // a truncated bundle; a refusal: each leaves nothing in *out.
  for (const char* nhs : {"9434765919", "9690938096", "9690938576"}) {
    SCOPED_TRACE(nhs);
    out->add_medications()->set_start_date("stale");
    absl::Status failed = (*source)->GetGpSummaryInto(Request(nhs), out);
    Served(2);
    EXPECT_FALSE(failed.ok());
    EXPECT_EQ(out->ByteSizeLong(), 0u);
  }
}

TEST_F(GpConnectSourceTest, DissentIsRefused) {
  auto s = Get("9690938576");
  Served(2);
  ExpectError(s, absl::StatusCode::kPermissionDenied, common::kReasonSourceRefused);
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("dissented"));
  auto denied = Get("9690937278");
  Served(2);
  ExpectError(denied, absl::StatusCode::kPermissionDenied, common::kReasonSourceRefused);
}

TEST_F(GpConnectSourceTest, NotFoundSaysNothingMore) {
  for (const char* nhs : {"9690938533", "9999999999"}) {
    auto s = Get(nhs);
    Served(2);
    ExpectError(s, absl::StatusCode::kNotFound, common::kReasonPatientNotFound);
    EXPECT_EQ(s.status().message(), "GP source: person not found");
  }
}

TEST_F(GpConnectSourceTest, SlowAnswersWithinAndPastTheDeadline) {
  auto ok = Get("9465701262", absl::Seconds(10));
  Served(2);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->investigations_size(), 1);
  auto late = Get("9690937294", absl::Milliseconds(500));
  EXPECT_EQ(late.status().code(), absl::StatusCode::kDeadlineExceeded) << late.status();
  Served(2);  // the provider still answers, to nobody
}

TEST_F(GpConnectSourceTest, TruncatedMalformedAndWrongIdBundlesAreInternal) {
  for (const char* nhs : {"9690938096", "9690938118", "9434765919"}) {
    SCOPED_TRACE(nhs);
    auto s = Get(nhs);
    Served(2);
    ExpectError(s, absl::StatusCode::kInternal, common::kReasonInvalidBundle);
  }
  auto wrong = Get("9434765919");
  Served(2);
  EXPECT_THAT(std::string(wrong.status().message()), HasSubstr("Ssp-TraceID"));
}

TEST_F(GpConnectSourceTest, ServerErrorsAreUnavailableAfterOneRetry) {
  auto s500 = Get("9690938126");
  EXPECT_THAT(Served(2), ::testing::Each(HasSubstr("served 500")));
  ExpectError(s500, absl::StatusCode::kUnavailable, common::kReasonSourceUnavailable);
  // 503 is retried once per call: four requests in all, then unavailable.
  auto s503 = Get("9690938681");
  EXPECT_THAT(Served(4), ::testing::Each(HasSubstr("served 503")));
  ExpectError(s503, absl::StatusCode::kUnavailable, common::kReasonSourceUnavailable);
}

// 400 and 422 are the provider rejecting the request: an internal error,
// not retried, logged with the Spine code and the diagnostics, from which
// the personal data the test provider echoes (ECHOING_DIAGNOSTICS: a spaced
// NHS number, a quoted name and address, a date of birth, an email) is gone.
TEST_F(GpConnectSourceTest, RejectionsAreInternalAndLoggedWithoutPersonalData) {
  for (const auto& [nhs, status, code] :
       {std::tuple<const char*, const char*, const char*>{"9690938150", "400", "BAD_REQUEST"},
        {"9690938169", "422", "INVALID_PARAMETER"}}) {
    ::testing::internal::CaptureStderr();
    auto s = Get(nhs);
    const std::string log = ::testing::internal::GetCapturedStderr();
    EXPECT_THAT(Served(2), ::testing::Each(HasSubstr(absl::StrCat("served ", status))));
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInternal) << s.status();
    EXPECT_EQ(s.status().message(),
              absl::StrCat("GP source rejected the request (HTTP ", status, " ", code, ")"));
    EXPECT_THAT(log, HasSubstr("gpconnect_error"));
    EXPECT_THAT(log, HasSubstr(absl::StrCat("\"spine_code\":\"", code, "\"")));
    EXPECT_THAT(log, HasSubstr("\"diagnostics\":\"patientNHSNumber [redacted] for [redacted] "
                               "(born [redacted], [redacted] [redacted]) is not valid\""));
    for (const char* personal : {"943", "5919", "9434765919", "Jane", "Example", "1950",
                                 "example.org", "Flat"}) {
      EXPECT_THAT(log, Not(HasSubstr(personal))) << personal;
    }
    EXPECT_THAT(std::string(s.status().message()), Not(HasSubstr("Jane")));
  }
}

TEST_F(GpConnectSourceTest, OneRetryRecoversFromATransient503) {
  auto s = Get("9690938142");
  ASSERT_TRUE(s.ok()) << s.status();
  std::vector<std::string> served = Served(3);
  EXPECT_EQ(std::count_if(served.begin(), served.end(),
                          [](const std::string& l) { return absl::StrContains(l, "served 503"); }),
            1);
  EXPECT_EQ(s->medications_size(), 13);
}

TEST_F(GpConnectSourceTest, ResponseOverTheSizeLimitIsRefused) {
  auto config = Config();
  config.set_max_response_bytes(50000);
  auto source = GpConnectSource::Create(config);
  ASSERT_TRUE(source.ok());
  auto s = (*source)->GetGpSummary(Request("9690937286"));
  Served(2);
  ExpectError(s, absl::StatusCode::kInternal, common::kReasonInvalidBundle);
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("max_response_bytes"));
}

TEST_F(GpConnectSourceTest, WrongClientCertificateIsRefused) {
  auto config = Config();
  config.set_client_cert_file(Cert("rogue-client.pem"));
  config.set_client_key_file(Cert("rogue-client.key"));
  auto source = GpConnectSource::Create(config);
  ASSERT_TRUE(source.ok());
  auto s = (*source)->GetGpSummary(Request("9690937286"));
  ExpectError(s, absl::StatusCode::kUnavailable, common::kReasonSourceUnavailable);
  // And a provider whose certificate caregate's CA bundle does not trust.
  config = Config();
  config.set_ca_file(Cert("rogue-ca.pem"));
  auto untrusting = GpConnectSource::Create(config);
  ASSERT_TRUE(untrusting.ok());
  ExpectError((*untrusting)->GetGpSummary(Request("9690937286")), absl::StatusCode::kUnavailable,
              common::kReasonSourceUnavailable);
  // The good configuration still works afterwards.
  EXPECT_TRUE(Get("9690937286").ok());
  Served(2);
}

TEST_F(GpConnectSourceTest, WrongAsidIsRefusedByTheProvider) {
  auto config = Config();
  config.set_to_asid("111111111111");
  auto source = GpConnectSource::Create(config);
  ASSERT_TRUE(source.ok());
  auto s = (*source)->GetGpSummary(Request("9690937286"));
  EXPECT_THAT(Served(2), ::testing::Each(HasSubstr("served 403 rejected")));
  ExpectError(s, absl::StatusCode::kPermissionDenied, common::kReasonSourceRefused);
}

TEST_F(GpConnectSourceTest, CreateChecksTheConfig) {
  auto config = Config();
  config.set_service_root("http://insecure");
  EXPECT_THAT(std::string(GpConnectSource::Create(config).status().message()),
              HasSubstr("service_root: must start with https://"));
  config = Config();
  config.set_client_key_file(dir_->path() + "/missing.key");
  EXPECT_THAT(std::string(GpConnectSource::Create(config).status().message()),
              HasSubstr("client_key_file: cannot be read"));
}

}  // namespace
}  // namespace caregate::adapters::gpconnect
