// How ringctl lab recognises its own processes by their pid files (lab_processes.h): the pid
// must be alive and run the program that was started, whatever that binary is called.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "lab/lab_processes.h"
#include "support/temp_dir.h"

namespace {

// This test program's own name as /proc shows it (argv[0]'s file name).
std::string own_program() {
  std::ifstream cmdline("/proc/self/cmdline");
  std::string argv0;
  std::getline(cmdline, argv0, '\0');
  return std::filesystem::path(argv0).filename().string();
}

std::string pid_file(const test_support::TempDir& dir, const std::string& text) {
  const std::string path = dir.path() + "/process.pid";
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("a pid file names the program started, so a renamed binary (RINGCTL_RINGD) is still recognised") {
  const test_support::TempDir dir("lab_processes_test_");
  const std::string self = std::to_string(getpid());
  CHECK(ringctl::lab::pid_from(pid_file(dir, self + " " + own_program() + "\n"), "ringd") == getpid());
  // The same pid running another program than the one started: a recycled pid.
  CHECK_FALSE(ringctl::lab::pid_from(pid_file(dir, self + " ringd\n"), "ringd").has_value());
}

TEST_CASE("a pid file of an older ringctl holds the pid alone: the process must run the expected program") {
  const test_support::TempDir dir("lab_processes_test_");
  const std::string self = std::to_string(getpid());
  CHECK(ringctl::lab::pid_from(pid_file(dir, self + "\n"), own_program()) == getpid());
  CHECK_FALSE(ringctl::lab::pid_from(pid_file(dir, self + "\n"), "ringd").has_value());
}

TEST_CASE("a missing, empty or garbled pid file, or a pid that is gone, names no process") {
  const test_support::TempDir dir("lab_processes_test_");
  CHECK_FALSE(ringctl::lab::pid_from(dir.path() + "/none.pid", "ringd").has_value());
  CHECK_FALSE(ringctl::lab::pid_from(pid_file(dir, ""), "ringd").has_value());
  CHECK_FALSE(ringctl::lab::pid_from(pid_file(dir, "ringd 12\n"), "ringd").has_value());
  CHECK_FALSE(ringctl::lab::pid_from(pid_file(dir, "-4 ringd\n"), "ringd").has_value());
  const pid_t child = fork();
  if (child == 0) _exit(0);
  REQUIRE(child > 0);
  int status = 0;
  waitpid(child, &status, 0);  // exited and reaped: no such process
  CHECK_FALSE(
      ringctl::lab::pid_from(pid_file(dir, std::to_string(child) + " " + own_program() + "\n"), "ringd").has_value());
}
