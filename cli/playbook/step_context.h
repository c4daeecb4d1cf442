// What a step's implementation (checks.h, actions.h, conditions.h) is given by the runner, and
// how it says the run must stop.
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "output.h"
#include "playbook/launcher.h"
#include "playbook/run_journal.h"
#include "playbook/templates.h"
#include "snapshot_source.h"

namespace ringctl::playbook {

struct StepContext {
  const SnapshotSource& source;  // the cluster's agents
  Values params;                 // the step's parameters, {{references}} filled in
  StepRecord& record;            // its journal record: `started` survives a crash
  std::function<void()> save;    // writes the journal now (call after changing `started`)
  // Sends an event; the runner adds "run_id" and "step".
  std::function<void(Document)> emit;
  std::function<Launcher&()> launcher;  // made on first use from the run's variables
  bool dry_run = false;

  // The parameter, or `fallback` when absent or empty.
  std::string param(const std::string& key, const std::string& fallback = "") const {
    const auto it = params.find(key);
    return it == params.end() || it->second.empty() ? fallback : it->second;
  }

  // The parameter as a number of seconds, or `fallback` when absent; kInvalidInput naming the
  // parameter when it is not a number.
  double seconds(const std::string& key, double fallback) const {
    const std::string text = param(key);
    if (text.empty()) return fallback;
    try {
      std::size_t used = 0;
      const double value = std::stod(text, &used);
      if (used == text.size() && value >= 0) return value;
    } catch (const std::exception&) {
    }
    throw ringcore::Error::invalid_input(key + ": '" + text + "' is not a number of seconds");
  }
};

// What a step did: values for later steps, and what the report shows.
struct StepOutcome {
  Values exports;
  nlohmann::json result = nlohmann::json::object();
  std::string message;
};

// Thrown by a step to stop the run with a status other than failed: a check that blocks
// (kBlocked, exit 5), the operator's "no" (kAborted, exit 6). Failures are ringcore::Error.
class RunHalt : public std::exception {
 public:
  RunHalt(RunStatus status, std::string message) : status_(status), message_(std::move(message)) {}
  RunStatus status() const { return status_; }
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  RunStatus status_;
  std::string message_;
};

}  // namespace ringctl::playbook
