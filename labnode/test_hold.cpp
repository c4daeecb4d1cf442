#include "test_hold.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
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

// Waits at `phase` while its file exists and `cancelled` says no; `what` names the waiter.
void hold(std::string_view phase, const std::string& what, const std::function<bool()>& cancelled) {
  const auto& directory = hold_directory();
  if (!directory) return;
  const std::filesystem::path file = *directory / std::string(phase);
  std::error_code error;
  if (!std::filesystem::exists(file, error)) return;
  ringruntime::log_info("test hold: " + std::string(phase) + ", " + what + ", until " + file.string() + " is removed");
  ringruntime::wait_until([&] { return cancelled() || !std::filesystem::exists(file, error); }, std::chrono::hours(24),
                          std::chrono::milliseconds(20));
  ringruntime::log_info("test hold: " + std::string(phase) + " released");
}

}  // namespace

void hold_for_test(std::string_view phase, const JobHandle& job) {
  hold(phase, "job " + job.id(), [&job] { return job.cancelled(); });
}

void hold_for_test(std::string_view phase) {
  hold(phase, "node starting", [] { return false; });
}

}  // namespace ringnode
