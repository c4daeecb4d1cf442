#include "playbook/runner.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>

#include "cluster_survey.h"
#include "exit_codes.h"
#include "playbook/actions.h"
#include "playbook/checks.h"
#include "playbook/cluster_lock.h"
#include "playbook/conditions.h"
#include "playbook/playbook_catalog.h"
#include "playbook/playbook_loader.h"
#include "playbook/run_report.h"
#include "playbook/ssh_launcher.h"
#include "playbook/step_catalog.h"
#include "playbook/variables.h"
#include "ringcore/segments.h"
#include "ringruntime/iso8601.h"

namespace ringctl::playbook {
namespace {

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string now_text() { return ringruntime::format_iso8601_utc(std::chrono::system_clock::now()); }

// Ctrl-C: the first asks the run to stop after the current step (it stays resumable), the
// second stops at once (the journal is consistent at every moment). Either way the operator
// stopped it: exit 6, as exit_code_for_run gives an interrupted run.
std::atomic<int> g_interrupts{0};

void on_interrupt(int) {
  if (g_interrupts.fetch_add(1) >= 1) _exit(kExitAborted);
  static const char message[] =
      "\nringctl: stopping after this step; the run stays resumable (Ctrl-C again to stop now)\n";
  [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, message, sizeof message - 1);
}

class InterruptScope {
 public:
  InterruptScope() {
    g_interrupts = 0;
    struct sigaction action {};
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &previous_);
  }
  ~InterruptScope() { sigaction(SIGINT, &previous_, nullptr); }

 private:
  struct sigaction previous_ {};
};

// The launcher and ssh settings from the run's variables (ringctl-playbook(5) names them).
LauncherSettings settings_from(const Values& values) {
  const auto value_or = [&values](const std::string& name, const std::string& fallback) {
    const auto it = values.find(name);
    return it == values.end() ? fallback : it->second;
  };
  LauncherSettings settings;
  settings.kind = value_or("launcher", "");
  settings.lab_directory = value_or("lab_dir", "");
  settings.hosts = list_items(value_or("hosts", ""));
  settings.start_command = value_or("start_command", "");
  settings.stop_command = value_or("stop_command", "");
  settings.ssh_user = value_or("ssh_user", "");
  settings.ssh_identity_file = value_or("ssh_identity_file", "");
  settings.ssh_known_hosts = value_or("ssh_known_hosts", "");
  if (const std::string port = value_or("ssh_port", ""); !port.empty()) settings.ssh_port = std::stoi(port);
  if (const std::string timeout = value_or("ssh_connect_timeout", ""); !timeout.empty()) {
    settings.connect_timeout = std::chrono::seconds(std::stoi(timeout));
  }
  if (const std::string throughput = value_or("stream_throughput_mib", ""); !throughput.empty()) {
    settings.stream_throughput_mib = std::stod(throughput);
  }
  return settings;
}

// The variables' launcher settings over the cluster entry's launcher and lab directory.
LauncherSettings run_launcher_settings(const Values& values, const SnapshotSource& source) {
  return with_cluster_defaults(settings_from(values), cluster_launch(source));
}

// Refuses, before anything runs (no journal, no lock, no step), a run that would start or stop
// nodes with no launcher, or with the lab launcher on a cluster that is not a lab: its `lab
// add` would grow whatever lab this machine has, not the cluster.
void check_run_launcher(const Playbook& playbook, const Values& variables, const ClusterLaunch& cluster) {
  if (!uses_launcher(playbook.steps)) return;
  check_launcher_fits(with_cluster_defaults(settings_from(variables), cluster), cluster).value_or_throw();
}

// The lock of the cluster a topology run works on: the cluster config's entry for it when there
// is one (the one that lists the -h agent, or --cluster, or the default), so that two runs naming
// one cluster differently still take one lock; else what the run was given.
std::string run_lock_name(const ClusterLaunch& cluster, const SnapshotSource& source) {
  return cluster_lock_name(cluster.registered ? cluster.name : source.cluster, source.host);
}

// The items of a foreach over primary_segments: `node`'s primary ranges in the ring of
// `snapshot`, split into `count` token segments, each "(left,right]" (a repair's with.range).
std::vector<std::string> primary_segment_items(const ringcore::ClusterSnapshot& snapshot, const std::string& node,
                                               const std::string& count_text) {
  const auto count = non_negative_number(count_text);
  if (!count || *count < 1 || *count != static_cast<double>(static_cast<long>(*count)))
    throw ringcore::Error::invalid_input("count: '" + count_text + "' is not a whole number of at least 1");
  const ringcore::TokenRing ring(snapshot);
  for (ringcore::NodeIndex i = 0; i < snapshot.nodes.size(); ++i) {
    if (snapshot.nodes[i].address != node) continue;
    const std::vector<ringcore::TokenRange> ranges = ringcore::primary_ranges_of(ring, i);
    if (ranges.empty()) throw ringcore::Error::invalid_input(node + " has no token in the ring: no primary range");
    std::vector<std::string> items;
    for (const ringcore::TokenRange& segment : ringcore::split_into_segments(ranges, static_cast<std::size_t>(*count)))
      items.push_back(ringcore::format_range(segment));
    return items;
  }
  throw ringcore::Error::invalid_input("node: " + node + " is not in the cluster");
}

// Stops the walk through the steps with a run status.
struct Stop {
  RunStatus status;
  std::string message;
  std::optional<ringcore::Error> error;
};

std::optional<std::string> ask_on_terminal(const std::string& prompt) {
  if (isatty(STDIN_FILENO) == 0) return std::nullopt;
  std::cerr << prompt << ' ' << std::flush;
  std::string line;
  if (!std::getline(std::cin, line)) return std::nullopt;
  return line;
}

class Runner {
 public:
  Runner(const Playbook& playbook, RunJournal journal, const RunOptions& options, const EventSink& sink)
      : playbook_(playbook), journal_(std::move(journal)), options_(options), sink_(sink), values_(journal_.variables) {
    values_["run_id"] = journal_.run_id;
    if (!options_.ask) options_.ask = ask_on_terminal;
  }

