// Proves that the GP Connect test provider checks what a real provider checks
// (so that adapter tests passing against it mean something), and that
// `caregatectl gp-summary` prints a mapped bundle.

#include <curl/curl.h>

#include <fstream>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "adapters/gpconnect/request.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/process.h"

namespace caregate::testing {
namespace {

using ::caregate::adapters::gpconnect::Base64UrlEncode;
using ::caregate::adapters::gpconnect::BuildJwt;
using ::caregate::adapters::gpconnect::JwtClaims;
using ::caregate::adapters::gpconnect::NewUuid;
using ::testing::HasSubstr;

const std::string kFixtures = std::string(CAREGATE_SHARED_DIR) + "/fixtures/gpconnect/";
constexpr char kInteraction[] =
    "urn:nhs:names:services:gpconnect:fhir:operation:gpc.getstructuredrecord-1";
constexpr char kFhirJson[] = "application/fhir+json;charset=utf-8";

struct Response {
  long status = 0;
  std::string body;
  CURLcode result = CURLE_OK;
};

size_t Collect(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

std::string Params(const std::string& areas) {
  return absl::StrCat(
      R"({"resourceType":"Parameters","parameter":[{"name":"patientNHSNumber","valueIdentifier":{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9690937286"}})",
      areas, "]}");
}

class ProviderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    auto certs = RunCommand({"/bin/bash", MAKE_CERTS_SCRIPT, dir_->path()});
    ASSERT_EQ(certs.exit_code, 0) << certs.output;
    std::ofstream(dir_->path() + "/index.json")
        << R"({"9690937286": ")" << kFixtures << R"(pathology_response1.json"})";
    auto p = ChildProcess::Start(
        {"/usr/bin/python3", PROVIDER_SCRIPT, "--port", "0", "--cert", Path("server.pem"), "--key",
         Path("server.key"), "--ca", Path("ca.pem"), "--index", Path("index.json")},
        Path("provider.stderr"));
    ASSERT_TRUE(p.ok()) << p.status();
    provider_ = p->release();
    auto line = provider_->WaitForLine("listening on", absl::Seconds(20));
    ASSERT_TRUE(line.ok()) << line.status();
    port_ = *PortFromListeningLine(*line);
  }
  static void TearDownTestSuite() {
    if (provider_ != nullptr) (void)provider_->Stop(SIGTERM, absl::Seconds(5));
    delete provider_;
    delete dir_;
  }
  static std::string Path(const std::string& name) { return dir_->path() + "/" + name; }

  static std::string Jwt() {
    JwtClaims c;
    c.issuer = "https://caregate.example/";
    c.audience = "https://127.0.0.1/B82617/STU3/1";
    c.issued_at = absl::Now();
    c.requester = {"u1", "Sam Worker", "C0001", "R8008"};
    return BuildJwt(c);
  }

  static std::map<std::string, std::string> GoodHeaders(const std::string& trace) {
    return {{"Ssp-TraceID", trace},
            {"Ssp-From", "918999198738"},
            {"Ssp-To", "200000000359"},
            {"Ssp-InteractionID", kInteraction},
            {"Authorization", "Bearer " + Jwt()},
            {"Accept", kFhirJson},
            {"Content-Type", kFhirJson}};
  }

  Response Post(const std::map<std::string, std::string>& headers, const std::string& body,
                bool client_cert = true) {
    Response r;
    CURL* e = curl_easy_init();
    curl_slist* list = nullptr;
    for (const auto& [k, v] : headers) list = curl_slist_append(list, (k + ": " + v).c_str());
    list = curl_slist_append(list, "Expect:");
    std::string url = absl::StrCat("https://127.0.0.1:", port_,
                                   "/B82617/STU3/1/Patient/$gpc.getstructuredrecord");
    curl_easy_setopt(e, CURLOPT_URL, url.c_str());
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(e, CURLOPT_CAINFO, Path("ca.pem").c_str());
    if (client_cert) {
      curl_easy_setopt(e, CURLOPT_SSLCERT, Path("client.pem").c_str());
      curl_easy_setopt(e, CURLOPT_SSLKEY, Path("client.key").c_str());
    }
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "gzip");
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Collect);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &r.body);
    r.result = curl_easy_perform(e);
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(list);
    curl_easy_cleanup(e);
    return r;
  }

  static TempDir* dir_;
  static ChildProcess* provider_;
  static int port_;
};

TempDir* ProviderTest::dir_ = nullptr;
ChildProcess* ProviderTest::provider_ = nullptr;
int ProviderTest::port_ = 0;

const std::string kAllergies =
    R"(,{"name":"includeAllergies","part":[{"name":"includeResolvedAllergies","valueBoolean":true}]})";

TEST_F(ProviderTest, ValidRequestGetsTheBundleWithTheTraceIdAsBundleId) {
  std::string trace = NewUuid();
  Response r = Post(GoodHeaders(trace), Params(kAllergies));
  ASSERT_EQ(r.result, CURLE_OK);
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr(absl::StrCat("\"id\": \"", trace, "\"")));
}

TEST_F(ProviderTest, HeadersAreChecked) {
  struct Case {
    std::string header, value;
  };
  for (const Case& c : std::vector<Case>{
           {"Ssp-InteractionID", "urn:nhs:names:services:gpconnect:fhir:rest:read:metadata-1"},
           {"Ssp-TraceID", "not-a-uuid"},
           {"Accept", "application/fhir+json; charset=utf-8"},
           {"Ssp-From", ""}}) {
    SCOPED_TRACE(c.header);
    auto headers = GoodHeaders(NewUuid());
    headers[c.header] = c.value;
    if (c.value.empty()) headers.erase(c.header);
    Response r = Post(headers, Params(kAllergies));
    EXPECT_EQ(r.status, 400);
    EXPECT_THAT(r.body, HasSubstr("BAD_REQUEST"));
  }
}

