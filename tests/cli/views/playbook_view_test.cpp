// The playbook run view as a terminal shows it: the step list with its ticks and crosses, and
// the current step's progress bar (size, percent, rate, ETA) redrawn in place, fed a run's
// events on a clock of the test's own; and, off a terminal, the same list with no control
// sequence in it.
#include "views/playbook_view.h"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

namespace {

using ringctl::Document;
using namespace std::chrono_literals;

constexpr std::int64_t kMiB = 1024 * 1024;

// The events of a run of three steps: a check that passes, a decommission streaming 4 MiB (1 MiB
// in the first 2 s), and a cleanup that fails.
struct ScriptedRun {
  std::chrono::steady_clock::time_point now{};

  void play(ringctl::RunEventPrinter& printer) {
    printer.print({{"event", "run_started"}, {"run_id", "r1"}, {"playbook", "scale-down"}});
    printer.print(started("1", "pre-flight"));
    Document passed = finished("1", "pre-flight", "ok", "preflight: ok");
    passed["seconds"] = 0.5;
    printer.print(passed);
    printer.print(started("2", "decommission 10.0.0.3"));
    printer.print(progress(0));
    now += 2s;
    printer.print(progress(kMiB));
    printer.print(finished("2", "decommission 10.0.0.3", "ok", "done"));
    printer.print(started("3", "cleanup on 10.0.0.1"));
    printer.print(finished("3", "cleanup on 10.0.0.1", "failed", "the cleanup of 10.0.0.1 failed: disk full"));
    printer.print({{"event", "run_finished"}, {"run_id", "r1"}, {"status", "failed"}, {"message", "step 3 failed"}});
  }

  static Document started(const std::string& step, const std::string& title) {
    return {{"event", "step_started"}, {"run_id", "r1"}, {"step", step}, {"title", title}};
  }
  static Document finished(const std::string& step, const std::string& title, const std::string& status,
                           const std::string& message) {
    return {{"event", "step_finished"}, {"run_id", "r1"},   {"step", step},
            {"title", title},           {"status", status}, {"message", message}};
  }
  static Document progress(std::int64_t done) {
    return {{"event", "progress"}, {"run_id", "r1"}, {"step", "2"},       {"operation", "decommission"},
            {"node", "10.0.0.3"},  {"done", done},   {"total", 4 * kMiB}, {"unit", "bytes"}};
  }

  ringctl::LiveOutput bar(bool enabled, std::ostream& out, int columns) {
    return {enabled, &out, columns, [this] { return now; }};
  }
};

// The lines of `text` as a terminal leaves them: each "\r\033[K" clears the line drawn before.
std::vector<std::string> redraws(const std::string& text) {
  std::vector<std::string> drawn;
  const std::string clear = "\r\033[K";
  for (std::size_t at = text.find(clear); at != std::string::npos;) {
    const std::size_t next = text.find(clear, at + clear.size());
    drawn.push_back(
        text.substr(at + clear.size(), next == std::string::npos ? std::string::npos : next - at - clear.size()));
    at = next;
  }
  return drawn;
}

const std::string kStepList =
    "Run r1 of playbook scale-down\n"
    "  ▸ 1  pre-flight\n"
    "  ✓ 1  pre-flight: preflight: ok (0.5 s)\n"
    "  ▸ 2  decommission 10.0.0.3\n"
    "  ✓ 2  decommission 10.0.0.3: done\n"
    "  ▸ 3  cleanup on 10.0.0.1\n"
    "  ✗ 3  cleanup on 10.0.0.1: the cleanup of 10.0.0.1 failed: disk full\n"
    "Run r1 failed: step 3 failed\n";

// What the scripted run shows: the step list, and what reached the terminal (`columns` wide,
// a terminal only when `tty`).
struct Shown {
  std::string list, terminal;
};
Shown shown(bool tty, int columns) {
  ScriptedRun run;
  std::ostringstream list, terminal;
  ringctl::RunEventPrinter printer(ringctl::OutputFormat::kTable, list, run.bar(tty, terminal, columns));
  run.play(printer);
  return {list.str(), terminal.str()};
}

}  // namespace

TEST_CASE("on a terminal a run shows ticks, a cross for the failed step, and the bar with percent, rate and ETA") {
  const Shown run = shown(true, 100);

  CHECK(run.list == kStepList);
  const std::vector<std::string> drawn = redraws(run.terminal);
  REQUIRE(drawn.size() == 3);  // the two progress events, then the bar cleared at the step's end
  // The first sight of a job has no rate yet: no ETA either.
  CHECK(drawn[0].find("10.0.0.3 [>") == 0);
  CHECK(drawn[0].find("0 bytes / 4 MiB  0%  ETA ?") != std::string::npos);
  // 1 MiB in 2 s: 512 KiB/s, and 3 MiB left is 6 s.
  CHECK_MESSAGE(drawn[1].find("10.0.0.3 [=======>") == 0, drawn[1]);
  CHECK_MESSAGE(drawn[1].find("1 MiB / 4 MiB  25%  512 KiB/s  ETA 6s") != std::string::npos, drawn[1]);
  CHECK(drawn[2].empty());
  CHECK(run.terminal.back() == 'K');  // nothing left drawn after the step ended
}

TEST_CASE("the bar narrows to the terminal's width and a line never reaches its last column") {
  const Shown run = shown(true, 60);

  const std::vector<std::string> drawn = redraws(run.terminal);
  REQUIRE(drawn.size() == 3);
  CHECK_MESSAGE(drawn[1].size() <= 59, drawn[1]);
  CHECK_MESSAGE(drawn[1].find("25%  512 KiB/s  ETA 6s") != std::string::npos, drawn[1]);
}

TEST_CASE("off a terminal the run shows the same step list and no control sequence at all") {
  const Shown run = shown(false, 100);

  CHECK(run.list == kStepList);
  CHECK(run.terminal.empty());
  CHECK(run.list.find('\033') == std::string::npos);
  CHECK(run.list.find('\r') == std::string::npos);
}
