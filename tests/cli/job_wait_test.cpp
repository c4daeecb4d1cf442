// Following a job to its end, and what its end means as an exit code.
#include <doctest/doctest.h>

#include <deque>

#include "exit_codes.h"
#include "job_wait.h"
#include "support/fake_clock.h"
#include "text/progress.h"

namespace {

using nlohmann::json;
using namespace std::chrono_literals;

json job(const std::string& state, int done, int total = 100) {
  return {{"id", "j1"},
          {"operation", "decommission"},
          {"state", state},
          {"progress", {{"done", done}, {"total", total}, {"unit", "bytes"}}},
          {"error", nullptr}};
}

// A clock that moves only when the waiter sleeps, and remembers the pauses.
using FakeTime = test_support::FakeClock;

struct Run {
  std::vector<ringctl::JobEvent> events;
  ringctl::JobEvent final_event;
};

// answers: the job as started, then what each poll returns (the last one repeats).
Run follow(std::deque<json> answers, ringctl::WaitOptions options, FakeTime& time) {
  REQUIRE(answers.size() >= 2);
  Run run;
  const json first = answers.front();
  answers.pop_front();
  run.final_event = ringctl::wait_for_job(
      first,
      [&answers](const std::string& id) {
        CHECK(id == "j1");
        json next = answers.front();
        if (answers.size() > 1) answers.pop_front();
        return next;
      },
      [&run](const ringctl::JobEvent& e) { run.events.push_back(e); }, options, time.clock());
  return run;
}

std::vector<std::string> kinds(const Run& run) {
  std::vector<std::string> result;
  for (const auto& e : run.events) result.push_back(e.event);
  return result;
}

int exit_code_of(const ringctl::JobEvent& final_event) {
  try {
    ringctl::raise_for(final_event, "127.0.0.1:7070");
    return ringctl::kExitOk;
  } catch (const ringcore::Error& e) {
    return ringctl::exit_code_for(e);
  }
}

}  // namespace

TEST_CASE("a job followed to success: a progress event per change, then done, polls back off 200 ms to 1 s") {
  FakeTime time;
  const Run run = follow({job("running", 0), job("running", 0), job("running", 10), job("running", 10),
                          job("running", 60), job("running", 60), job("succeeded", 100)},
                         {}, time);
  CHECK(kinds(run) == std::vector<std::string>{"progress", "progress", "progress", "done"});
  CHECK(run.final_event.job["progress"]["done"] == 100);
  CHECK(time.pauses == std::vector<std::chrono::milliseconds>{200ms, 400ms, 800ms, 1000ms, 1000ms, 1000ms});
  CHECK(exit_code_of(run.final_event) == 0);
}

TEST_CASE("a failed job ends with a failed event and exit code 2, carrying the job's error") {
  FakeTime time;
  json failed = job("failed", 30);
  failed["error"] = "stream from 127.0.0.2 broke";
  const Run run = follow({job("running", 0), failed}, {}, time);
  CHECK(kinds(run) == std::vector<std::string>{"progress", "failed"});
  CHECK(exit_code_of(run.final_event) == 2);
  CHECK_THROWS_WITH(ringctl::raise_for(run.final_event, "127.0.0.1:7070"),
                    "decommission job j1 failed: stream from 127.0.0.2 broke");
}

TEST_CASE("waiting past --timeout ends with a timeout event and exit code 3, never sleeping past the deadline") {
  FakeTime time;
  ringctl::WaitOptions options;
  options.timeout = 1500ms;
  const Run run = follow({job("running", 5), job("running", 5)}, options, time);
  CHECK(kinds(run) == std::vector<std::string>{"progress", "timeout"});
  CHECK(time.pauses == std::vector<std::chrono::milliseconds>{200ms, 400ms, 800ms, 100ms});
  CHECK(exit_code_of(run.final_event) == 3);
}

