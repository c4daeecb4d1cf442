// ringctl token [--hex] KEY...: the Murmur3 token of each partition key.
#include <memory>

#include "commands/command_context.h"
#include "key_input.h"
#include "ringcore/murmur3.h"

namespace ringctl {
namespace {

struct TokenOptions {
  std::vector<std::string> keys;
  bool hex = false;
};

void run_token(const TokenOptions& options, const CommandContext& context) {
  Document doc = Document::array();
  for (const std::string& key : options.keys) {
    const ringcore::Token token = ringcore::token_for_key(key_bytes(key, options.hex));
    if (context.format == OutputFormat::kTable) {
      std::cout << token << '\n';
    } else {
      doc.push_back({{"key", key}, {"token", ringcore::format_token(token)}});
    }
  }
  if (context.format != OutputFormat::kTable) print_document(doc, context.format, std::cout);
}

}  // namespace

void register_token_command(CLI::App& app, CommandContext& context) {
  auto options = std::make_shared<TokenOptions>();
  CLI::App* command = app.add_subcommand("token", "Print the Murmur3Partitioner token of each partition key");
  command->add_option("KEY", options->keys, "Partition keys (UTF-8 text, or hex bytes with --hex)")->required();
  command->add_flag("--hex", options->hex, "Read each KEY as hex bytes (e.g. 0000002a for int 42)");
  command->callback([options, &context] { run_token(*options, context); });
}

}  // namespace ringctl