TEST_F(ProviderTest, JwtIsChecked) {
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  auto token = [&](const std::string& payload) {
    return "Bearer " + Base64UrlEncode(R"({"alg":"none","typ":"JWT"})") + "." +
           Base64UrlEncode(payload) + ".";
  };
  const std::string claims = absl::StrCat(
      R"({"iss":"i","sub":"u1","aud":"a","exp":EXP,"iat":)", now,
      R"(,"reason_for_request":"directcare","requested_scope":"patient/*.read",)"
      R"("requesting_device":{"resourceType":"Device","model":"m"},)"
      R"("requesting_organization":{"resourceType":"RTYPE","identifier":[{"system":"https://fhir.nhs.uk/Id/ods-organization-code","value":"C1"}]},)"
      R"("requesting_practitioner":{"resourceType":"Practitioner","id":"u1"}})");
  auto with = [&](int64_t exp, const std::string& org_type) {
    return absl::StrReplaceAll(claims, {{"EXP", absl::StrCat(exp)}, {"RTYPE", org_type}});
  };
  auto headers = GoodHeaders(NewUuid());
  headers["Authorization"] = token(with(now + 300, "Organization"));
  EXPECT_EQ(Post(headers, Params(kAllergies)).status, 200);
  for (int64_t exp : {now + 299, now + 301}) {
    headers["Authorization"] = token(with(exp, "Organization"));
    EXPECT_EQ(Post(headers, Params(kAllergies)).status, 400);
  }
  headers["Authorization"] = token(with(now + 300, "Patient"));
  Response wrong_type = Post(headers, Params(kAllergies));
  EXPECT_EQ(wrong_type.status, 422);
  EXPECT_THAT(wrong_type.body, HasSubstr("INVALID_RESOURCE"));
  // A signed-looking token (no trailing ".") is refused.
  headers["Authorization"] = token(with(now + 300, "Organization")) + "c2ln";
  EXPECT_EQ(Post(headers, Params(kAllergies)).status, 400);
}

TEST_F(ProviderTest, ParameterRulesAreChecked) {
  auto headers = GoodHeaders(NewUuid());
  Response forbidden = Post(
      headers,
      Params(
          R"(,{"name":"includeProblems"},{"name":"includeMedication","part":[{"name":"medicationSearchFromDate","valueDate":"2020-01-01"}]})"));
  EXPECT_EQ(forbidden.status, 422);
  EXPECT_THAT(forbidden.body, HasSubstr("INVALID_PARAMETER"));
  Response no_resolved = Post(headers, Params(R"(,{"name":"includeAllergies"})"));
  EXPECT_EQ(no_resolved.status, 422);
  Response bad_nhs =
      Post(headers, absl::StrReplaceAll(Params(kAllergies), {{"9690937286", "9690937287"}}));
  EXPECT_EQ(bad_nhs.status, 400);
  EXPECT_THAT(bad_nhs.body, HasSubstr("INVALID_NHS_NUMBER"));
  Response both = Post(
      headers,
      Params(
          R"(,{"name":"includeConsultations","part":[{"name":"includeNumberOfMostRecent","valuePositiveInt":3},{"name":"consultationSearchPeriod","valuePeriod":{"start":"2020-01-01"}}]})"));
  EXPECT_EQ(both.status, 422);
  EXPECT_THAT(both.body, HasSubstr("INVALID_RESOURCE"));
}

TEST_F(ProviderTest, ClientWithoutCertificateIsRefused) {
  Response r = Post(GoodHeaders(NewUuid()), Params(kAllergies), /*client_cert=*/false);
  EXPECT_NE(r.result, CURLE_OK);
  EXPECT_EQ(r.status, 0);
}

TEST(GpSummaryCliTest, PrintsTheMappedSummaryAsTextAndJson) {
  auto text = RunCommand({CAREGATECTL_BINARY, "gp-summary", "--bundle",
                          kFixtures + "9465701297_Livermore_full_20210602.json"});
  EXPECT_EQ(text.exit_code, 0) << text.output;
  EXPECT_THAT(text.output, HasSubstr("blood_pressure_readings {"));
  EXPECT_THAT(text.output, HasSubstr("SECTION_STATE_RECORD_IN_TRANSIT"));
  auto json = RunCommand({CAREGATECTL_BINARY, "gp-summary", "--bundle",
                          kFixtures + "pathology_response1.json", "--json"});
  EXPECT_EQ(json.exit_code, 0) << json.output;
  EXPECT_THAT(json.output, HasSubstr("\"investigations\": ["));
  EXPECT_THAT(json.output, HasSubstr("\"reference_range\": \"3.5 - 11\""));
}

TEST(GpSummaryCliTest, BrokenBundleIsAClearErrorAndUsageIsChecked) {
  TempDir dir;
  std::ofstream(dir.path() + "/broken.json") << R"({"resourceType":"Bundle","entry":[)";
  auto broken =
      RunCommand({CAREGATECTL_BINARY, "gp-summary", "--bundle", dir.path() + "/broken.json"});
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_THAT(broken.output, HasSubstr("not valid JSON"));
  EXPECT_THAT(broken.output, HasSubstr("[INVALID_BUNDLE]"));
  auto usage = RunCommand({CAREGATECTL_BINARY, "gp-summary"});
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_THAT(usage.output, HasSubstr("--bundle is required"));
}

}  // namespace
}  // namespace caregate::testing
