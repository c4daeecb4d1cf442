#include "audit_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ringruntime/iso8601.h"
#include "ringruntime/log.h"

namespace ringd {

std::string audit_outcome(int status) {
  if (status == 202) return "started";
  if (status / 100 == 2) return "ok";
  if (status == 401 || status == 403) return "denied";
  if (status == 409) return "conflict";
  if (status / 100 == 4) return "rejected";
  return "failed";
}

std::string audit_line(const AuditEntry& entry) {
  const nlohmann::json line = {{"time", ringruntime::format_iso8601_utc(entry.time)},
                               {"caller", entry.caller},
                               {"method", entry.method},
                               {"path", entry.path},
                               {"operation", entry.operation},
                               {"status", entry.status},
                               {"outcome", audit_outcome(entry.status)}};
  // Replaced rather than letting dump() throw, which made the request a 500 (found by
  // ringd_api_fuzz).
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ringcore::Result<std::unique_ptr<AuditLog>> AuditLog::open(const std::string& path) {
  if (path.empty()) return std::unique_ptr<AuditLog>(new AuditLog(nullptr));
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  std::FILE* file = fd < 0 ? nullptr : fdopen(fd, "a");
  if (file == nullptr) {
    const std::string reason = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return ringcore::Error::invalid_input("audit_log: cannot open " + path + " for appending: " + reason);
  }
  return std::unique_ptr<AuditLog>(new AuditLog(file));
}

AuditLog::~AuditLog() {
  if (file_ != nullptr) std::fclose(file_);
}

void AuditLog::record(const AuditEntry& entry) {
  const std::string line = audit_line(entry);
  if (file_ == nullptr) {
    ringruntime::log_info("audit " + line);
    return;
  }
  std::lock_guard lock(mutex_);
  if (std::fprintf(file_, "%s\n", line.c_str()) < 0 || std::fflush(file_) != 0) {
    ringruntime::log_error("audit log: cannot write: " + std::string(std::strerror(errno)) + "; line: " + line);
  }
}

}  // namespace ringd
