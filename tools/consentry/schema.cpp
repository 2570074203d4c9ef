// consentry schema NAME [-o FILE]: the JSON Schema of a document, derived from the
// same description the reader enforces; policy-data/schema/ holds the committed copies.
#include <functional>
#include <iostream>
#include <map>

#include "cli.hpp"
#include "consentry/json_schema.hpp"
#include "consentry/policy.hpp"
#include "consentry/receipt.hpp"
#include "files.hpp"

namespace consentry::cli {
namespace {

int run(std::span<const std::string> args);

const command schema_command{
    "schema", "print the JSON Schema of a document type (policy, ...)",
    "consentry schema NAME [-o FILE]\n\n"
    "Prints the JSON Schema (draft 2020-12) of the document NAME, or writes it to FILE.\n"
    "Names: policy, receipt.",
    run};
const registrar registered(schema_command);

const std::map<std::string, std::function<json()>>& schemas() {
  static const std::map<std::string, std::function<json()>> all = {
      {"policy",
       [] {
         return json_io::document_schema<policy>("Consentry policy document");
       }},
      {"receipt",
       [] {
         return json_io::document_schema<receipt>("Consentry consent receipt (the payload of its JWS)");
       }},
  };
  return all;
}

int run(std::span<const std::string> args) {
  auto parsed = arguments::parse(schema_command, args, {"-o", "--output"}, {});
  if (!parsed) return usage_error;
  if (parsed->help()) {
    std::cout << "usage: " << schema_command.usage << "\n";
    return success;
  }
  if (parsed->positionals().size() != 1) return usage(schema_command, "expected one document name");
  const auto found = schemas().find(parsed->positionals()[0]);
  if (found == schemas().end()) return usage(schema_command, "unknown document \"" + parsed->positionals()[0] + "\"");
  const auto text = found->second().dump(2) + "\n";
  const auto output = parsed->value("-o") ? parsed->value("-o") : parsed->value("--output");
  if (!output) {
    std::cout << text;
    return success;
  }
  if (auto written = native::write_file(*output, text); !written) {
    std::cerr << "consentry schema: " << written.error().message << "\n";
    return invalid;
  }
  return success;
}

}  // namespace
}  // namespace consentry::cli
