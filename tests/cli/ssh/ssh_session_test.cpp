// ringssh against a real sshd (tests/cli/ssh/sshd_fixture.h): what runs, what comes back, and
// every way a connection is refused before anything runs.
#include "ssh/ssh_session.h"

#include <doctest/doctest.h>
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "cli/ssh/sshd_fixture.h"
#include "ringruntime/wait.h"
#include "support/run_process.h"
#include "support/test_files.h"

namespace {

using ringcore::ErrorCode;
using ringctl::ssh::run_command;
using std::chrono::seconds;
using test_support::SshdFixture;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Puts SSH_AUTH_SOCK back as it was when the case ends, whichever way it ends.
struct AgentSocketRestore {
  bool was_set = std::getenv("SSH_AUTH_SOCK") != nullptr;
  std::string value = was_set ? std::getenv("SSH_AUTH_SOCK") : "";
  ~AgentSocketRestore() {
    if (was_set) {
      setenv("SSH_AUTH_SOCK", value.c_str(), 1);
    } else {
      unsetenv("SSH_AUTH_SOCK");
    }
  }
};

}  // namespace

TEST_CASE("a command runs on the host and its exit status, stdout and stderr come back apart") {
  SshdFixture sshd;
  const auto result = run_command(sshd.target(), "echo to-out; echo to-err >&2; whoami", seconds(60));
  REQUIRE_MESSAGE(result.ok(), result.error().message(), "\n", sshd.log());
  CHECK(result->exit_status == 0);
  CHECK(result->out == "to-out\n" + test_support::current_user() + "\n");
  CHECK(result->err == "to-err\n");
}

TEST_CASE("output larger than the channel window comes back whole") {
  SshdFixture sshd;
  const auto result = run_command(sshd.target(), "head -c 3000000 /dev/zero | tr '\\0' x; echo done >&2", seconds(120));
  REQUIRE_MESSAGE(result.ok(), result.error().message());
  CHECK(result->out == std::string(3000000, 'x'));
  CHECK(result->err == "done\n");
}

TEST_CASE("a non-zero exit status is the command's result, not an error") {
  SshdFixture sshd;
  const auto failed = run_command(sshd.target(), "echo partial; exit 7", seconds(60));
  REQUIRE_MESSAGE(failed.ok(), failed.error().message());
  CHECK(failed->exit_status == 7);
  CHECK(failed->out == "partial\n");

  // Ended by a signal: 128 + its number, as a shell reports it.
  const auto killed = run_command(sshd.target(), "kill -TERM $$", seconds(60));
  REQUIRE_MESSAGE(killed.ok(), killed.error().message());
  CHECK(killed->exit_status == 128 + SIGTERM);
}

TEST_CASE("an unknown host key is refused with its fingerprint and what to do, and nothing runs") {
  SshdFixture sshd;
  const std::string fingerprint = test_support::fingerprint_of(sshd.host_key() + ".pub");
  const std::string marker = sshd.path("ran");
  auto target = sshd.target();

  SUBCASE("known_hosts without the host") { std::ofstream(target.known_hosts, std::ios::trunc) << ""; }
  SUBCASE("no known_hosts file at all") { target.known_hosts = sshd.path("missing_known_hosts"); }

  const auto result = run_command(target, "touch " + marker, seconds(60));
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code() == ErrorCode::kSshHostKey);
  const std::string& message = result.error().message();
  CHECK_MESSAGE(contains(message, fingerprint), message);
  CHECK_MESSAGE(contains(message, "unknown"), message);
  CHECK_MESSAGE(contains(message, "ssh-keyscan -p " + std::to_string(sshd.port()) + " -t ed25519 127.0.70.1 >> " +
                                      target.known_hosts),
                message);
  CHECK_FALSE(std::filesystem::exists(marker));
  CHECK(std::string(ringcore::error_code_name(result.error().code())) == "ssh_host_key");
}

TEST_CASE("a changed host key is refused with the new fingerprint, and nothing runs") {
  SshdFixture sshd;
  const std::string other = sshd.new_key("other_host_key");
  sshd.trust(test_support::read_file(other + ".pub"));
  const std::string marker = sshd.path("ran");

  const auto result = run_command(sshd.target(), "touch " + marker, seconds(60));
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code() == ErrorCode::kSshHostKey);
  const std::string& message = result.error().message();
  CHECK_MESSAGE(contains(message, "CHANGED"), message);
  CHECK_MESSAGE(contains(message, test_support::fingerprint_of(sshd.host_key() + ".pub")), message);
  CHECK_MESSAGE(contains(message, "ssh-keygen -R '[127.0.70.1]:" + std::to_string(sshd.port()) + "'"), message);
  CHECK_FALSE(std::filesystem::exists(marker));
}

