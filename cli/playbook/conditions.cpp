#include "playbook/conditions.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>
#include <set>

#include "agent_client.h"
#include "cluster_survey.h"
#include "playbook/actions.h"
#include "playbook/health_thresholds.h"
#include "ringcore/health_checks.h"
#include "ringruntime/wait.h"
#include "ringruntime/yaml_config.h"  // joined
#include "views/json_fields.h"

namespace ringctl::playbook {
namespace {

using Json = nlohmann::json;

constexpr auto kFirstInterval = std::chrono::milliseconds(300);
constexpr auto kMaxInterval = std::chrono::milliseconds(2000);

// How many answering views list `address` up and normal, and how many views there are.
struct ViewCount {
  int normal = 0;
  int views = 0;
  int listing = 0;  // views (other than the node's own) that still list it
  int down = 0;     // of those, the views that show it down
  int answered = 0;
  bool own_view = false;
};

ViewCount count_views(const ClusterSurvey& survey, const std::string& address) {
  ViewCount count;
  for (const ringcore::PeerView& view : survey.observations.views.value_or(std::vector<ringcore::PeerView>{})) {
    ++count.views;
    if (!view.answered) continue;
    ++count.answered;
    if (view.observer == address) count.own_view = true;
    for (const ringcore::Node& node : view.snapshot.nodes) {
      if (node.address != address) continue;
      if (view.observer != address) ++count.listing;
      if (view.observer != address && node.status == ringcore::NodeStatus::kDown) ++count.down;
      if (node.status == ringcore::NodeStatus::kUp && node.state == ringcore::NodeState::kNormal) ++count.normal;
    }
  }
  return count;
}

// The node is in no view of the other nodes, and every other node answered: it has left.
bool gone_from_other_views(const ViewCount& count) {
  const int others = count.views - (count.own_view ? 1 : 0);
  const int others_answered = count.answered - (count.own_view ? 1 : 0);
  return others_answered > 0 && others_answered == others && count.listing == 0;
}

// The node's latest bootstrap job as its agent lists it (the last one started: a restarted
// node resumes its bootstrap as a new job), or null while its agent does not answer.
Json latest_bootstrap(const StepContext& context, const std::string& address) {
  try {
    AgentOptions options = agent_options(context.source);
    options.agents = {agent_for_node(context.source, address)};
    options.timeout = std::chrono::seconds(2);
    AgentClient agent(std::move(options));
    const Json jobs = agent.get("/v1/jobs");
    Json latest = nullptr;
    for (const Json& job : json_array(jobs, "jobs")) {
      // ISO-8601 UTC times of one format order as text.
      if (json_text(job, "operation") == "bootstrap" &&
          (latest.is_null() || json_text(job, "started_at") >= json_text(latest, "started_at")))
        latest = job;
    }
    return latest;
  } catch (const ringcore::Error&) {
    return nullptr;  // its agent is not up yet: nothing to show
  }
}

// A join that can no longer end by itself: the node's bootstrap failed, and it stays out of
// the ring until the bootstrap is resumed (Cassandra: `nodetool bootstrap resume`; a ringnode
// resumes it when restarted). Waiting on would only wait out the timeout. The usual cause is a
// stream source that died or hung, which the error names: restarted while that source is still
// down, the node would wait for it and fail again, so the advice starts with it.
void fail_if_bootstrap_failed(const Json& bootstrap, const std::string& address) {
  if (json_text(bootstrap, "state") != "failed") return;
  throw ringcore::Error::failed("the bootstrap of " + address +
                                " failed: " + json_text(bootstrap, "error", "no reason given") +
                                "; start any node named there that is down, then restart " + address +
                                " to resume its bootstrap, then resume this run");
}

// Watches the scaling alert thresholds for one poll; throws kTimedOut at a critical level.
class AlertWatch {
 public:
  AlertWatch(StepContext& context, const ringruntime::WaitClock& clock)
      : context_(context),
        clock_(clock),
        thresholds_(step_thresholds(context.source, context.params)),
        stall_warn_(context.seconds("with.stall_warn", 1800)),
        stall_critical_(context.seconds("with.stall_critical", 3600)) {}

