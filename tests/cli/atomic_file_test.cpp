// write_file_atomically: the one way ringctl replaces a file others may read (the run journal,
// lab.json, the cluster config).
#include "atomic_file.h"

#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>

#include "ringcore/error.h"
#include "support/temp_dir.h"
#include "support/test_files.h"

TEST_CASE("the file is replaced whole, its directory made when missing, and no temporary left beside it") {
  test_support::TempDir dir("ringctl-atomic-");
  const std::string path = dir.path() + "/made/here/lab.json";
  ringctl::write_file_atomically(path, "first\n");
  ringctl::write_file_atomically(path, "second\n");
  CHECK(test_support::read_file(path) == "second\n");
  int entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path() + "/made/here")) ++entries;
  CHECK(entries == 1);
}

TEST_CASE("a reader at any moment finds one of the texts whole, never an empty or cut one") {
  // What `lab stress` met reading lab.json while a playbook's `lab add` rewrote it in place.
  test_support::TempDir dir("ringctl-atomic-");
  const std::string path = dir.path() + "/lab.json";
  const std::string a(256 * 1024, 'a'), b(256 * 1024 + 1, 'b');
  ringctl::write_file_atomically(path, a);
  std::atomic<bool> done = false;
  std::thread writer([&] {
    for (int i = 0; i < 40; ++i) ringctl::write_file_atomically(path, i % 2 == 0 ? b : a);
    done = true;
  });
  int reads = 0, torn = 0;
  while (!done) {
    const std::string seen = test_support::read_file(path);
    ++reads;
    if (seen != a && seen != b) ++torn;
  }
  writer.join();
  MESSAGE(reads << " reads while the file was replaced 40 times");
  CHECK(reads > 0);
  CHECK(torn == 0);
}

TEST_CASE("a place that cannot be written is a failure naming the path") {
  test_support::TempDir dir("ringctl-atomic-");
  const std::string blocker = dir.path() + "/file";
  ringctl::write_file_atomically(blocker, "x");
  try {
    ringctl::write_file_atomically(blocker + "/lab.json", "y");  // its directory is a file
    FAIL("no error");
  } catch (const ringcore::Error& error) {
    CHECK(error.code() == ringcore::ErrorCode::kFailed);
    CHECK(error.message().find(blocker + "/lab.json") != std::string::npos);
  }
}
