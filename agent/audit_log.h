// The audit log: one JSON line per mutating call, allowed or not (docs/api.md "Audit log"):
//   {"time": "2026-11-22T10:00:00.123Z", "caller": "admin@127.0.0.1", "method": "POST",
//    "path": "/v1/operations/cleanup", "operation": "cleanup", "status": 202, "outcome": "started"}
// Thread-safety: record() may be called from several threads; lines never interleave.
#pragma once

#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "ringcore/error.h"

namespace ringd {

struct AuditEntry {
  std::chrono::system_clock::time_point time;
  std::string caller;  // role@remote-address
  std::string method;
  std::string path;
  std::string operation;  // decommission, ..., set_throughput
  int status = 0;
};

// What a status means for the caller: started (202), ok (other 2xx; 200 for an operation that
// already runs), denied (401, 403), conflict (409), rejected (other 4xx), failed (5xx).
std::string audit_outcome(int status);

// The entry as its JSON line (without the newline). The path and operation come from the
// request: bytes in them that are not UTF-8 become U+FFFD, so the line is always valid JSON.
std::string audit_line(const AuditEntry& entry);

class AuditLog {
 public:
  // Appends to the file at `path` (created 0600 if missing); with an empty path the lines go to
  // ringd's log on stderr. Error (kInvalidInput) naming the path when it cannot be opened.
  static ringcore::Result<std::unique_ptr<AuditLog>> open(const std::string& path);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Writes and flushes one line; a failed write is logged, never thrown.
  void record(const AuditEntry& entry);

 private:
  explicit AuditLog(std::FILE* file) : file_(file) {}
  std::mutex mutex_;
  std::FILE* file_;  // null: stderr through the log
};

}  // namespace ringd