TEST_CASE("a job whose agent stops answering for good: asked again for the grace, then unknown and exit 7") {
  FakeTime time;
  int polls = 0;
  std::chrono::steady_clock::time_point last_answer;
  std::vector<ringctl::JobEvent> events;
  const ringctl::JobEvent final_event = ringctl::wait_for_job(
      job("running", 10),
      [&](const std::string&) -> json {
        if (++polls >= 2) throw ringcore::Error(ringcore::ErrorCode::kUnavailable, "connection refused");
        last_answer = time.now;
        return job("running", 20);
      },
      [&events](const ringctl::JobEvent& e) { events.push_back(e); }, {}, time.clock());
  REQUIRE(events.size() == 4);
  // Said once, at the first poll without an answer, with why; not again at every poll after.
  CHECK(events[2].event == "unanswered");
  CHECK(events[2].reason == "connection refused");
  CHECK(events.back().event == "unknown");
  CHECK(events.back().reason == "connection refused");
  CHECK(polls > 3);                                  // asked again through the outage
  CHECK(time.now - last_answer >= 30s);              // for the whole grace
  CHECK(time.now - last_answer < 31s);               // and no longer
  CHECK(final_event.job["progress"]["done"] == 20);  // the job as last seen
  CHECK(exit_code_of(final_event) == 7);
  CHECK_THROWS_WITH(ringctl::raise_for(final_event, "127.0.0.1:7070"),
                    doctest::Contains("ringctl jobs -h 127.0.0.1:7070 --wait j1"));
}

TEST_CASE("a job whose agent restarts is followed through the outage to its end") {
  FakeTime time;
  int polls = 0;
  const auto restarting = [&](const std::string&) -> json {
    ++polls;
    if (polls == 2) throw ringcore::Error(ringcore::ErrorCode::kUnavailable, "connection refused");
    if (polls == 3) throw ringcore::Error(ringcore::ErrorCode::kTimedOut, "timed out after 2 s");
    return polls < 5 ? job("running", 50) : job("succeeded", 100);
  };
  std::vector<std::string> seen;
  const ringctl::JobEvent final_event = ringctl::wait_for_job(
      job("running", 10), restarting, [&seen](const ringctl::JobEvent& e) { seen.push_back(e.event); }, {},
      time.clock());
  CHECK(final_event.event == "done");
  // The gap said once (two polls unanswered), and the first answer after it reported though the
  // job had not moved: the wait rode through.
  CHECK(seen == std::vector<std::string>{"progress", "progress", "unanswered", "progress", "done"});
  CHECK(exit_code_of(final_event) == 0);
}

TEST_CASE("a job whose node pauses behind a live agent is followed through the pause to its end") {
  // A JVM's collector can stop a node for seconds, longer than its agent waits for it: the agent
  // answers, saying its node did not. That is a gap like an agent's own, not the job's end.
  FakeTime time;
  int polls = 0;
  const auto paused = [&](const std::string&) -> json {
    ++polls;
    if (polls == 2 || polls == 3) {
      throw ringcore::Error(ringcore::ErrorCode::kNodeUnavailable,
                            "agent 127.0.0.1:7070: node 127.0.0.1:9042: no answer: timed out after 2 s");
    }
    return polls < 5 ? job("running", 50) : job("succeeded", 100);
  };
  std::vector<ringctl::JobEvent> events;
  const ringctl::JobEvent final_event = ringctl::wait_for_job(
      job("running", 10), paused, [&events](const ringctl::JobEvent& e) { events.push_back(e); }, {}, time.clock());
  CHECK(final_event.event == "done");
  REQUIRE(events.size() == 5);
  CHECK(events[2].event == "unanswered");
  CHECK(events[2].reason.find("node 127.0.0.1:9042") != std::string::npos);
  CHECK(events[3].event == "progress");
  CHECK(exit_code_of(final_event) == 0);
}

TEST_CASE("a job whose node stays silent behind a live agent ends unknown after the grace, exit 7") {
  FakeTime time;
  std::chrono::steady_clock::time_point last_answer;
  int polls = 0;
  const ringctl::JobEvent final_event = ringctl::wait_for_job(
      job("running", 10),
      [&](const std::string&) -> json {
        if (++polls >= 2) {
          throw ringcore::Error(ringcore::ErrorCode::kNodeUnavailable,
                                "agent 127.0.0.1:7070: node: connection refused");
        }
        last_answer = time.now;
        return job("running", 20);
      },
      [](const ringctl::JobEvent&) {}, {}, time.clock());
  CHECK(final_event.event == "unknown");
  CHECK(time.now - last_answer >= 30s);
  CHECK(time.now - last_answer < 31s);
  CHECK(exit_code_of(final_event) == 7);
}

