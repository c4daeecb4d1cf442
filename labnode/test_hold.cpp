#include "test_hold.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "ringruntime/log.h"
#include "ringruntime/wait.h"

namespace ringnode {
namespace {

const std::optional<std::filesystem::path>& hold_directory() {
  static const std::optional<std::filesystem::path> directory = []() -> std::optional<std::filesystem::path> {
    const char* value = std::getenv("RINGNODE_TEST_HOLD_DIR");
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::filesystem::path(value);
  }();
  return directory;
}

}  // namespace

void hold_for_test(std::string_view phase, const JobHandle& job) {
  const auto& directory = hold_directory();
  if (!directory) return;
  const std::filesystem::path file = *directory / std::string(phase);
  std::error_code error;
  if (!std::filesystem::exists(file, error)) return;
  ringruntime::log_info("test hold: " + std::string(phase) + ", job " + job.id() + ", until " + file.string() +
                        " is removed");
  ringruntime::wait_until([&] { return job.cancelled() || !std::filesystem::exists(file, error); },
                          std::chrono::hours(24), std::chrono::milliseconds(20));
  ringruntime::log_info("test hold: " + std::string(phase) + " released");
}

}  // namespace ringnode
