#include "adapters/gpconnect/gpconnect_source.h"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "adapters/gpconnect/request.h"
#include "adapters/gpconnect/structured_record.h"
#include "common/log.h"
#include "common/status.h"
#include "google/protobuf/arena.h"
#include "google/protobuf/util/time_util.h"
#include "simdjson.h"

namespace caregate::adapters::gpconnect {
namespace {

namespace cfg = ::caregate::config::v1;
namespace v1 = ::caregate::v1;

constexpr char kInteractionId[] =
    "urn:nhs:names:services:gpconnect:fhir:operation:gpc.getstructuredrecord-1";
constexpr char kFhirJson[] = "application/fhir+json;charset=utf-8";

absl::Status ConfigError(absl::string_view message) {
  return common::InvalidArgumentWithReason(common::kReasonInvalidConfig, message);
}
absl::Status Unavailable(absl::string_view message) {
  return common::WithReason(absl::UnavailableError(message), common::kReasonSourceUnavailable);
}
absl::Status InvalidBundle(absl::string_view message) {
  return common::WithReason(absl::InternalError(message), common::kReasonInvalidBundle);
}

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// A provider's free text (OperationOutcome diagnostics) as the log may hold
// it. Whatever could identify a person becomes "[redacted]":
//   - a word with an '@' (an email address);
//   - quoted text, '...' or "..." (to the end when not closed): providers
//     quote the values they echo. A ' after a letter is an apostrophe;
//   - a group of 6 or more digits, counting digits joined by single
//     separators (space - / . :): NHS numbers however spaced, dates of
//     birth, times, telephone numbers.
// The result is cut to 500 bytes at a character boundary. A name written
// without quotes cannot be told from other words (docs/gp-summary.md).
std::string Redact(absl::string_view text) {
  constexpr char kRedacted[] = "[redacted]";
  const auto digit = [&](size_t k) {
    return k < text.size() && std::isdigit(static_cast<unsigned char>(text[k]));
  };
  const auto space = [&](size_t k) {
    return std::isspace(static_cast<unsigned char>(text[k])) != 0;
  };
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (!space(i) && (i == 0 || space(i - 1))) {  // a word starts
      size_t end = i;
      while (end < text.size() && !space(end)) ++end;
      if (text.substr(i, end - i).find('@') != absl::string_view::npos) {
        out += kRedacted;
        i = end;
        continue;
      }
    }
    const bool apostrophe =
        c == '\'' && i > 0 && std::isalpha(static_cast<unsigned char>(text[i - 1]));
    if (c == '"' || (c == '\'' && !apostrophe)) {
      const size_t close = text.find(c, i + 1);
      out += kRedacted;
      i = close == absl::string_view::npos ? text.size() : close + 1;
      continue;
    }
    if (digit(i)) {
      size_t end = i, digits = 0;
      while (true) {
        while (digit(end)) ++end, ++digits;
        if (end + 1 < text.size() && absl::string_view(" -/.:").find(text[end]) !=
                                         absl::string_view::npos && digit(end + 1)) {
          ++end;
          continue;
        }
        break;
      }
      if (digits >= 6) {
        out += kRedacted;
      } else {
        out.append(text.data() + i, end - i);
      }
      i = end;
      continue;
    }
    out.push_back(c);
    ++i;
  }
  size_t n = std::min<size_t>(out.size(), 500);
  while (n < out.size() && n > 0 && (static_cast<unsigned char>(out[n]) & 0xC0) == 0x80) --n;
  out.resize(n);
  return out;
}

// A Spine error code as the spec writes them (upper case, digits, '_', and
// the space of "ACCESS DENIED"), or "" for anything else: the code goes into
// the log and into the caller's error.
std::string SpineCode(std::string_view code) {
  if (code.empty() || code.size() > 64) return "";
  for (char c : code) {
    if (!(std::isupper(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '_' || c == ' '))
      return "";
  }
  return std::string(code);
}

// The Spine code and diagnostics of an OperationOutcome body.
struct Outcome {
  std::string code;
  std::string diagnostics;
};

Outcome ReadOutcome(const std::string& body) {
  Outcome out;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body).get(root) != simdjson::SUCCESS) return out;
  simdjson::dom::array issues;
  if (root["issue"].get_array().get(issues) != simdjson::SUCCESS) return out;
  for (simdjson::dom::element issue : issues) {
    std::string_view s;
    simdjson::dom::array codings;
    if (issue["details"]["coding"].get_array().get(codings) == simdjson::SUCCESS) {
      for (simdjson::dom::element c : codings) {
        if (c["code"].get_string().get(s) == simdjson::SUCCESS) {
          out.code = SpineCode(s);
          break;
        }
      }
    }
    if (issue["diagnostics"].get_string().get(s) == simdjson::SUCCESS)
      out.diagnostics = std::string(s);
    break;
  }
  return out;
}

