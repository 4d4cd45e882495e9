// GP bundle parsing: parse-and-map throughput beside the raw simdjson DOM parse
// of the same bytes, per public fixture, in the same run. The ratio map/raw is
// the figure recorded in bench/RESULTS.md ("## GP bundle parsing"); target
// >= 0.5. The production path is the arena lines ("parse_and_map_arena",
// "paired": a fresh GpSummary on a fresh google::protobuf::Arena with
// adapters::GpSummaryArenaOptions(), arena destroyed), as the gateway's GP
// views build the summary on the call's arena through GetGpSummaryInto. The
// heap lines ("parse_and_map_heap", "paired_heap": GetGpSummary's fresh heap
// message) and the reused message are for comparison. The "paired"
// benchmarks time the raw parse and the mapping in the same loop, iteration by
// iteration (see Paired).
//
//   build/bench/gp_parsing/gp_parse_bench [--benchmark_repetitions=N]

#include <dirent.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "adapters/gp_record_source.h"
#include "adapters/gpconnect/structured_record.h"
#include "benchmark/benchmark.h"
#include "google/protobuf/arena.h"
#include "simdjson.h"

namespace {

const std::string kFixtures = std::string(CAREGATE_SHARED_DIR) + "/fixtures/gpconnect/";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A fixture's bytes, and the same bytes followed by kInputPadding zero bytes
// as the GP sources read a bundle (so the parser reads it in place).
struct Fixture {
  std::string json;
  std::string padded;
};

// The mapping's input and options as the sources give them.
absl::string_view Input(const Fixture& f) {
  return absl::string_view(f.padded.data(), f.json.size());
}
caregate::adapters::gpconnect::ParseOptions Options() {
  caregate::adapters::gpconnect::ParseOptions options;
  options.now = absl::FromUnixSeconds(1700000000);
  options.readable_padding = caregate::adapters::gpconnect::kInputPadding;
  return options;
}

// The ceiling: simdjson's DOM parse of the same padded bytes the mapping
// reads, in place (no copy into simdjson's own buffer, as the mapping does
// not copy either), reused parser.
simdjson::error_code RawDomParse(simdjson::dom::parser& parser, const Fixture& f,
                                 simdjson::dom::element* root) {
  return parser.parse(f.padded.data(), f.json.size(), false).get(*root);
}

void RawParse(benchmark::State& state, const Fixture* f) {
  const std::string* json = &f->json;
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::dom::element root;
    auto err = RawDomParse(parser, *f, &root);
    benchmark::DoNotOptimize(err);
    benchmark::DoNotOptimize(root);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(json->size()));
}

// Not the production path: a fresh heap message (ParseStructuredRecord), each
// of its strings and sub-messages a heap allocation, destroyed each iteration.
void ParseAndMapHeap(benchmark::State& state, const Fixture* f) {
  const std::string* json = &f->json;
  const caregate::adapters::gpconnect::ParseOptions options = Options();
  for (auto _ : state) {
    auto summary = caregate::adapters::gpconnect::ParseStructuredRecord(Input(*f), options);
    if (!summary.ok()) {
      state.SkipWithError("fixture did not map");
      break;
    }
    benchmark::DoNotOptimize(summary);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(json->size()));
}

// One production mapping: a fresh arena (GpSummaryArenaOptions) and a fresh
// GpSummary on it, filled by ParseStructuredRecordInto (as the sources'
// GetGpSummaryInto do), then the arena is destroyed. False if it failed.
bool MapOnArena(absl::string_view json,
                const caregate::adapters::gpconnect::ParseOptions& options) {
  google::protobuf::Arena arena(caregate::adapters::GpSummaryArenaOptions());
  auto* summary = google::protobuf::Arena::CreateMessage<caregate::v1::GpSummary>(&arena);
  absl::Status s = caregate::adapters::gpconnect::ParseStructuredRecordInto(json, options, summary);
  benchmark::DoNotOptimize(summary);
  return s.ok();
}

