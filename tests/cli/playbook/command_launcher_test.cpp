// The command launcher: how a command is split into argv (no shell), the node's values put
// in, and real local commands started, stopped and failing.
#include "playbook/command_launcher.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "support/ringnode_process.h"

namespace {

using ringcore::ErrorCode;
using ringctl::playbook::command_argv;
using ringctl::playbook::LauncherSettings;
using ringctl::playbook::LaunchNode;
using ringctl::playbook::make_command_launcher;
using ringctl::playbook::split_command_words;
using Words = std::vector<std::string>;

Words split(const std::string& command) {
  auto words = split_command_words(command);
  REQUIRE_MESSAGE(words.ok(), words.error().message());
  return *words;
}

LauncherSettings settings_in(const std::string& dir) {
  LauncherSettings settings;
  settings.kind = "command";
  settings.hosts = {"127.0.0.9", "127.0.0.10"};
  settings.start_command = "touch " + dir + "/{address}.started";
  settings.stop_command = "rm -f " + dir + "/{address}.started";
  settings.command_timeout = std::chrono::seconds(60);
  return settings;
}

}  // namespace

TEST_CASE("a command splits into words at blanks, with quotes and backslashes keeping text whole") {
  CHECK(split("systemctl start  cassandra") == Words{"systemctl", "start", "cassandra"});
  CHECK(split(" \tleading\nand trailing ") == Words{"leading", "and", "trailing"});
  CHECK(split("echo 'two words' \"and \\\"these\\\" \\\\ too\"") == Words{"echo", "two words", "and \"these\" \\ too"});
  CHECK(split("a\\ b c'd'\"e\"") == Words{"a b", "cde"});
  CHECK(split("''") == Words{""});
  CHECK(split("'it''s'") == Words{"its"});
  CHECK(split("\"a\\nb\"") == Words{"a\\nb"});  // in "...", only \" and \\ are escapes
}

TEST_CASE("no shell: variables, globs, pipes and redirections are ordinary characters") {
  CHECK(split("echo $HOME * ~ a|b c;d e&f <g >h `i`") ==
        Words{"echo", "$HOME", "*", "~", "a|b", "c;d", "e&f", "<g", ">h", "`i`"});
}

TEST_CASE("a command that does not split is bad input naming the command and the place") {
  for (const std::string& bad : {std::string("echo 'open"), std::string("echo \"open"), std::string("echo end\\"),
                                 std::string(""), std::string("   ")}) {
    auto words = split_command_words(bad);
    REQUIRE_FALSE(words.ok());
    CHECK(words.error().code() == ErrorCode::kInvalidInput);
    CHECK_MESSAGE(words.error().message().find("command '" + bad + "'") != std::string::npos, words.error().message());
  }
  CHECK(split_command_words("echo 'open").error().message().find("offset 5") != std::string::npos);
}

TEST_CASE("the node's values replace placeholders inside a word and never split it") {
  const LaunchNode node{"host with space;rm -rf /", "dc1", "r1"};
  auto argv = command_argv("start-node --listen={address} '{dc}/{rack}' {address}", node);
  REQUIRE_MESSAGE(argv.ok(), argv.error().message());
  CHECK(*argv == Words{"start-node", "--listen=host with space;rm -rf /", "dc1/r1", "host with space;rm -rf /"});
  // Braces that are not a placeholder's stay.
  CHECK(*command_argv("echo {} {\"a\":1} {A}", node) == Words{"echo", "{}", "{a:1}", "{A}"});

  auto unknown = command_argv("start {adress}", node);
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().code() == ErrorCode::kInvalidInput);
  CHECK(unknown.error().message().find("unknown placeholder {adress}") != std::string::npos);
}

TEST_CASE("the launcher plans the given hosts in order and refuses a node without one") {
  test_support::TempDir dir("command_launcher_test_");
  auto made = make_command_launcher(settings_in(dir.path()));
  REQUIRE_MESSAGE(made.ok(), made.error().message());
  auto& launcher = *made.value();
  CHECK(launcher.kind() == "command");
  CHECK(launcher.plan_node(1, "dc2").value().address == "127.0.0.9");
  CHECK(launcher.plan_node(1, "dc2").value().dc == "dc2");
  CHECK(launcher.plan_node(2, "").value().address == "127.0.0.10");
  auto third = launcher.plan_node(3, "");
  REQUIRE_FALSE(third.ok());
  CHECK(third.error().code() == ErrorCode::kInvalidInput);
}

