// ringctl completion bash|zsh|fish|list|clusters|playbooks: the shell completion scripts,
// written from the command tree as registered (cli/completion/), so they cover every command
// and option there is; and the lists they and the manual test ask for while they run.
#include <iostream>
#include <memory>

#include "cluster_config.h"
#include "commands/command_context.h"
#include "completion/command_tree.h"
#include "completion/scripts.h"
#include "option_values.h"
#include "playbook/playbook_catalog.h"

namespace ringctl {
namespace {

// One name per line; nothing without a config (completion has nothing to offer then).
void print_cluster_names() {
  const std::optional<ClusterConfig> config = load_cluster_config(cluster_config_path());
  if (!config) return;
  for (const auto& [name, entry] : config->clusters) std::cout << name << '\n';
}

// One name per line: the playbooks `playbook run` finds (own ones and shipped ones).
void print_playbook_names() {
  for (const playbook::PlaybookFile& file : playbook::list_playbooks()) std::cout << file.name << '\n';
}

}  // namespace

void register_completion_command(CLI::App& app) {
  auto shell = std::make_shared<std::string>();
  CLI::App* command = app.add_subcommand(
      "completion", "Print the completion script for a shell, or list every command and option (list)");
  one_of(command
             ->add_option("SHELL", *shell,
                          "bash, zsh or fish; list: one line per command and option; clusters: the cluster "
                          "config's cluster names; playbooks: the playbooks' names")
             ->required(),
         {"bash", "zsh", "fish", "list", "clusters", "playbooks"});
  command->callback([shell, &app] {
    const std::vector<completion::CommandSpec> tree = completion::command_tree(app);
    if (*shell == "bash") std::cout << completion::bash_script(tree);
    if (*shell == "zsh") std::cout << completion::zsh_script(tree);
    if (*shell == "fish") std::cout << completion::fish_script(tree);
    if (*shell == "list") std::cout << completion::command_listing(tree);
    if (*shell == "clusters") print_cluster_names();
    if (*shell == "playbooks") print_playbook_names();
  });
}

}  // namespace ringctl