  RunOutcome run(bool resumed) {
    emit({{"event", resumed ? "run_resumed" : "run_started"},
          {"playbook", playbook_.name},
          {"dry_run", options_.dry_run},
          {"variables", journal_.variables},
          {"steps", playbook_.steps.size()}});
    std::optional<Stop> stop;
    try {
      execute(playbook_.steps, "", values_);
    } catch (const Stop& s) {
      stop = s;
    }
    if (!stop && dry_run_block_) stop = Stop{RunStatus::kBlocked, *dry_run_block_, std::nullopt};
    RunOutcome outcome;
    outcome.run_id = journal_.run_id;
    outcome.status = stop ? stop->status : RunStatus::kSucceeded;
    outcome.message = stop ? stop->message : "every step finished";
    outcome.error = stop ? stop->error : std::nullopt;
    if (!options_.dry_run) {
      journal_.status = outcome.status;
      journal_.message = outcome.status == RunStatus::kSucceeded ? "" : outcome.message;
      journal_.finished_at = outcome.status == RunStatus::kInterrupted ? "" : now_text();
      save();
      outcome.report_path = write_run_report(journal_);
    }
    Document finished = {
        {"event", "run_finished"}, {"status", run_status_name(outcome.status)}, {"message", outcome.message}};
    // A failed run exits 2 whatever went wrong: the error's code tells a script what it was.
    if (outcome.error) finished["error"] = ringcore::error_code_name(outcome.error->code());
    if (!options_.dry_run) {
      finished["journal"] = run_directory(journal_.run_id) + "/journal.json";
      finished["report"] = outcome.report_path;
    }
    emit(finished);
    return outcome;
  }

 private:
  void emit(Document event) {
    Document shown = {{"event", event["event"]}, {"run_id", journal_.run_id}};
    for (auto& [key, value] : event.items()) {
      if (key != "event") shown[key] = value;
    }
    sink_(shown);
  }

  void save() {
    if (!options_.dry_run) save_journal(journal_);
  }

  // The launcher the variables name, else the cluster entry's (run_launcher_settings).
  Launcher& launcher() {
    if (!launcher_) launcher_ = make_launcher(run_launcher_settings(values_, options_.source)).value_or_throw();
    return *launcher_;
  }

  LauncherSettings launcher_settings() const { return settings_from(values_); }

  std::string value_or(const std::string& name, const std::string& fallback) const {
    const auto it = values_.find(name);
    return it == values_.end() ? fallback : it->second;
  }

  std::vector<std::string> foreach_items(const Step& step, const Values& values) {
    if (step.what == "new_nodes") {
      std::vector<std::string> items;
      const int count = std::stoi(values.count("count") ? values.at("count") : "1");
      for (int i = 1; i <= count; ++i) items.push_back(std::to_string(i));
      return items;
    }
    if (step.what == "nodes") {
      std::vector<std::string> items;
      for (const ringcore::Node& node : survey_cluster(options_.source).snapshot.nodes) items.push_back(node.address);
      return items;
    }
    if (step.what == kPrimarySegments) {
      const std::string node = fill_template(step.params.at("node"), values).value_or_throw();
      const std::string count = fill_template(step.params.at("count"), values).value_or_throw();
      return primary_segment_items(survey_cluster(options_.source).snapshot, node, count);
    }
    return list_items(values.count(step.what) ? values.at(step.what) : "");
  }

