// ringctl getendpoints --ring FILE KEYSPACE [TABLE] KEY: the replicas of a key, in the
// server's order. TABLE is accepted for nodetool compatibility; placement is per keyspace.
#include <memory>

#include "commands/command_context.h"
#include "key_input.h"
#include "ringcore/murmur3.h"
#include "ringcore/placement.h"
#include "ringcore/ring.h"

namespace ringctl {
namespace {

struct GetEndpointsOptions {
  std::vector<std::string> arguments;  // KEYSPACE [TABLE] KEY
  bool hex = false;
};

void run_getendpoints(const GetEndpointsOptions& options, const CommandContext& context) {
  if (options.arguments.size() != 2 && options.arguments.size() != 3) {
    throw ringcore::Error::invalid_input("getendpoints takes KEYSPACE [TABLE] KEY");
  }
  const std::string& keyspace = options.arguments.front();
  const std::string& key = options.arguments.back();
  const ringcore::ClusterSnapshot snapshot = load_snapshot(context.source);
  const ringcore::Keyspace* ks = snapshot.require_keyspace(keyspace).value_or_throw();
  const ringcore::TokenRing ring(snapshot);
  auto placement = ringcore::ReplicaPlacement::create(ring, ks->replication);
  if (!placement) throw placement.error().with_context("keyspace '" + keyspace + "'");
  const ringcore::Token token = ringcore::token_for_key(key_bytes(key, options.hex));

  Document endpoints = Document::array();
  for (ringcore::NodeIndex node : placement->replicas_for_token(token)) {
    const std::string& address = snapshot.nodes[node].address;
    if (context.format == OutputFormat::kTable) std::cout << address << '\n';
    endpoints.push_back(address);
  }
  if (context.format != OutputFormat::kTable) {
    print_document(
        {{"keyspace", keyspace}, {"key", key}, {"token", ringcore::format_token(token)}, {"endpoints", endpoints}},
        context.format, std::cout);
  }
}

}  // namespace

void register_getendpoints_command(CLI::App& app, CommandContext& context) {
  auto options = std::make_shared<GetEndpointsOptions>();
  CLI::App* command = app.add_subcommand("getendpoints", "Print the replicas of a partition key, primary first");
  add_snapshot_options(*command, context);
  command->add_option("KEYSPACE [TABLE] KEY", options->arguments, "Keyspace, optional table, and the key")
      ->required()
      ->expected(2, 3);
  command->add_flag("--hex", options->hex, "Read KEY as hex bytes");
  command->callback([options, &context] { run_getendpoints(*options, context); });
}

}  // namespace ringctl
