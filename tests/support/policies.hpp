// Test helper: loading a policy from tests/fixtures/policies/NAME/policy.json, or any
// directory (policy-data/<org>), failing the test with the loader's own diagnostics.
#pragma once

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "consentry/policy.hpp"
#include "fixtures.hpp"

namespace consentry::test {

inline std::filesystem::path fixture_policy_dir(const std::string& name) {
  return source_dir() / "tests" / "fixtures" / "policies" / name;
}

inline policy load_policy_from(const std::filesystem::path& directory) {
  const auto path = directory / "policy.json";
  const auto text = read_file(path);
  REQUIRE_MESSAGE(!text.empty(), "cannot read " << path.string());
  exact_buffer buffer(text);
  auto loaded = load_policy(buffer.view(), path.string());
  if (!loaded) {
    for (const auto& d : loaded.error()) MESSAGE(format(d));
  }
  REQUIRE(loaded.has_value());
  return *loaded;
}

inline policy load_fixture_policy(const std::string& name) { return load_policy_from(fixture_policy_dir(name)); }

}  // namespace consentry::test
