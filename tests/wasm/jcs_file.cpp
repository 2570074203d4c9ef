// A wasm entry point for the Node tests: `node consentry_jcs_file.js IN OUT` writes the
// canonical form of IN to OUT with the core exactly as the browser build compiles it.
#include <cstdio>
#include <string>

#include "consentry/jcs.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: consentry_jcs_file IN OUT\n");
    return 2;
  }
  std::FILE* in = std::fopen(argv[1], "rb");
  if (!in) {
    std::fprintf(stderr, "%s: cannot open\n", argv[1]);
    return 1;
  }
  std::string text;
  char buffer[1 << 16];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, in)) > 0;) text.append(buffer, n);
  std::fclose(in);

  consentry::json_parse_options options;
  options.max_bytes = std::size_t{1} << 30;
  auto canonical = consentry::canonicalize(text, options);
  if (!canonical) {
    std::fprintf(stderr, "%s:%s: error: %s\n", argv[1], canonical.error().location().c_str(),
                 canonical.error().message.c_str());
    return 1;
  }
  std::FILE* out = std::fopen(argv[2], "wb");
  if (!out || std::fwrite(canonical->data(), 1, canonical->size(), out) != canonical->size() || std::fclose(out) != 0) {
    std::fprintf(stderr, "%s: cannot write\n", argv[2]);
    return 1;
  }
  return 0;
}
