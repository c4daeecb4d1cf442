// TempDir: a fresh temporary directory for one test, removed with everything in it when the
// handle goes away (even when the test fails).
#pragma once

#include <filesystem>
#include <random>
#include <string>
#include <system_error>

namespace test_support {

class TempDir {
 public:
  // A new directory under the system's temporary directory, named `prefix` and a random number.
  explicit TempDir(const std::string& prefix) {
    std::random_device device;
    path_ = (std::filesystem::temp_directory_path() / (prefix + std::to_string(device()))).string();
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace test_support