// One $gpc.getstructuredrecord call: its easy handle, headers and result.
struct Call {
  int index = 0;  // 0: main call, 1: problems and consultations
  std::string body;
  std::string trace_id;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  std::string response;
  size_t max_bytes = 0;
  bool too_large = false;
  bool retried = false;
  bool done = false;
  CURLcode result = CURLE_OK;
  long http_status = 0;

  ~Call() {
    if (easy != nullptr) curl_easy_cleanup(easy);
    if (headers != nullptr) curl_slist_free_all(headers);
  }
};

size_t WriteBody(char* data, size_t size, size_t n, void* user) {
  Call* call = static_cast<Call*>(user);
  size_t bytes = size * n;
  if (call->response.size() + bytes > call->max_bytes) {
    call->too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  call->response.append(data, bytes);
  return bytes;
}

bool Retryable(long status) {
  return status == 502 || status == 503 || status == 504 || status == 599;
}

}  // namespace

absl::StatusOr<std::unique_ptr<GpConnectSource>> GpConnectSource::Create(
    const cfg::GpConnectConfig& config_in, const common::Clock* clock) {
  cfg::GpConnectConfig config = config_in;
  const std::string p = "gpconnect";
  if (config.service_root().rfind("https://", 0) != 0)
    return ConfigError(p + ".service_root: must start with https://");
  if (!config.service_root().empty() && config.service_root().back() == '/')
    return ConfigError(p + ".service_root: must not end with /");
  if (config.from_asid().empty()) return ConfigError(p + ".from_asid: is required");
  if (config.to_asid().empty()) return ConfigError(p + ".to_asid: is required");
  for (auto [name, path] :
       {std::pair<const char*, const std::string*>{"client_cert_file", &config.client_cert_file()},
        {"client_key_file", &config.client_key_file()},
        {"ca_file", &config.ca_file()}}) {
    if (path->empty()) return ConfigError(absl::StrCat(p, ".", name, ": is required"));
    if (access(path->c_str(), R_OK) != 0)
      return ConfigError(absl::StrCat(p, ".", name, ": cannot be read"));
  }
  if (config.timeout().seconds() == 0 && config.timeout().nanos() == 0)
    config.mutable_timeout()->set_seconds(10);
  if (config.timeout().seconds() < 0 || config.timeout().nanos() < 0)
    return ConfigError(p + ".timeout: must be > 0");
  if (config.max_response_bytes() == 0) config.set_max_response_bytes(16u << 20);
  if (config.jwt_issuer().empty()) config.set_jwt_issuer("https://caregate.nhs.uk/");
  if (config.history_days() == 0) config.set_history_days(365);
  if (config.recent_consultations() == 0) config.set_recent_consultations(3);
  GlobalInit();
  return std::unique_ptr<GpConnectSource>(new GpConnectSource(std::move(config), clock));
}

absl::Status GpConnectSource::GetGpSummaryInto(const SourceRequest& request, v1::GpSummary* out) {
  out->Clear();
  // Every early return below leaves *out empty: the main call's summary is
  // parsed into *out only after both calls have answered, and cleared again if
  // anything after it fails.
  absl::Status status = Fetch(request, out);
  if (!status.ok()) out->Clear();
  return status;
}