  void observe(const ClusterSurvey& survey, const Json& progress) {
    const auto report = ringcore::check_health(survey.snapshot, survey.observations, thresholds_, std::nullopt);
    if (report) {
      for (const ringcore::HealthCheck& check : report->checks) {
        if (check.name != "pending_compactions" && check.name != "dropped_messages" && check.name != "disk_usage")
          continue;
        if (check.status == ringcore::CheckStatus::kCritical) {
          alert(check.name, "critical", check.message);
          throw ringcore::Error::timed_out("stopped at the critical level of " + check.name + ": " + check.message);
        }
        if (check.status == ringcore::CheckStatus::kWarn) alert(check.name, "warn", check.message);
      }
    }
    if (progress.is_null()) return;
    const auto now = clock_.now();
    const std::int64_t done = json_int(progress, "done");
    if (!last_done_ || done != *last_done_) {
      last_done_ = done;
      last_change_ = now;
      return;
    }
    const double stalled = std::chrono::duration<double>(now - last_change_).count();
    if (stalled >= stall_critical_) {
      const std::string message = "streaming made no progress for " + std::to_string(static_cast<int>(stalled)) + " s";
      alert("streaming_stalled", "critical", message);
      throw ringcore::Error::timed_out(message + " (critical from " +
                                       std::to_string(static_cast<int>(stall_critical_)) + " s)");
    }
    if (stalled >= stall_warn_)
      alert("streaming_stalled", "warn",
            "streaming made no progress for " + std::to_string(static_cast<int>(stalled)) + " s");
  }

 private:
  // One event per threshold and level.
  void alert(const std::string& name, const std::string& level, const std::string& message) {
    if (!sent_.insert(name + "/" + level).second) return;
    context_.emit({{"event", "threshold"}, {"threshold", name}, {"status", level}, {"message", message}});
  }

  StepContext& context_;
  const ringruntime::WaitClock& clock_;
  ringcore::HealthThresholds thresholds_;
  double stall_warn_, stall_critical_;
  std::optional<std::int64_t> last_done_;
  std::chrono::steady_clock::time_point last_change_;
  std::set<std::string> sent_;
};

// Polls `done` with back-off until it returns true or the timeout passes (kTimedOut). `not_yet`,
// which `done` may keep up to date, is read at the timeout: what the last look found missing,
// so that the message names what to fix (a node down), not only what was waited for.
void poll(StepContext& context, const ringruntime::WaitClock& clock, const std::string& what,
          const std::function<bool()>& done, const std::string& not_yet = "") {
  const auto timeout = std::chrono::duration<double>(context.seconds("timeout", 600));
  const bool held = ringruntime::wait_until(done, std::chrono::duration_cast<std::chrono::milliseconds>(timeout),
                                            kFirstInterval, kMaxInterval, clock);
  if (!held) {
    throw ringcore::Error::timed_out("timed out after " + std::to_string(static_cast<int>(timeout.count())) +
                                     " s waiting until " + what + (not_yet.empty() ? "" : "; not yet: " + not_yet));
  }
}

// Surveys, or nullopt when no agent answered yet (a wait goes on).
std::optional<ClusterSurvey> try_survey(const StepContext& context) {
  try {
    return survey_cluster(context.source);
  } catch (const ringcore::Error& e) {
    if (e.code() == ringcore::ErrorCode::kUnavailable) return std::nullopt;
    throw;
  }
}

// A joining node that every other node sees down was killed or cut off: its join cannot end
// by itself, and the stall watch would only notice after with.stall_critical (an hour by
// default). Throws kFailed (the run stops, resumable) once it has been so for with.down_after
// seconds: long enough for a node restarting by itself to come back.
class DownWatch {
 public:
  DownWatch(StepContext& context, const ringruntime::WaitClock& clock)
      : clock_(clock), down_after_(context.seconds("with.down_after", 30)) {}

  void observe(const ViewCount& count, const std::string& address) {
    if (count.listing == 0 || count.down < count.listing) {
      down_since_.reset();
      return;
    }
    const auto now = clock_.now();
    if (!down_since_) down_since_ = now;
    const double down = std::chrono::duration<double>(now - *down_since_).count();
    if (down < down_after_) return;
    throw ringcore::Error::failed(address + " has been down in every other node's view for " +
                                  std::to_string(static_cast<int>(down)) +
                                  " s: restart it (its bootstrap resumes), then resume this run");
  }

