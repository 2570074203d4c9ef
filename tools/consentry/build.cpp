// consentry build DIR [--list FILE]... -o OUT_DIR: the policy bundle a site serves, its
// policy in canonical form with its hashes and its tracker rules compiled to an image.
#include <filesystem>
#include <iostream>

#include "cli.hpp"
#include "consentry/bundle.hpp"
#include "consentry/hash.hpp"
#include "consentry/jcs.hpp"
#include "consentry/json_io.hpp"
#include "files.hpp"

namespace consentry::cli {
namespace {

int run(std::span<const std::string> args);

const command build_command{
    "build", "write a policy bundle: canonical policy, hashes, compiled tracker rules",
    "consentry build DIR [--list FILE]... -o OUT_DIR\n\n"
    "Checks DIR/policy.json (as `consentry lint`; errors stop the build) and writes to OUT_DIR:\n"
    "  policy.json  the policy as RFC 8785 canonical JSON: its SHA-256 is the policy_hash\n"
    "  rules.bin    the tracker rules compiled to a binary image: the policy's vendors\n"
    "               (hosts and URL patterns) and each --list (Adblock Plus network rules or a\n"
    "               hosts file); cosmetic rules and unsupported options are skipped and counted\n"
    "  bundle.json  the manifest: policy id, version, policy_hash, material_hash, each file's\n"
    "               size and SHA-256, and what compiling each list found\n"
    "A summary of each list goes to standard error.",
    run};
const registrar registered(build_command);

bundle_file describe_file(const std::string& name, std::string_view bytes) {
  return {name, bytes.size(), sha256_hex(bytes)};
}

int run(std::span<const std::string> args) {
  auto parsed = arguments::parse(build_command, args, {"--list", "-o", "--output"}, {});
  if (!parsed) return usage_error;
  if (parsed->help()) {
    std::cout << "usage: " << build_command.usage << "\n";
    return success;
  }
  if (parsed->positionals().size() != 1) return usage(build_command, "expected one policy directory");
  const auto output = parsed->value("-o").value_or(parsed->value("--output").value_or(""));
  if (output.empty()) return usage(build_command, "expected -o OUT_DIR");
  const auto& directory = parsed->positionals()[0];

  auto loaded = native::load_policy_directory(directory);
  if (!loaded) {
    for (const auto& d : loaded.error()) std::cerr << format(d) << "\n";
    return invalid;
  }
  const auto findings = lint_policy(*loaded, directory + "/" + native::policy_file_name);
  for (const auto& d : findings) std::cerr << format(d) << "\n";
  if (has_errors(findings)) return invalid;

  std::vector<std::string> texts;
  std::vector<rule_list> lists;
  const auto list_paths = parsed->values("--list");
  for (const auto& path : list_paths) {
    auto text = native::read_file(path);
    if (!text) {
      std::cerr << "consentry build: " << text.error().message << "\n";
      return invalid;
    }
    texts.push_back(std::move(*text));
  }
  for (std::size_t i = 0; i < list_paths.size(); ++i) {
    lists.push_back({std::filesystem::path(list_paths[i]).filename().string(), texts[i]});
  }
  auto compiled = compile_rules(&*loaded, lists);
  if (!compiled) {
    for (auto d : compiled.error()) {
      d.file = directory + "/" + native::policy_file_name;
      std::cerr << format(d) << "\n";
    }
    return invalid;
  }
  for (const auto& d : compiled->problems) std::cerr << format(d) << "\n";
  for (const auto& list : compiled->report.lists) {
    std::cerr << list.name << ": " << list.network_rules << " rules compiled (" << list.hosts_rules
              << " from host names), " << list.cosmetic_skipped << " cosmetic and " << list.unsupported_skipped
              << " unsupported skipped, " << list.invalid << " invalid\n";
  }

  auto canonical = canonicalize_value(to_json(*loaded));
  if (!canonical) {
    std::cerr << "consentry build: the policy has no canonical form: " << canonical.error().message << "\n";
    return invalid;
  }
  const auto hashes = compute_policy_hashes(*loaded);
  const std::string_view image(reinterpret_cast<const char*>(compiled->image.data()), compiled->image.size());

  bundle_manifest manifest;
  manifest.policy_id = loaded->id;
  manifest.policy_version = loaded->version;
  manifest.policy_hash = hashes.policy_hash;
  manifest.material_hash = hashes.material_hash;
  manifest.policy = describe_file("policy.json", *canonical);
  manifest.rules = describe_file("rules.bin", image);
  manifest.rules_format = rules_image_format();
  manifest.rules_report = compiled->report;

  std::error_code ec;
  std::filesystem::create_directories(output, ec);
  if (ec) {
    std::cerr << "consentry build: " << output << ": " << ec.message() << "\n";
    return invalid;
  }
  const auto out = std::filesystem::path(output);
  const std::string manifest_text = json_io::write(manifest).dump(2) + "\n";
  const std::pair<const char*, std::string_view> files[] = {
      {"policy.json", *canonical}, {"rules.bin", image}, {"bundle.json", manifest_text}};
  for (const auto& [name, bytes] : files) {
    if (auto written = native::write_file((out / name).string(), bytes); !written) {
      std::cerr << "consentry build: " << written.error().message << "\n";
      return invalid;
    }
  }
  std::cerr << "wrote " << (out / "policy.json").string() << ", " << (out / "rules.bin").string() << " ("
            << compiled->report.filters << " filters, " << compiled->image.size() << " bytes), "
            << (out / "bundle.json").string() << "\n";
  return success;
}

}  // namespace
}  // namespace consentry::cli
