// The native half of bench/engine/run.mjs: compiles the lists, loads the image, and
// times every request of a corpus with the native engine, printing one JSON object.
//   consentry_engine_bench --requests FILE.tsv --list FILE... [--passes N] [--image OUT]
//                          [--decisions OUT]
// FILE.tsv has one request per line: type, URL and page separated by tabs.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "consentry/blocker.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "consentry_engine_bench: cannot read " << path << "\n";
    std::exit(2);
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

double ms_since(clock_type::time_point start) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
}

struct request {
  consentry::request_type type;
  std::string url, page;
};

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<std::size_t>(p * static_cast<double>(values.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  std::string requests_path, image_path, decisions_path;
  std::vector<std::string> list_paths;
  int passes = 3;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "consentry_engine_bench: " << arg << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--requests") requests_path = next();
    else if (arg == "--list") list_paths.push_back(next());
    else if (arg == "--passes") passes = std::max(1, std::stoi(next()));
    else if (arg == "--image") image_path = next();
    else if (arg == "--decisions") decisions_path = next();
    else {
      std::cerr << "usage: consentry_engine_bench --requests FILE.tsv --list FILE... [--passes N] [--image OUT] "
                   "[--decisions OUT]\n";
      return 2;
    }
  }
  if (requests_path.empty() || list_paths.empty()) {
    std::cerr << "consentry_engine_bench: --requests and --list are required\n";
    return 2;
  }

  std::vector<std::string> texts;
  for (const auto& path : list_paths) texts.push_back(read_file(path));
  std::vector<consentry::rule_list> lists;
  for (std::size_t i = 0; i < texts.size(); ++i) lists.push_back({list_paths[i], texts[i]});

  auto start = clock_type::now();
  auto compiled = consentry::compile_rules(nullptr, lists);
  const double compile_ms = ms_since(start);
  if (!compiled) {
    std::cerr << "consentry_engine_bench: compiling failed\n";
    return 1;
  }
  const auto& image = compiled->image;
  if (!image_path.empty()) {
    std::ofstream out(image_path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(image.data()), static_cast<std::streamsize>(image.size()));
  }

  // Loading: the image read from disk into memory, then checked and used in place.
  const auto on_disk = image_path.empty() ? std::string(image.begin(), image.end()) : read_file(image_path);
  std::vector<double> loads;
  consentry::blocker engine;
  for (int k = 0; k < 21; ++k) {
    start = clock_type::now();
    std::vector<std::uint8_t> copy(on_disk.begin(), on_disk.end());
    auto loaded = consentry::blocker::load(copy);
    loads.push_back(ms_since(start));
    if (!loaded) {
      std::cerr << "consentry_engine_bench: " << loaded.error().message << "\n";
      return 1;
    }
  }
  auto loaded = consentry::blocker::load(image);
  engine = *loaded;

  std::vector<request> requests;
  {
    std::istringstream in(read_file(requests_path));
    std::string line;
    while (std::getline(in, line)) {
      const auto a = line.find('\t'), b = line.find('\t', a + 1);
      if (a == std::string::npos || b == std::string::npos) continue;
      const auto type = consentry::request_type_from_name(line.substr(0, a));
      requests.push_back({type.value_or(consentry::request_type::other), line.substr(a + 1, b - a - 1),
                          line.substr(b + 1)});
    }
  }

  // Each request timed alone, in `passes` passes; its time is its fastest pass, which
  // keeps what the request costs and drops what other processes cost it. The page is
  // prepared once per page, as a browser's runtime does for the requests of one page.
  std::vector<double> best(requests.size(), 1e300);
  std::string decisions(requests.size(), '0');
  std::size_t blocked = 0;
  double first_request_us = 0;
  for (int pass = 0; pass < passes; ++pass) {
    consentry::page_context page;
    const std::string* last_page = nullptr;
    for (std::size_t i = 0; i < requests.size(); ++i) {
      const auto& r = requests[i];
      const auto t0 = clock_type::now();
      if (last_page == nullptr || *last_page != r.page) {
        page.assign(r.page);
        last_page = &r.page;
      }
      const auto v = engine.match(r.url, r.type, page);
      const double ns = std::chrono::duration<double, std::nano>(clock_type::now() - t0).count();
      best[i] = std::min(best[i], ns);
      if (pass == 0 && i == 0) first_request_us = ns / 1000;
      if (pass == 0) {
        const bool block = v.kind != consentry::verdict_kind::allow;
        decisions[i] = block ? '1' : '0';
        blocked += block;
      }
    }
  }
  if (!decisions_path.empty()) {
    std::ofstream out(decisions_path, std::ios::binary);
    out << decisions;
  }
  double sum = 0;
  for (double t : best) sum += t;

  nlohmann::ordered_json out;
  out["engine"] = "consentry (native)";
  out["compile_ms"] = compile_ms;
  out["image_bytes"] = image.size();
  out["filters"] = compiled->report.filters;
  out["load_ms"] = percentile(loads, 0.5);
  out["first_load_ms"] = loads.front();
  out["memory_bytes"] = image.size();  // the engine is its image: nothing else is allocated
  out["requests"] = requests.size();
  out["blocked"] = blocked;
  out["median_ns"] = percentile(best, 0.5);
  out["p99_ns"] = percentile(best, 0.99);
  out["mean_ns"] = requests.empty() ? 0.0 : sum / static_cast<double>(requests.size());
  out["first_request_us"] = first_request_us;
  auto reports = nlohmann::ordered_json::array();
  for (const auto& l : compiled->report.lists) {
    reports.push_back({{"name", l.name},
                       {"network_rules", l.network_rules},
                       {"cosmetic_skipped", l.cosmetic_skipped},
                       {"unsupported_skipped", l.unsupported_skipped},
                       {"invalid", l.invalid},
                       {"unsupported", l.unsupported}});
  }
  out["lists"] = reports;
  std::cout << out.dump() << "\n";
  return 0;
}