// The production path (see MapOnArena).
void ParseAndMapArena(benchmark::State& state, const Fixture* f) {
  const std::string* json = &f->json;
  const caregate::adapters::gpconnect::ParseOptions options = Options();
  for (auto _ : state) {
    if (!MapOnArena(Input(*f), options)) {
      state.SkipWithError("fixture did not map");
      break;
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(json->size()));
}

// Not the production path: the same mapping into one reused message (ParseStructuredRecordInto):
// protobuf's Clear() keeps sub-messages and string buffers, so this shows what
// the mapping costs without the per-string heap allocations of a fresh
// message.
void ParseAndMapReused(benchmark::State& state, const Fixture* f) {
  const std::string* json = &f->json;
  const caregate::adapters::gpconnect::ParseOptions options = Options();
  caregate::v1::GpSummary summary;
  for (auto _ : state) {
    absl::Status s =
        caregate::adapters::gpconnect::ParseStructuredRecordInto(Input(*f), options, &summary);
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
// parse-and-map of the same bytes (production: MapOnArena, arena destroyed
// inside the timed span; or, with `heap`, a fresh heap message destroyed
// inside the timed span, as in ParseAndMapHeap), microseconds apart, and the
// counters report the medians of the per-iteration times. The ratio of the two
// medians is far less sensitive to other load on a shared machine than the
// ratio of two benchmarks run seconds apart, which is what the lines above
// give.
void PairedRun(benchmark::State& state, const Fixture* f, bool heap) {
  using Clock = std::chrono::steady_clock;
  const std::string* json = &f->json;
  simdjson::dom::parser parser;
  const caregate::adapters::gpconnect::ParseOptions options = Options();
  std::vector<double> raw_ns, map_ns;
  for (auto _ : state) {
    Clock::time_point t0 = Clock::now();
    {
      simdjson::dom::element root;
      auto err = RawDomParse(parser, *f, &root);
      benchmark::DoNotOptimize(err);
      benchmark::DoNotOptimize(root);
    }
    Clock::time_point t1 = Clock::now();
    if (heap) {
      auto summary = caregate::adapters::gpconnect::ParseStructuredRecord(Input(*f), options);
      if (!summary.ok()) {
        state.SkipWithError("fixture did not map");
        break;
      }
      benchmark::DoNotOptimize(summary);
    } else if (!MapOnArena(Input(*f), options)) {
      state.SkipWithError("fixture did not map");
      break;
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

void Paired(benchmark::State& state, const Fixture* f) { PairedRun(state, f, false); }
void PairedHeap(benchmark::State& state, const Fixture* f) { PairedRun(state, f, true); }

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
  static std::vector<Fixture> bodies;
  bodies.reserve(names.size());
  for (const std::string& n : names) {
    Fixture f;
    f.json = ReadFile(kFixtures + n);
    f.padded = f.json + std::string(caregate::adapters::gpconnect::kInputPadding, '\0');
    bodies.push_back(std::move(f));
  }
  for (size_t i = 0; i < names.size(); ++i) {
    benchmark::RegisterBenchmark(("raw_simdjson/" + names[i]).c_str(), RawParse, &bodies[i]);
    benchmark::RegisterBenchmark(("parse_and_map_arena/" + names[i]).c_str(), ParseAndMapArena,
                                 &bodies[i]);
    benchmark::RegisterBenchmark(("parse_and_map_heap/" + names[i]).c_str(), ParseAndMapHeap,
                                 &bodies[i]);
    benchmark::RegisterBenchmark(("parse_and_map_reused/" + names[i]).c_str(), ParseAndMapReused,
                                 &bodies[i]);
    benchmark::RegisterBenchmark(("paired/" + names[i]).c_str(), Paired, &bodies[i]);
    benchmark::RegisterBenchmark(("paired_heap/" + names[i]).c_str(), PairedHeap, &bodies[i]);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