 private:
  const ringruntime::WaitClock& clock_;
  double down_after_;
  std::optional<std::chrono::steady_clock::time_point> down_since_;
};

StepOutcome node_normal_everywhere(StepContext& context, const ringruntime::WaitClock& clock) {
  const std::string address = context.param("node");
  AlertWatch watch(context, clock);
  DownWatch down(context, clock);
  Json last_event;
  Json bootstrap;
  ViewCount last;
  poll(context, clock, address + " is up and normal in every node's view", [&] {
    const auto survey = try_survey(context);
    if (!survey) return false;
    last = count_views(*survey, address);
    bootstrap = latest_bootstrap(context, address);
    fail_if_bootstrap_failed(bootstrap, address);
    const Json progress =
        json_text(bootstrap, "state") == "running" ? bootstrap.value("progress", Json::object()) : Json(nullptr);
    Json event = {{"views_normal", last.normal}, {"views", last.views}};
    if (!progress.is_null()) {
      event["done"] = json_int(progress, "done");
      event["total"] = json_int(progress, "total");
      event["unit"] = json_text(progress, "unit", "bytes");
    }
    if (event != last_event) {
      Document shown = {{"event", "progress"}, {"node", address}};
      for (auto& [key, value] : event.items()) shown[key] = value;
      context.emit(shown);
      last_event = event;
    }
    watch.observe(*survey, progress);
    down.observe(last, address);
    return last.own_view && last.answered == last.views && last.normal == last.views;
  });
  StepOutcome outcome;
  // "operation" marks the join for the report, which sets its bytes streamed against the plan.
  outcome.result = {{"node", address}, {"views", last.views}, {"operation", "bootstrap"}};
  if (json_text(bootstrap, "state") == "succeeded" && bootstrap.contains("progress")) {
    // The finished job's figure: the last one seen while it ran may be from before its end.
    const Json progress = bootstrap["progress"];
    outcome.result["done"] = json_int(progress, "done");
    outcome.result["unit"] = json_text(progress, "unit", "bytes");
  } else if (last_event.contains("done")) {  // the bootstrap stream's last figure seen
    outcome.result["done"] = last_event["done"];
    outcome.result["unit"] = last_event["unit"];
  }
  outcome.message = address + " is up and normal in all " + std::to_string(last.views) + " views";
  return outcome;
}

StepOutcome node_left_everywhere(StepContext& context, const ringruntime::WaitClock& clock) {
  const std::string address = context.param("node");
  ViewCount last;
  int last_listing = -1;
  poll(context, clock, address + " has left every node's view", [&] {
    const auto survey = try_survey(context);
    if (!survey) return false;
    last = count_views(*survey, address);
    if (last.listing != last_listing) {
      context.emit({{"event", "progress"}, {"node", address}, {"views_listing", last.listing}, {"views", last.views}});
      last_listing = last.listing;
    }
    return gone_from_other_views(last);
  });
  StepOutcome outcome;
  outcome.result = {{"node", address}};
  outcome.message = address + " is in no other node's view";
  return outcome;
}

StepOutcome all_normal(StepContext& context, const ringruntime::WaitClock& clock) {
  std::string message;
  poll(context, clock, "every node is up and normal in every view", [&] {
    const auto survey = try_survey(context);
    if (!survey) return false;
    const ringcore::HealthCheck check =
        ringcore::check_nodes_up_normal(survey->snapshot, survey->observations, ringcore::CheckStatus::kCritical);
    message = check.message;
    return check.status == ringcore::CheckStatus::kOk;
  });
  StepOutcome outcome;
  outcome.message = message;
  return outcome;
}

// The observers of the answered views (not stale) collected `seconds` ago or earlier: not after
// the moment that was.
std::vector<std::string> views_collected_before(const ClusterSurvey& survey, double seconds) {
  std::vector<std::string> old;
  for (const ringcore::PeerView& view : survey.observations.views.value_or(std::vector<ringcore::PeerView>{})) {
    if (view.answered && !view.stale && view.age_seconds >= seconds) old.push_back(view.observer);
  }
  return old;
}

// What keeps the rolling restart's gate shut, in words ("" when open): views not answered, or
// answered stale (the agent's own word that its node does not answer: a node killed or hung
// after the wait began, whose last view, collected since, still shows every node up until the
// others convict it), the node's own view missing, views collected before the wait began (a
// view collected before a restart can show the node up while its peers have marked it down
// since), and the checks (every node up and normal, one schema, no hints) not ok.
std::string gate_shut_by(const ClusterSurvey& survey, const std::string& address, double waited_seconds,
                         const std::vector<ringcore::HealthCheck>& checks) {
  std::vector<std::string> reasons;
  bool own_view = false;
  std::vector<std::string> unanswered, stale;
  for (const ringcore::PeerView& view : survey.observations.views.value_or(std::vector<ringcore::PeerView>{})) {
    if (!view.answered) {
      unanswered.push_back(view.observer);
      continue;
    }
    own_view = own_view || view.observer == address;
    if (view.stale) stale.push_back(view.observer);
  }
  const std::vector<std::string> old = views_collected_before(survey, waited_seconds);
  if (!unanswered.empty()) reasons.push_back("no answer from the agent of " + ringruntime::joined(unanswered));
  if (!stale.empty())
    reasons.push_back("the agent of " + ringruntime::joined(stale) + " says its node does not answer");
  if (!own_view && unanswered.empty()) reasons.push_back("no view of " + address + "'s own");
  if (!old.empty())
    reasons.push_back("the view of " + ringruntime::joined(old) + " not collected since the wait began");
  for (const ringcore::HealthCheck& check : checks) {
    const bool ok = check.name == "nodes_up_normal" ? check.status == ringcore::CheckStatus::kOk
                                                    : check.status != ringcore::CheckStatus::kWarn;
    if (!ok) reasons.push_back(check.message);
  }
  std::string text;
  for (const std::string& reason : reasons) text += (text.empty() ? "" : "; ") + reason;
  return text;
}

// The rolling restart's gate before the next node goes down, so that QUORUM never breaks: the
// cluster whole again - every node up and normal in every view, the restarted node's own view
// among them (so it sees its peers too, not only they it) - one schema version, and no node
// holding hints (those written while it was down have reached it). Every view must have been
// collected after the gate began (after the restart), and the gate opens only once every agent
// has collected again after a look that found all this: a node hung or killed just after its
// agent's last collection shows up in that view, and only its agent's next collection, which
// fails, tells. So the gate takes one collection interval more than the cluster needs (1 s for
// a lab's agents). Where no agent reports hints (Cassandra's), that part is not waited for and
// the message says so.
StepOutcome node_ready_everywhere(StepContext& context, const ringruntime::WaitClock& clock) {
  const std::string address = context.param("node");
  const auto started = clock.now();
  Json last_event;
  std::string hints_message;
  std::string not_yet = "no agent answered";
  std::optional<double> ready_at;  // seconds into the wait of the look that found all ready
  poll(
      context, clock,
      "every node is up and normal in every view (" + address + "'s too), the schema agreed and no hints pending",
      [&] {
        const auto survey = try_survey(context);
        if (!survey) return false;
        const ViewCount views = count_views(*survey, address);
        const ringcore::HealthCheck all_normal =
            ringcore::check_nodes_up_normal(survey->snapshot, survey->observations, ringcore::CheckStatus::kCritical);
        const ringcore::HealthCheck schema = ringcore::check_schema_agreement(survey->observations);
        const ringcore::HealthCheck hints = ringcore::check_hints_pending(survey->observations);
        hints_message = hints.message;
        const Json event = {{"views_normal", views.normal},
                            {"views", views.views},
                            {"cluster_normal", all_normal.status == ringcore::CheckStatus::kOk},
                            {"schema_versions", schema.value ? Json(*schema.value) : Json(nullptr)},
                            {"hints_pending", hints.value ? Json(*hints.value) : Json(nullptr)}};
        if (event != last_event) {
          Document shown = {{"event", "progress"}, {"node", address}};
          for (auto& [key, value] : event.items()) shown[key] = value;
          context.emit(shown);
          last_event = event;
        }
        const double waited = std::chrono::duration<double>(clock.now() - started).count();
        not_yet = gate_shut_by(*survey, address, waited, {all_normal, schema, hints});
        if (!not_yet.empty()) {
          ready_at.reset();
          return false;
        }
        if (!ready_at) {
          ready_at = waited;  // looked at again once every view was collected after this look
          not_yet = "every view collected again since all was first seen ready";
          return false;
        }
        const std::vector<std::string> old = views_collected_before(*survey, waited - *ready_at);
        if (old.empty()) return true;
        not_yet = "the view of " + ringruntime::joined(old) + " not collected again since all was first seen ready";
        return false;
      },
      not_yet);
  StepOutcome outcome;
  outcome.result = last_event;
  outcome.result["node"] = address;
  outcome.message =
      "every node is up and normal in every view (" + address + "'s too), the schema agreed; " + hints_message;
  return outcome;
}

}  // namespace

bool has_left_every_view(const StepContext& context, const std::string& address) {
  const auto survey = try_survey(context);
  return survey && gone_from_other_views(count_views(*survey, address));
}

StepOutcome wait_for_condition(const std::string& name, StepContext& context, const ringruntime::WaitClock& clock) {
  if (name == "node_normal_everywhere") return node_normal_everywhere(context, clock);
  if (name == "node_left_everywhere") return node_left_everywhere(context, clock);
  if (name == "all_normal") return all_normal(context, clock);
  if (name == "node_ready_everywhere") return node_ready_everywhere(context, clock);
  throw ringcore::Error(ringcore::ErrorCode::kInternal, "no implementation of condition " + name);
}

}  // namespace ringctl::playbook
