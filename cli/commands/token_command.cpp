// ringctl token [--hex] KEY...: the Murmur3 token of each partition key.
#include <memory>

#include "commands/command_context.h"
#include "views/token_view.h"

namespace ringctl {
namespace {

struct TokenOptions {
  std::vector<std::string> keys;
  bool hex = false;
};

}  // namespace

void register_token_command(CLI::App& app, CommandContext& context) {
  auto options = std::make_shared<TokenOptions>();
  CLI::App* command = app.add_subcommand("token", "Print the Murmur3Partitioner token of each partition key");
  command->add_option("KEY", options->keys, "Partition keys (UTF-8 text, or hex bytes with --hex)")->required();
  command->add_flag("--hex", options->hex, "Read each KEY as hex bytes (e.g. 0000002a for int 42)");
  command->callback([options, &context] {
    render(build_token(options->keys, options->hex), context.format, print_token_table, token_document);
  });
}

}  // namespace ringctl