  void execute(const std::vector<Step>& steps, const std::string& prefix, Values& values) {
    for (std::size_t i = 0; i < steps.size(); ++i) {
      const Step& step = steps[i];
      const std::string path = prefix + std::to_string(i + 1);
      if (g_interrupts > 0) {
        throw Stop{
            RunStatus::kInterrupted,
            "stopped by Ctrl-C before step " + path + "; resume with: ringctl playbook resume " + journal_.run_id,
            std::nullopt};
      }
      if (const StepRecord* done = journal_.find(path); done != nullptr && done->state == StepState::kFinished) {
        for (const auto& [key, value] : done->exports) values[key] = value;
        if (step.kind != StepKind::kForeach) {
          emit({{"event", "step_finished"},
                {"step", path},
                {"title", done->title},
                {"status", "done_before"},
                {"message", "finished in an earlier attempt: not run again"}});
          continue;
        }
      }
      if (step.kind == StepKind::kForeach) {
        run_foreach(step, path, values);
      } else {
        run_step(step, path, values);
      }
    }
  }

  void run_foreach(const Step& step, const std::string& path, Values& values) {
    StepRecord& record = journal_.record(path);
    const bool first_time = record.items.empty() && record.state != StepState::kFinished;
    if (first_time) {
      record.title = fill_template(step_title(step), values).value_or_throw();
      record.kind = "foreach";
      record.started_at = now_text();
      try {
        record.items = foreach_items(step, values);
      } catch (const ringcore::Error& error) {
        // Nothing of the foreach ran: a resume works the list out again.
        throw Stop{RunStatus::kFailed, "step " + path + " (" + record.title + "): " + error.message(), error};
      }
      save();
    }
    const std::vector<std::string> items = record.items;  // the record may move as others are added
    const std::string title = record.title;
    emit({{"event", "step_started"}, {"step", path}, {"title", title}, {"kind", "foreach"}, {"items", items}});
    const auto started = Clock::now();
    std::vector<std::string> started_nodes;  // new_nodes: what each item's start_node exported
    for (std::size_t j = 0; j < items.size(); ++j) {
      Values scoped = values;
      scoped[step.as] = items[j];
      scoped[step.as + "_index"] = std::to_string(j + 1);  // 1-based, e.g. a launcher's ordinal
      execute(step.steps, path + "." + std::to_string(j + 1) + ".", scoped);
      if (const auto it = scoped.find("new_node"); it != scoped.end()) started_nodes.push_back(it->second);
    }
    if (step.what == "new_nodes") {
      // Resumed, the items' finished steps give back their exports, so the list is the same.
      if (!started_nodes.empty()) started_nodes.pop_back();
      std::string earlier;
      for (const std::string& node : started_nodes) earlier += (earlier.empty() ? "" : ",") + node;
      values[kEarlierNewNodes] = earlier;
    }
    StepRecord& finished = *journal_.find(path);
    finished.state = StepState::kFinished;
    finished.finished_at = now_text();
    finished.seconds += std::chrono::duration<double>(Clock::now() - started).count();
    save();
    emit({{"event", "step_finished"},
          {"step", path},
          {"title", title},
          {"status", "ok"},
          {"message", std::to_string(items.size()) + " items"}});
  }