TEST_CASE("an answer that is not the job ends the wait at once as unknown: no grace for a job that is gone") {
  FakeTime time;
  int polls = 0;
  const ringctl::JobEvent final_event = ringctl::wait_for_job(
      job("running", 10),
      [&polls](const std::string&) -> json {
        ++polls;
        throw ringcore::Error(ringcore::ErrorCode::kNotFound, "no job j1");
      },
      [](const ringctl::JobEvent&) {}, {}, time.clock());
  CHECK(final_event.event == "unknown");
  CHECK(polls == 1);
}

TEST_CASE("a job that already ended when started is reported at once") {
  FakeTime time;
  const Run run = follow({job("succeeded", 100), job("succeeded", 100)}, {}, time);
  CHECK(kinds(run) == std::vector<std::string>{"done"});
  CHECK(time.pauses.empty());
}

TEST_CASE("exit codes: bad input 1, failures and conflicts 2, timeouts 3, no agent 4") {
  using ringcore::Error;
  using ringcore::ErrorCode;
  CHECK(ringctl::exit_code_for(Error::invalid_input("x")) == 1);
  CHECK(ringctl::exit_code_for(Error::not_found("unknown host id")) == 1);
  CHECK(ringctl::exit_code_for(Error::conflict("Not enough live nodes")) == 2);
  CHECK(ringctl::exit_code_for(Error::failed("x")) == 2);
  CHECK(ringctl::exit_code_for(Error(ErrorCode::kInternal, "x")) == 2);
  CHECK(ringctl::exit_code_for(Error::timed_out("x")) == 3);
  CHECK(ringctl::exit_code_for(Error(ErrorCode::kUnauthorized, "x")) == 8);
  CHECK(ringctl::exit_code_for(Error(ErrorCode::kForbidden, "x")) == 8);
  CHECK(ringctl::exit_code_for(Error(ErrorCode::kOutcomeUnknown, "x")) == 7);
  CHECK(ringctl::exit_code_for(Error(ErrorCode::kMethodNotAllowed, "x")) == 2);
  CHECK(ringctl::exit_code_for(Error(ErrorCode::kUnavailable, "x")) == 4);
  CHECK(ringctl::exit_code_for(Error(ErrorCode::kNodeUnavailable, "x")) == 2);  // an agent answered
  const std::string help = ringctl::exit_code_help();
  for (const char* line : {"  0  ", "  1  ", "  2  ", "  3  ", "  4  "}) CHECK(help.find(line) != std::string::npos);
}

TEST_CASE("the progress bar shows sizes, the percentage, the rate and the ETA") {
  // 2.5 MiB left at 128 KiB/s: 20 s.
  CHECK(ringctl::progress_bar(1572864, 4194304, "bytes", 131072.0, 8) ==
        "[===>    ] 1.5 MiB / 4 MiB  37%  128 KiB/s  ETA 20s");
  CHECK(ringctl::progress_bar(4, 12, "ranges", 0.5, 4) == "[=>  ] 4/12 ranges  33%  0.5 ranges/s  ETA 16s");
  CHECK(ringctl::progress_bar(4, 12, "ranges", std::nullopt, 4) == "[=>  ] 4/12 ranges  33%  ETA ?");
  CHECK(ringctl::progress_bar(4, 12, "ranges", 0.0, 4) == "[=>  ] 4/12 ranges  33%  ETA ?");
  CHECK(ringctl::progress_bar(0, 0, "bytes", std::nullopt, 2) == "[  ] 0 bytes / 0 bytes  ?%  ETA ?");
  CHECK(ringctl::format_duration(725) == "12m05s");
  // Fitted to the terminal: the bar narrows to 5 cells before the line is cut.
  const std::string wide = ringctl::fitted_progress_line("repair ", 4, 12, "ranges", std::nullopt, 200);
  CHECK(wide == "repair " + ringctl::progress_bar(4, 12, "ranges", std::nullopt, 30));
  const std::string narrow = ringctl::fitted_progress_line("repair ", 4, 12, "ranges", std::nullopt, 40);
  CHECK(narrow.size() <= 40);
  CHECK(narrow == "repair [==>    ] 4/12 ranges  33%  ETA ?");
  CHECK(ringctl::fitted_progress_line("repair ", 4, 12, "ranges", std::nullopt, 20).size() == 20);
  CHECK(ringctl::format_duration(10920) == "3h02m");
}

TEST_CASE("a job answer is read the same whether ringd wraps it as {job: ...} or ringnode answers it bare") {
  const json bare = job("running", 10);
  CHECK(ringctl::job_of(bare) == bare);
  CHECK(ringctl::job_of({{"job", bare}}) == bare);
}
