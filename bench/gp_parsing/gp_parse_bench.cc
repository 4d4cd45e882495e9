// GP bundle parsing: parse-and-map throughput (ParseStructuredRecord) beside
// the raw simdjson DOM parse of the same bytes, per public fixture, in the same
// run. The ratio map/raw is the figure recorded in bench/RESULTS.md
// ("## GP bundle parsing"); target >= 0.5. The "paired" benchmarks time both
// in the same loop, iteration by iteration (see Paired).
//
//   build/bench/gp_parsing/gp_parse_bench [--benchmark_repetitions=N]

#include <dirent.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "adapters/gpconnect/structured_record.h"
#include "benchmark/benchmark.h"
#include "simdjson.h"

namespace {

const std::string kFixtures = std::string(CAREGATE_SHARED_DIR) + "/fixtures/gpconnect/";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void RawParse(benchmark::State& state, const std::string* json) {
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::dom::element root;
    auto err = parser.parse(json->data(), json->size(), true).get(root);
    benchmark::DoNotOptimize(err);
    benchmark::DoNotOptimize(root);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(json->size()));
}

void ParseAndMap(benchmark::State& state, const std::string* json) {
  caregate::adapters::gpconnect::ParseOptions options;
  options.now = absl::FromUnixSeconds(1700000000);
  for (auto _ : state) {
    auto summary = caregate::adapters::gpconnect::ParseStructuredRecord(*json, options);
    if (!summary.ok()) {
      state.SkipWithError("fixture did not map");
      break;
    }
    benchmark::DoNotOptimize(summary);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(json->size()));
}

// The same mapping into one reused message (ParseStructuredRecordInto):
// protobuf's Clear() keeps sub-messages and string buffers, so this shows what
// the mapping costs without the per-string heap allocations of a fresh
// message.
void ParseAndMapReused(benchmark::State& state, const std::string* json) {
  caregate::adapters::gpconnect::ParseOptions options;
  options.now = absl::FromUnixSeconds(1700000000);
  caregate::v1::GpSummary summary;
  for (auto _ : state) {
    absl::Status s =
        caregate::adapters::gpconnect::ParseStructuredRecordInto(*json, options, &summary);
    if (!s.ok()) {
      state.SkipWithError("fixture did not map");
      break;
    }
    benchmark::DoNotOptimize(summary);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(json->size()));
}

// Both in one loop: each iteration times one raw parse and then one
// parse-and-map (fresh message, destroyed inside the timed span, as in
// ParseAndMap) of the same bytes, microseconds apart, and the counters report
// the medians of the per-iteration times. The ratio of the two medians is far
// less sensitive to other load on a shared machine than the ratio of two
// benchmarks run seconds apart, which is what the lines above give.
void Paired(benchmark::State& state, const std::string* json) {
  using Clock = std::chrono::steady_clock;
  simdjson::dom::parser parser;
  caregate::adapters::gpconnect::ParseOptions options;
  options.now = absl::FromUnixSeconds(1700000000);
  std::vector<double> raw_ns, map_ns;
  for (auto _ : state) {
    Clock::time_point t0 = Clock::now();
    {
      simdjson::dom::element root;
      auto err = parser.parse(json->data(), json->size(), true).get(root);
      benchmark::DoNotOptimize(err);
      benchmark::DoNotOptimize(root);
    }
    Clock::time_point t1 = Clock::now();
    {
      auto summary = caregate::adapters::gpconnect::ParseStructuredRecord(*json, options);
      if (!summary.ok()) {
        state.SkipWithError("fixture did not map");
        break;
      }
      benchmark::DoNotOptimize(summary);
    }
    Clock::time_point t2 = Clock::now();
    raw_ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count());
    map_ns.push_back(std::chrono::duration<double, std::nano>(t2 - t1).count());
  }
  if (raw_ns.empty()) return;
  auto median = [](std::vector<double>& v) {
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    return v[v.size() / 2];
  };
  const double raw = median(raw_ns), map = median(map_ns);
  const double bytes = static_cast<double>(json->size());
  state.counters["raw_MBps"] = bytes / raw * 1e3;
  state.counters["map_MBps"] = bytes / map * 1e3;
  state.counters["ratio"] = raw / map;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> names;
  if (DIR* dir = opendir(kFixtures.c_str())) {
    while (dirent* e = readdir(dir)) {
      std::string n = e->d_name;
      if (n.size() > 5 && n.substr(n.size() - 5) == ".json") names.push_back(n);
    }
    closedir(dir);
  }
  std::sort(names.begin(), names.end());
  // Kept alive for the whole run.
  static std::vector<std::string> bodies;
  bodies.reserve(names.size());
  for (const std::string& n : names) bodies.push_back(ReadFile(kFixtures + n));
  for (size_t i = 0; i < names.size(); ++i) {
    benchmark::RegisterBenchmark(("raw_simdjson/" + names[i]).c_str(), RawParse, &bodies[i]);
    benchmark::RegisterBenchmark(("parse_and_map/" + names[i]).c_str(), ParseAndMap, &bodies[i]);
    benchmark::RegisterBenchmark(("parse_and_map_reused/" + names[i]).c_str(), ParseAndMapReused,
                                 &bodies[i]);
    benchmark::RegisterBenchmark(("paired/" + names[i]).c_str(), Paired, &bodies[i]);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