  void run_step(const Step& step, const std::string& path, Values& values) {
    const std::string title = fill_template(step_title(step), values).value_or_throw();
    Values params;
    for (const auto& [key, text] : step.params) params[key] = fill_template(text, values).value_or_throw();
    const std::string what = fill_template(step.what, values).value_or_throw();
    StepRecord scratch;
    StepRecord& record = options_.dry_run ? scratch : journal_.record(path);
    const bool resumed = record.state == StepState::kStarted && !record.started_at.empty();
    record.title = title;
    record.kind = step_kind_name(step.kind);
    record.state = StepState::kStarted;
    if (record.started_at.empty()) record.started_at = now_text();
    save();  // before the step: a crash from here on finds it unfinished
    emit({{"event", "step_started"}, {"step", path}, {"title", title}, {"kind", record.kind}, {"resumed", resumed}});

    StepContext context{options_.source,
                        params,
                        record,
                        [this] { save(); },
                        [this, path](Document event) {
                          Document tagged = {{"event", event["event"]}, {"step", path}};
                          for (auto& [key, value] : event.items()) {
                            if (key != "event") tagged[key] = value;
                          }
                          emit(tagged);
                        },
                        [this]() -> Launcher& { return launcher(); },
                        options_.dry_run};
    const auto started = Clock::now();
    StepOutcome outcome;
    std::optional<Stop> stop;
    try {
      outcome = options_.dry_run ? dry_run_step(step, what, context) : run_kind(step, what, context);
    } catch (const RunHalt& halt) {
      stop = Stop{halt.status(), halt.what(), std::nullopt};
    } catch (const ringcore::Error& error) {
      const RunStatus status =
          error.code() == ringcore::ErrorCode::kTimedOut ? RunStatus::kTimedOut : RunStatus::kFailed;
      stop = Stop{status, "step " + path + " (" + title + "): " + error.message(), error};
    }
    record.seconds += std::chrono::duration<double>(Clock::now() - started).count();
    if (stop && options_.dry_run && stop->status == RunStatus::kBlocked) {
      dry_run_block_ = stop->message;  // a dry run shows every step: it goes on, and ends blocked
      outcome.message = stop->message;
      stop.reset();
    }
    if (stop) {
      record.message = stop->message;
      // Failed and blocked steps stay unfinished: a resume runs them again.
      record.state = stop->status == RunStatus::kTimedOut || stop->status == RunStatus::kInterrupted
                         ? StepState::kStarted
                         : StepState::kFailed;
      save();
      emit({{"event", "step_finished"},
            {"step", path},
            {"title", title},
            {"status", run_status_name(stop->status)},
            {"message", stop->message},
            {"seconds", record.seconds}});
      throw *stop;
    }
    record.state = StepState::kFinished;
    record.finished_at = now_text();
    record.exports = outcome.exports;
    record.result = outcome.result;
    record.message = outcome.message;
    save();  // after the step
    for (const auto& [key, value] : outcome.exports) values[key] = value;
    emit({{"event", "step_finished"},
          {"step", path},
          {"title", title},
          {"status", "ok"},
          {"message", outcome.message},
          {"seconds", record.seconds}});
  }

  StepOutcome run_kind(const Step& step, const std::string& what, StepContext& context) {
    switch (step.kind) {
      case StepKind::kCheck:
        return run_check(what, context);
      case StepKind::kAct:
        return run_action(what, context);
      case StepKind::kWait:
        return wait_for_condition(what, context);
      case StepKind::kAsk:
        return ask(what, context);
      case StepKind::kSsh:
        return run_ssh(what, context);
      case StepKind::kForeach:
        break;
    }
    throw ringcore::Error(ringcore::ErrorCode::kInternal, "a foreach is not a single step");
  }

  // An ssh step: `command` on the step's host, as the run's ssh variables say; its exit status
  // and output go into the journal. A non-zero exit status fails the step.
  StepOutcome run_ssh(const std::string& command, StepContext& context) {
    const LauncherSettings settings = launcher_settings();
    check_ssh_settings(settings).value_or_throw();
    const ssh::SshTarget target = ssh_target(settings, context.param("host"));
    const auto timeout = std::chrono::seconds(static_cast<long>(context.seconds("timeout", 300)));
    const ssh::CommandResult ran = ssh::run_command(target, command, timeout).value_or_throw();
    StepOutcome outcome;
    outcome.result = {{"host", target.host},
                      {"command", command},
                      {"exit_status", ran.exit_status},
                      {"out", ran.out},
                      {"err", ran.err}};
    if (ran.exit_status != 0) {
      context.record.result = outcome.result;  // a failed command's output is what the operator needs most
      throw ringcore::Error::failed(command + " on " + target.host + " exited " + std::to_string(ran.exit_status) +
                                    (ran.err.empty() ? "" : ": " + ran.err));
    }
    outcome.message = "ran on " + target.host + ": " + command;
    return outcome;
  }

  // Checks run (they only read); everything else is shown as what it would do.
  StepOutcome dry_run_step(const Step& step, const std::string& what, StepContext& context) {
    StepOutcome outcome;
    if (step.kind == StepKind::kCheck) return run_check(what, context);
    if (step.kind == StepKind::kAct) {
      outcome.message = describe_action(what, context);
      if (const CatalogEntry* entry = find_entry(step.kind, what)) {
        for (const std::string& name : entry->exports)
          outcome.exports[name] = "<" + name + " " + context.param("with.ordinal", "") + ">";
      }
    } else if (step.kind == StepKind::kWait) {
      outcome.message =
          "would wait until " + what + (context.param("node").empty() ? "" : " for " + context.param("node"));
    } else if (step.kind == StepKind::kAsk) {
      outcome.message = "would ask: " + what;
    } else {
      outcome.message = "would run on " + context.param("host") + ": " + what;
    }
    context.emit({{"event", "would"}, {"message", outcome.message}});
    return outcome;
  }

