// Running a local program: output, exit status, no shell, and the deadline that kills it.
#include "playbook/local_process.h"

#include <doctest/doctest.h>
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <string>

#include "ringruntime/wait.h"
#include "support/ringnode_process.h"
#include "support/test_files.h"

namespace {

using ringcore::ErrorCode;
using ringctl::playbook::run_local;
using std::chrono::seconds;

bool gone(pid_t pid) { return kill(pid, 0) != 0 && errno == ESRCH; }

}  // namespace

TEST_CASE("a program's stdout, stderr and exit status come back apart") {
  const auto ran = run_local({"sh", "-c", "echo out; echo err >&2; exit 4"}, seconds(60));
  REQUIRE_MESSAGE(ran.ok(), ran.error().message());
  CHECK(ran->exit_status == 4);
  CHECK(ran->out == "out\n");
  CHECK(ran->err == "err\n");

  const auto big = run_local({"head", "-c", "1000000", "/dev/zero"}, seconds(60));
  REQUIRE(big.ok());
  CHECK(big->out.size() == 1000000);
}

TEST_CASE("arguments reach the program as they are, with no shell expanding them") {
  const auto ran = run_local({"printf", "%s|", "$HOME", "*", "a b"}, seconds(60));
  REQUIRE(ran.ok());
  CHECK(ran->out == "$HOME|*|a b|");
}

TEST_CASE("a program ended by a signal reports 128 + the signal") {
  const auto ran = run_local({"sh", "-c", "kill -TERM $$"}, seconds(60));
  REQUIRE(ran.ok());
  CHECK(ran->exit_status == 128 + SIGTERM);
}

TEST_CASE("a program missing from PATH is bad input naming it") {
  const auto ran = run_local({"no-such-program-ringctl"}, seconds(60));
  REQUIRE_FALSE(ran.ok());
  CHECK(ran.error().code() == ErrorCode::kInvalidInput);
  CHECK(ran.error().message().find("no-such-program-ringctl") != std::string::npos);
  CHECK(run_local({}, seconds(60)).error().code() == ErrorCode::kInvalidInput);
}

TEST_CASE("past its timeout the program and what it started are killed, and it is timed_out") {
  test_support::TempDir dir("local_process_test_");
  const std::string pid_file = dir.path() + "/child.pid";
  const auto started = std::chrono::steady_clock::now();
  const auto ran = run_local({"sh", "-c", "sleep 120 & echo $! > " + pid_file + "; wait"}, seconds(1));
  CHECK(std::chrono::steady_clock::now() - started < seconds(60));  // long before the sleep would end
  REQUIRE_FALSE(ran.ok());
  CHECK(ran.error().code() == ErrorCode::kTimedOut);
  const pid_t child = std::stoi(test_support::read_file(pid_file));
  CHECK(ringruntime::wait_until([&] { return gone(child); }, std::chrono::seconds(30), std::chrono::milliseconds(20)));
}

TEST_CASE("a program that leaves a process running returns when it exits, not when that process does") {
  const auto ran = run_local({"sh", "-c", "sleep 120 & echo $!"}, seconds(60));
  REQUIRE(ran.ok());
  CHECK(ran->exit_status == 0);
  const pid_t daemon = std::stoi(ran->out);
  CHECK_FALSE(gone(daemon));  // still running: it was left alone
  kill(daemon, SIGKILL);
}