absl::Status GpConnectSource::Fetch(const SourceRequest& request, v1::GpSummary* out) {
  const absl::Time start = clock_->Now();
  const absl::Time deadline = std::min(
      request.deadline,
      start + absl::Milliseconds(
                  google::protobuf::util::TimeUtil::DurationToMilliseconds(config_.timeout())));
  if (deadline <= start) return absl::DeadlineExceededError("GP source: deadline passed");
  // The search dates are dates in England, as the practice's record is.
  const absl::CivilDay today = common::EnglandDay(start);
  auto [first, second] = SummaryQueries(request.nhs_number, today, config_.history_days(),
                                        config_.recent_consultations());
  for (const StructuredRecordQuery* q : {&first, &second}) {
    if (absl::Status s = ValidateQuery(*q, today); !s.ok()) {
      return absl::InternalError(absl::StrCat("GP source: request rule broken: ", s.message()));
    }
  }
  const std::string url = absl::StrCat(config_.service_root(), "/Patient/$gpc.getstructuredrecord");

  std::array<Call, 2> calls;
  calls[0].body = ParametersJson(first);
  calls[1].body = ParametersJson(second);
  calls[1].index = 1;

  // (Re)configures a call's handle for one attempt: a fresh trace id and JWT.
  auto prepare = [&](Call& call) -> bool {
    if (call.easy != nullptr) curl_easy_cleanup(call.easy);
    if (call.headers != nullptr) curl_slist_free_all(call.headers);
    call.headers = nullptr;
    call.easy = curl_easy_init();
    if (call.easy == nullptr) return false;
    call.response.clear();
    call.too_large = false;
    call.done = false;
    call.http_status = 0;
    call.max_bytes = config_.max_response_bytes();
    call.trace_id = NewUuid();
    JwtClaims claims;
    claims.issuer = config_.jwt_issuer();
    claims.audience = config_.service_root();
    claims.issued_at = clock_->Now();
    claims.requester = request.requester;
    claims.organisation_ods = config_.requesting_organisation_ods();
    claims.device_id = config_.requesting_device_id();
    for (const std::string& h :
         {absl::StrCat("Ssp-TraceID: ", call.trace_id),
          absl::StrCat("Ssp-From: ", config_.from_asid()),
          absl::StrCat("Ssp-To: ", config_.to_asid()),
          absl::StrCat("Ssp-InteractionID: ", kInteractionId),
          absl::StrCat("Authorization: Bearer ", BuildJwt(claims)),
          absl::StrCat("Accept: ", kFhirJson), absl::StrCat("Content-Type: ", kFhirJson),
          std::string("Expect:")}) {
      call.headers = curl_slist_append(call.headers, h.c_str());
    }
    const long timeout_ms =
        std::max<long>(1, static_cast<long>(absl::ToInt64Milliseconds(deadline - clock_->Now())));
    CURL* e = call.easy;
    curl_easy_setopt(e, CURLOPT_URL, url.c_str());
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, call.body.c_str());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, static_cast<long>(call.body.size()));
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, call.headers);
    curl_easy_setopt(e, CURLOPT_SSLCERT, config_.client_cert_file().c_str());
    curl_easy_setopt(e, CURLOPT_SSLKEY, config_.client_key_file().c_str());
    curl_easy_setopt(e, CURLOPT_CAINFO, config_.ca_file().c_str());
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(e, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "gzip");
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
                     static_cast<curl_off_t>(config_.max_response_bytes()));
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &WriteBody);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &call);
    curl_easy_setopt(e, CURLOPT_PRIVATE, &call);
    return true;
  };

  std::unique_ptr<CURLM, decltype(&curl_multi_cleanup)> multi(curl_multi_init(),
                                                              &curl_multi_cleanup);
  if (!multi) return Unavailable("GP source: cannot start an HTTP client");
  for (Call& call : calls) {
    if (!prepare(call)) return Unavailable("GP source: cannot start an HTTP client");
    curl_multi_add_handle(multi.get(), call.easy);
  }
  int running = 2;
  while (true) {
    curl_multi_perform(multi.get(), &running);
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi.get(), &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      Call* call = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&call));
      call->result = msg->data.result;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &call->http_status);
      curl_multi_remove_handle(multi.get(), msg->easy_handle);
      call->done = true;
      if (call->result == CURLE_OK && Retryable(call->http_status) && !call->retried &&
          clock_->Now() + absl::Milliseconds(50) < deadline) {
        common::LogInfo("gpconnect_retry", {{"request_id", request.request_id},
                                            {"http_status", absl::StrCat(call->http_status)}});
        call->retried = true;
        if (prepare(*call)) {
          curl_multi_add_handle(multi.get(), call->easy);
          running++;
        }
      }
    }
    if (calls[0].done && calls[1].done) break;
    curl_multi_poll(multi.get(), nullptr, 0, 100, nullptr);
  }

  // Each call's outcome, in call order; the first failure decides. The main
  // call maps straight into *out; the problems call into a second message on
  // the same arena (if any), whose problems, diagnoses and encounters are then
  // moved into *out.
  v1::GpSummary heap_problems;
  google::protobuf::Arena* arena = out->GetArena();
  v1::GpSummary* problems = arena != nullptr
                                ? google::protobuf::Arena::CreateMessage<v1::GpSummary>(arena)
                                : &heap_problems;
  std::array<v1::GpSummary*, 2> summaries = {out, problems};
  for (Call& call : calls) {
    const std::string which = call.index == 0 ? "main call" : "problems call";
    if (call.too_large) {
      return InvalidBundle(absl::StrCat("GP source: response exceeds max_response_bytes (",
                                        config_.max_response_bytes(), ")"));
    }
    if (call.result == CURLE_OPERATION_TIMEDOUT) {
      return absl::DeadlineExceededError("GP source: no answer before the deadline");
    }
    if (call.result == CURLE_FILESIZE_EXCEEDED) {
      return InvalidBundle(absl::StrCat("GP source: response exceeds max_response_bytes (",
                                        config_.max_response_bytes(), ")"));
    }
    if (call.result != CURLE_OK) {
      common::LogWarning(
          "gpconnect_transport_error",
          {{"request_id", request.request_id}, {"curl_error", curl_easy_strerror(call.result)}});
      return Unavailable(absl::StrCat("GP source: cannot reach the provider (",
                                      curl_easy_strerror(call.result), ")"));
    }
    const long status = call.http_status;
    if (status != 200) {
      Outcome outcome = ReadOutcome(call.response);
      common::LogWarning("gpconnect_error", {{"request_id", request.request_id},
                                             {"call", which},
                                             {"http_status", absl::StrCat(status)},
                                             {"spine_code", outcome.code},
                                             {"diagnostics", Redact(outcome.diagnostics)}});
      if (status == 403) {
        return common::PermissionDeniedWithReason(
            common::kReasonSourceRefused,
            outcome.code == "NO_PATIENT_CONSENT"
                ? "GP source refused: the patient has dissented from sharing at the practice"
                : absl::StrCat("GP source refused the request (",
                               outcome.code.empty() ? std::string("403") : outcome.code, ")"));
      }
      if (status == 404) {
        return common::WithReason(absl::NotFoundError("GP source: person not found"),
                                  common::kReasonPatientNotFound);
      }
      if (status >= 500) {
        return Unavailable(absl::StrCat("GP source answered HTTP ", status));
      }
      return absl::InternalError(absl::StrCat("GP source rejected the request (HTTP ", status,
                                              outcome.code.empty() ? "" : " ", outcome.code, ")"));
    }
    ParseOptions options;
    options.max_bytes = config_.max_response_bytes();
    options.now = clock_->Now();
    ParseReport report;
    // Padding after the body lets the parser read it in place (no copy).
    const size_t body_size = call.response.size();
    call.response.append(kInputPadding, '\0');
    options.readable_padding = kInputPadding;
    absl::Status parsed = ParseStructuredRecordInto(
        absl::string_view(call.response.data(), body_size), options, summaries[call.index],
        &report);
    if (!parsed.ok()) {
      common::LogWarning("gpconnect_invalid_bundle", {{"request_id", request.request_id},
                                                      {"call", which},
                                                      {"error", parsed.message()}});
      return InvalidBundle(absl::StrCat("GP source: ", parsed.message()));
    }
    if (report.bundle_id != call.trace_id) {
      return InvalidBundle("GP source: Bundle.id does not match the request's Ssp-TraceID");
    }
  }
  MergeProblemsCallInto(problems, out);
  return absl::OkStatus();
}

}  // namespace caregate::adapters::gpconnect