TEST_CASE("start and stop run the commands for the node, and running them twice changes nothing") {
  test_support::TempDir dir("command_launcher_test_");
  auto made = make_command_launcher(settings_in(dir.path()));
  REQUIRE_MESSAGE(made.ok(), made.error().message());
  auto& launcher = *made.value();
  const LaunchNode node = launcher.plan_node(1, "").value();
  const std::string started = dir.path() + "/127.0.0.9.started";

  REQUIRE_MESSAGE(launcher.start(node).ok(), launcher.start(node).error().message());
  CHECK(std::filesystem::exists(started));
  CHECK(launcher.start(node).ok());
  CHECK(launcher.stop(node).ok());
  CHECK_FALSE(std::filesystem::exists(started));
  CHECK(launcher.stop(node).ok());
}

TEST_CASE("a command that fails is kFailed with its exit status and output") {
  test_support::TempDir dir("command_launcher_test_");
  auto settings = settings_in(dir.path());
  settings.start_command = "sh -c 'echo cannot start {address} >&2; exit 3'";
  auto launcher = make_command_launcher(settings).value();
  const auto started = launcher->start(launcher->plan_node(1, "").value());
  REQUIRE_FALSE(started.ok());
  CHECK(started.error().code() == ErrorCode::kFailed);
  CHECK_MESSAGE(started.error().message().find("exit status 3") != std::string::npos, started.error().message());
  CHECK_MESSAGE(started.error().message().find("cannot start 127.0.0.9") != std::string::npos,
                started.error().message());
}

TEST_CASE("a launcher given only the command its playbook uses: the other is refused when called, nothing runs") {
  test_support::TempDir dir("command_launcher_test_");
  // scale-down's: a node to stop (its address from the step), no start_command, no hosts.
  auto stopping = settings_in(dir.path());
  stopping.start_command.clear();
  stopping.hosts.clear();
  auto made = make_command_launcher(stopping);
  REQUIRE_MESSAGE(made.ok(), made.error().message());
  CHECK(made.value()->stop({"127.0.0.9", "", ""}).ok());
  const auto started = made.value()->start({"127.0.0.9", "", ""});
  REQUIRE_FALSE(started.ok());
  CHECK(started.error().code() == ErrorCode::kInvalidInput);
  CHECK(started.error().message() == "launcher command: needs start_command, the command that starts 127.0.0.9");
  CHECK(made.value()->plan_node(1, "").error().code() == ErrorCode::kInvalidInput);

  // scale-up's: new nodes to start, no stop_command.
  auto starting = settings_in(dir.path());
  starting.stop_command.clear();
  auto launcher = make_command_launcher(starting).value();
  const LaunchNode node = launcher->plan_node(1, "").value();
  REQUIRE(launcher->start(node).ok());
  CHECK(std::filesystem::exists(dir.path() + "/127.0.0.9.started"));
  const auto stopped = launcher->stop(node);
  CHECK(stopped.error().message() == "launcher command: needs stop_command, the command that stops 127.0.0.9");
  CHECK(std::filesystem::exists(dir.path() + "/127.0.0.9.started"));
}

TEST_CASE("bad settings are refused when the launcher is made, before anything runs") {
  test_support::TempDir dir("command_launcher_test_");
  auto no_command = settings_in(dir.path());
  no_command.start_command.clear();
  no_command.stop_command.clear();
  const auto refused_none = make_command_launcher(no_command);
  REQUIRE_FALSE(refused_none.ok());
  CHECK(refused_none.error().code() == ErrorCode::kInvalidInput);
  CHECK(refused_none.error().message().find("start_command or stop_command") != std::string::npos);

  auto typo = settings_in(dir.path());
  typo.start_command = "start {host}";
  auto refused = make_command_launcher(typo);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message().find("start_command") != std::string::npos);
  CHECK(refused.error().message().find("{host}") != std::string::npos);

  auto unclosed = settings_in(dir.path());
  unclosed.stop_command = "stop 'node";
  CHECK(make_command_launcher(unclosed).error().code() == ErrorCode::kInvalidInput);
}
