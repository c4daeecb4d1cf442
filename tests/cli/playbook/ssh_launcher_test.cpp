// The ssh launcher against a real sshd (tests/cli/ssh/sshd_fixture.h): the start and stop
// commands run on the node's host, and every refusal reaches the playbook with its code.
#include "playbook/ssh_launcher.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "cli/ssh/sshd_fixture.h"

namespace {

using ringcore::ErrorCode;
using ringctl::playbook::LauncherSettings;
using ringctl::playbook::LaunchNode;
using ringctl::playbook::make_ssh_launcher;

LauncherSettings settings_for(const test_support::SshdFixture& sshd) {
  const auto target = sshd.target();
  LauncherSettings settings;
  settings.kind = "ssh";
  settings.hosts = {target.host};
  settings.start_command = "touch " + sshd.path("started");
  settings.stop_command = "rm -f " + sshd.path("started");
  settings.ssh_user = target.user;
  settings.ssh_port = target.port;
  settings.ssh_identity_file = target.identity_file;
  settings.ssh_known_hosts = target.known_hosts;
  settings.connect_timeout = target.connect_timeout;
  settings.command_timeout = std::chrono::seconds(60);
  return settings;
}

}  // namespace

TEST_CASE("the ssh launcher runs the start and stop commands on the node's host") {
  test_support::SshdFixture sshd;
  auto made = make_ssh_launcher(settings_for(sshd));
  REQUIRE_MESSAGE(made.ok(), made.error().message());
  auto& launcher = *made.value();
  CHECK(launcher.kind() == "ssh");
  const LaunchNode node = launcher.plan_node(1, "dc1").value();
  CHECK(node.address == "127.0.70.1");
  CHECK(launcher.plan_node(2, "dc1").error().code() == ErrorCode::kInvalidInput);

  const auto started = launcher.start(node);
  REQUIRE_MESSAGE(started.ok(), started.error().message(), "\n", sshd.log());
  CHECK(std::filesystem::exists(sshd.path("started")));
  CHECK(launcher.start(node).ok());
  CHECK(launcher.stop(node).ok());
  CHECK_FALSE(std::filesystem::exists(sshd.path("started")));
}

TEST_CASE("a start command that fails on the host is kFailed with its exit status and output") {
  test_support::SshdFixture sshd;
  auto settings = settings_for(sshd);
  settings.start_command = "echo no such service >&2; exit 5";
  auto launcher = make_ssh_launcher(settings).value();
  const auto started = launcher->start(launcher->plan_node(1, "").value());
  REQUIRE_FALSE(started.ok());
  CHECK(started.error().code() == ErrorCode::kFailed);
  CHECK_MESSAGE(started.error().message().find("exit status 5") != std::string::npos, started.error().message());
  CHECK_MESSAGE(started.error().message().find("no such service") != std::string::npos, started.error().message());
}

TEST_CASE("an unknown host key stops the ssh launcher with ssh_host_key, and nothing runs on the host") {
  test_support::SshdFixture sshd;
  auto settings = settings_for(sshd);
  std::ofstream(settings.ssh_known_hosts, std::ios::trunc) << "";
  auto launcher = make_ssh_launcher(settings).value();
  const auto started = launcher->start(launcher->plan_node(1, "").value());
  REQUIRE_FALSE(started.ok());
  CHECK(started.error().code() == ErrorCode::kSshHostKey);
  CHECK_MESSAGE(
      started.error().message().find(test_support::fingerprint_of(sshd.host_key() + ".pub")) != std::string::npos,
      started.error().message());
  CHECK_FALSE(std::filesystem::exists(sshd.path("started")));
}

TEST_CASE("an ssh launcher without any command is refused when made, one with a single command is not") {
  LauncherSettings settings;
  settings.kind = "ssh";
  CHECK(make_ssh_launcher(settings).error().message().find("start_command or stop_command") != std::string::npos);
  settings.stop_command = "true";  // scale-down's: it stops a node, and plans none
  auto stopping = make_ssh_launcher(settings);
  REQUIRE_MESSAGE(stopping.ok(), stopping.error().message());
  auto started = stopping.value()->start({"db1", "", ""});
  CHECK(started.error().code() == ErrorCode::kInvalidInput);
  CHECK(started.error().message().find("start_command") != std::string::npos);
  CHECK(stopping.value()->plan_node(1, "").error().code() == ErrorCode::kInvalidInput);  // no hosts
  settings.hosts = {"db1"};
  settings.ssh_port = 0;
  CHECK(make_ssh_launcher(settings).error().code() == ErrorCode::kInvalidInput);
}
