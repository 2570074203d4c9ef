// consentry diff OLD_DIR NEW_DIR [--json]: what changed between two versions of a
// policy, each change material (people are asked again) or editorial.
#include <iostream>

#include "cli.hpp"
#include "consentry/diff.hpp"
#include "consentry/json_io.hpp"
#include "files.hpp"

namespace consentry::cli {
namespace {

int run(std::span<const std::string> args);

const command diff_command{
    "diff", "list the changes between two versions of a policy, material or editorial",
    "consentry diff OLD_DIR NEW_DIR [--json]\n\n"
    "Compares OLD_DIR/policy.json with NEW_DIR/policy.json by purpose, vendor, data category and\n"
    "section. A change is material when consent given before no longer covers it (a new purpose,\n"
    "vendor or data category, a changed legal basis, a longer retention, a new transfer country)\n"
    "and editorial otherwise. Prints one line per change, `class subject kind id: summary`, and a\n"
    "count; --json prints {from_version, to_version, material, counts, changes} instead.\n"
    "Exits 0 whatever the changes, 1 when a policy cannot be loaded.",
    run};
const registrar registered(diff_command);

int run(std::span<const std::string> args) {
  auto parsed = arguments::parse(diff_command, args, {}, {"--json"});
  if (!parsed) return usage_error;
  if (parsed->help()) {
    std::cout << "usage: " << diff_command.usage << "\n";
    return success;
  }
  if (parsed->positionals().size() != 2) return usage(diff_command, "expected two policy directories, OLD and NEW");
  auto before = native::load_policy_directory(parsed->positionals()[0]);
  auto after = native::load_policy_directory(parsed->positionals()[1]);
  if (!before || !after) {
    if (!before) for (const auto& d : before.error()) std::cerr << format(d) << "\n";
    if (!after) for (const auto& d : after.error()) std::cerr << format(d) << "\n";
    return invalid;
  }
  const auto diff = diff_policies(*before, *after);
  if (parsed->has("--json")) {
    auto out = json_io::write(diff);
    out["material"] = diff.material();
    out["counts"] = {{"material", diff.count(change_class::material)},
                     {"editorial", diff.count(change_class::editorial)}};
    std::cout << out.dump(2) << "\n";
    return success;
  }
  for (const auto& c : diff.changes) {
    std::cout << json_io::enum_name(c.classification) << ' ' << json_io::enum_name(c.subject) << ' '
              << json_io::enum_name(c.kind) << ' ' << c.id << ": " << c.summary << "\n";
  }
  std::cout << diff.changes.size() << (diff.changes.size() == 1 ? " change" : " changes") << " from version "
            << diff.from_version << " to " << diff.to_version << ": " << diff.count(change_class::material)
            << " material, " << diff.count(change_class::editorial) << " editorial\n";
  return success;
}

}  // namespace
}  // namespace consentry::cli