  StepOutcome ask(const std::string& question, StepContext& context) {
    StepOutcome outcome;
    const std::string expect = context.param("expect");
    const std::string answer_var = context.param("answer_var");
    if (!expect.empty()) {
      const std::string given = answer_var.empty() ? "" : value_or(answer_var, "");
      if (!given.empty()) {
        if (given != expect) {
          throw RunHalt(RunStatus::kBlocked, "check " + (answer_var.empty() ? std::string("answer") : answer_var) +
                                                 ": --var " + answer_var + "=" + given + " does not match " + expect +
                                                 "; nothing was changed");
        }
        outcome.message = answer_var + " matches";
        return outcome;
      }
      const auto typed = options_.ask(question + " Type " + expect + " to confirm:");
      if (!typed) {
        throw RunHalt(RunStatus::kAborted,
                      "'" + question + "' needs the value typed on a terminal" +
                          (answer_var.empty() ? std::string() : " or --var " + answer_var + "=VALUE"));
      }
      if (*typed != expect) throw RunHalt(RunStatus::kAborted, "the operator typed '" + *typed + "', not " + expect);
      outcome.message = "confirmed by typing " + expect;
      return outcome;
    }
    if (options_.yes) {
      outcome.message = "yes (--yes)";
      return outcome;
    }
    context.emit({{"event", "ask"}, {"question", question}});
    const auto answer = options_.ask(question + " [y/N]");
    if (!answer)
      throw RunHalt(RunStatus::kAborted, "'" + question + "' needs an answer: run on a terminal or give --yes");
    if (*answer != "y" && *answer != "yes")
      throw RunHalt(RunStatus::kAborted, "the operator answered no to '" + question + "'");
    outcome.message = "yes";
    return outcome;
  }

  const Playbook& playbook_;
  RunJournal journal_;
  RunOptions options_;
  const EventSink& sink_;
  Values values_;
  std::unique_ptr<Launcher> launcher_;
  std::optional<std::string> dry_run_block_;
};

Json source_document(const SnapshotSource& source) { return {{"host", source.host}, {"cluster", source.cluster}}; }

}  // namespace

RunOutcome start_run(const Playbook& playbook, const Values& variables, const RunOptions& options,
                     const EventSink& sink) {
  RunJournal journal;
  journal.run_id = options.dry_run ? "dry-run" : new_run_id(playbook.name);
  journal.playbook = playbook.name;
  journal.playbook_path = playbook.path;
  journal.variables = variables;
  journal.source = source_document(options.source);
  journal.started_at = now_text();
  journal.pid = static_cast<int>(getpid());
  const ClusterLaunch cluster = cluster_launch(options.source);  // the config read once for both
  check_run_launcher(playbook, variables, cluster);
  std::optional<ClusterLock> lock;
  if (playbook.topology && !options.dry_run) lock.emplace(run_lock_name(cluster, options.source), journal.run_id);
  if (!options.dry_run) save_journal(journal);
  InterruptScope interrupts;
  return Runner(playbook, std::move(journal), options, sink).run(false);
}

RunOutcome resume_run(const std::string& run_id, const RunOptions& options, const EventSink& sink) {
  RunJournal journal = load_journal(run_id).value_or_throw();
  const RunStatus shown = run_status_shown(journal);
  if (shown == RunStatus::kRunning) {
    throw ringcore::Error::conflict("run " + run_id + " is still being run by process " + std::to_string(journal.pid));
  }
  if (shown == RunStatus::kSucceeded) {
    throw ringcore::Error::invalid_input("run " + run_id + " has ended (" + run_status_name(shown) +
                                         "); start a new one");
  }
  const Playbook playbook = load_playbook(journal.playbook_path).value_or_throw();
  RunOptions resumed = options;
  if (resumed.source.host.empty() && resumed.source.cluster.empty()) {
    resumed.source.host = journal.source.value("host", "");
    resumed.source.cluster = journal.source.value("cluster", "");
  }
  const ClusterLaunch cluster = cluster_launch(resumed.source);
  check_run_launcher(playbook, journal.variables, cluster);
  std::optional<ClusterLock> lock;
  if (playbook.topology) lock.emplace(run_lock_name(cluster, resumed.source), run_id);
  journal.status = RunStatus::kRunning;
  journal.message.clear();
  journal.pid = static_cast<int>(getpid());
  save_journal(journal);
  InterruptScope interrupts;
  return Runner(playbook, std::move(journal), resumed, sink).run(true);
}

}  // namespace ringctl::playbook