TEST_CASE("a key the server does not know fails as ssh_auth and nothing runs") {
  SshdFixture sshd;
  auto target = sshd.target();
  target.identity_file = sshd.new_key("stranger_key");
  const std::string marker = sshd.path("ran");

  const auto result = run_command(target, "touch " + marker, seconds(60));
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code() == ErrorCode::kSshAuth);
  CHECK_MESSAGE(contains(result.error().message(), target.identity_file), result.error().message());
  CHECK_FALSE(std::filesystem::exists(marker));

  SUBCASE("a key file that cannot be read is ssh_auth too, naming the file") {
    target.identity_file = sshd.path("no_such_key");
    const auto missing = run_command(target, "true", seconds(60));
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().code() == ErrorCode::kSshAuth);
    CHECK_MESSAGE(contains(missing.error().message(), target.identity_file), missing.error().message());
  }
}

TEST_CASE("with no identity file the keys of the ssh-agent authenticate") {
  SshdFixture sshd;
  auto target = sshd.target();
  const std::string key = target.identity_file;
  target.identity_file.clear();
  const AgentSocketRestore restore;

  SUBCASE("an agent holding the user key") {
    const std::string socket = sshd.path("agent.sock");
    test_support::RingnodeProcess agent({"/usr/bin/ssh-agent", "-D", "-a", socket}, sshd.path("agent.log"));
    agent.start();
    REQUIRE(ringruntime::wait_until([&] { return std::filesystem::exists(socket); }, std::chrono::seconds(30),
                                    std::chrono::milliseconds(20)));
    setenv("SSH_AUTH_SOCK", socket.c_str(), 1);
    REQUIRE(test_support::run_process({"/usr/bin/ssh-add", "-q", key}).exit_code == 0);
    const auto result = run_command(target, "echo via-agent", seconds(60));
    REQUIRE_MESSAGE(result.ok(), result.error().message());
    CHECK(result->out == "via-agent\n");
  }
  SUBCASE("no agent at all is ssh_auth, saying so") {
    unsetenv("SSH_AUTH_SOCK");
    const auto result = run_command(target, "true", seconds(60));
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().code() == ErrorCode::kSshAuth);
    CHECK_MESSAGE(contains(result.error().message(), "SSH_AUTH_SOCK"), result.error().message());
  }
}

TEST_CASE("a command longer than its timeout is timed_out, returns at the timeout and is killed on the host") {
  SshdFixture sshd;
  const std::string pid_file = sshd.path("sleeper.pid");
  const auto started = std::chrono::steady_clock::now();
  const auto result = run_command(sshd.target(), "echo $$ > " + pid_file + "; exec sleep 120", seconds(2));
  const auto took = std::chrono::steady_clock::now() - started;
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code() == ErrorCode::kTimedOut);
  CHECK_MESSAGE(contains(result.error().message(), "sleep 120"), result.error().message());
  CHECK(took < std::chrono::seconds(60));  // it returned long before the command would have ended

  const pid_t sleeper = std::stoi(test_support::read_file(pid_file));
  if (geteuid() != 0) {
    CHECK_MESSAGE(ringruntime::wait_until([&] { return kill(sleeper, 0) != 0 && errno == ESRCH; },
                                          std::chrono::seconds(30), std::chrono::milliseconds(50)),
                  "the command still runs on the host after its timeout\n", sshd.log());
  } else {
    // OpenSSH refuses signal requests for root logins: the message must say it may still run.
    CHECK_MESSAGE(contains(result.error().message(), "may still run on the host"), result.error().message());
    kill(sleeper, SIGKILL);  // the "host" is this machine
  }
}

TEST_CASE("connecting to a port nothing listens on is ssh_connect") {
  auto target = SshdFixture().target();  // the fixture's server is gone when it goes away: its port is closed
  const auto result = run_command(target, "true", seconds(60));
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code() == ErrorCode::kSshConnect);
  CHECK_MESSAGE(contains(result.error().message(), "127.0.70.1:" + std::to_string(target.port)),
                result.error().message());
}
