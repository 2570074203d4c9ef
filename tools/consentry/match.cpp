// consentry match --rules IMAGE --url U --type T --page P [--granted p1,p2]: the engine's
// verdict on one request, as JSON, for checking a policy's rules by hand and in tests.
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "consentry/blocker.hpp"
#include "files.hpp"

namespace consentry::cli {
namespace {

int run(std::span<const std::string> args);

const command match_command{
    "match", "decide one request against compiled rules, as JSON",
    "consentry match --rules IMAGE --url URL --type TYPE --page PAGE_URL [--granted P1,P2]\n\n"
    "Loads the rules image (rules.bin of `consentry build`) and prints the verdict:\n"
    "  \"verdict\": \"allow\" (no rule, or an @@ exception: \"exception\": true), \"block\" (a\n"
    "  vendor of the policy: \"vendor\" and the \"purposes\" any one of which allows it), or\n"
    "  \"undisclosed\" (a list's tracker the policy does not name: blocked whatever the consent,\n"
    "  with its \"host\"); \"filter\", the deciding rule; \"allowed\", whether the request goes\n"
    "  ahead when the --granted purposes are granted (purposes whose legal basis is not\n"
    "  consent count as granted). TYPE: script, image, stylesheet, xmlhttprequest,\n"
    "  subdocument, ping, media, font, websocket, object, other, document, or a webRequest name.\n"
    "Exits 1 when the image is refused (damaged, foreign, of another version).",
    run};
const registrar registered(match_command);

int run(std::span<const std::string> args) {
  auto parsed = arguments::parse(match_command, args, {"--rules", "--url", "--type", "--page", "--granted"}, {});
  if (!parsed) return usage_error;
  if (parsed->help()) {
    std::cout << "usage: " << match_command.usage << "\n";
    return success;
  }
  if (!parsed->positionals().empty()) return usage(match_command, "unexpected argument " + parsed->positionals()[0]);
  const auto rules = parsed->value("--rules");
  const auto url = parsed->value("--url");
  const auto type_name = parsed->value("--type");
  const auto page = parsed->value("--page");
  if (!rules || !url || !type_name || !page) return usage(match_command, "expected --rules, --url, --type and --page");
  const auto type = request_type_from_name(*type_name);
  if (!type) return usage(match_command, "unknown request type \"" + *type_name + "\"");

  auto bytes = native::read_file(*rules);
  if (!bytes) {
    std::cerr << "consentry match: " << bytes.error().message << "\n";
    return invalid;
  }
  const std::vector<std::uint8_t> image(bytes->begin(), bytes->end());  // owned and 8-byte aligned
  auto engine = blocker::load(image);
  if (!engine) {
    std::cerr << "consentry match: " << *rules << ": " << engine.error().message << "\n";
    return invalid;
  }

  purpose_set granted = 0;
  if (auto list = parsed->value("--granted")) {
    std::size_t start = 0;
    while (start <= list->size()) {
      auto comma = list->find(',', start);
      if (comma == std::string::npos) comma = list->size();
      const auto id = list->substr(start, comma - start);
      start = comma + 1;
      if (id.empty()) continue;
      const auto bit = engine->purpose_bit(id);
      if (bit == 0) return usage(match_command, "the policy has no purpose \"" + id + "\"");
      granted |= bit;
    }
  }

  const auto v = engine->match(*url, *type, *page);
  nlohmann::ordered_json out;
  out["url"] = *url;
  out["type"] = std::string(name_of(*type));
  out["page"] = *page;
  switch (v.kind) {
    case verdict_kind::allow:
      out["verdict"] = "allow";
      out["exception"] = v.exception;
      break;
    case verdict_kind::block: {
      const auto vendor = engine->vendor(v.vendor);
      out["verdict"] = "block";
      out["vendor"] = {{"id", std::string(vendor.id)}, {"name", std::string(vendor.name)}};
      auto purposes = nlohmann::ordered_json::array();
      for (std::size_t i = 0; i < engine->purpose_count(); ++i) {
        if (v.purposes & (purpose_set{1} << i)) purposes.push_back(std::string(engine->purpose(i).id));
      }
      out["purposes"] = purposes;
      break;
    }
    case verdict_kind::undisclosed:
      out["verdict"] = "undisclosed";
      out["host"] = std::string(v.host);
      break;
  }
  if (v.filter != no_filter) out["filter"] = engine->describe_filter(v);
  out["allowed"] = engine->allows(v, granted);
  std::cout << out.dump(2) << "\n";
  return success;
}

}  // namespace
}  // namespace consentry::cli
