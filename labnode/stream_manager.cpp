#include "stream_manager.h"

#include <algorithm>
#include <thread>

#include "node_identity.h"

namespace ringnode {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;
constexpr double kBurstBytes = 1 << 20;  // a page's worth: a new rate is felt within one page

std::chrono::steady_clock::time_point now() { return std::chrono::steady_clock::now(); }

const char* direction_name(StreamDirection direction) {
  return direction == StreamDirection::kReceiving ? "receiving" : "sending";
}

}  // namespace

StreamManager::StreamManager(double mib_per_second)
    : limiter_(mib_per_second * kMiB, kBurstBytes), mib_per_second_(mib_per_second) {}

std::string StreamManager::begin_plan(const std::string& description, const std::string& job_id) {
  std::lock_guard lock(mutex_);
  std::erase_if(plans_, [&](const Plan& plan) { return plan.ended && plan.description == description; });
  Plan plan;
  plan.id = random_uuid(*entropy_random());
  plan.description = description;
  plan.job_id = job_id;
  plans_.push_back(plan);
  return plan.id;
}

void StreamManager::end_plan(const std::string& plan_id, bool ok) {
  std::lock_guard lock(mutex_);
  for (Plan& plan : plans_) {
    if (plan.id != plan_id) continue;
    plan.ended = true;
    for (Session& session : plan.sessions) session.state = ok ? "complete" : "failed";
  }
}

StreamManager::Session& StreamManager::session(const SessionKey& key) {
  auto plan = std::find_if(plans_.begin(), plans_.end(), [&](const Plan& p) { return p.id == key.plan_id; });
  if (plan == plans_.end()) {
    Plan& other = plans_.emplace_back();
    other.id = key.plan_id;
    other.description = "Other";
    plan = std::prev(plans_.end());
  }
  for (Session& session : plan->sessions) {
    if (session.peer == key.peer && session.direction == key.direction) return session;
  }
  Session& added = plan->sessions.emplace_back();
  added.peer = key.peer;
  added.direction = key.direction;
  return added;
}

void StreamManager::add_total(const SessionKey& key, std::uint64_t bytes, std::uint64_t ranges) {
  std::lock_guard lock(mutex_);
  Session& s = session(key);
  s.total_bytes += bytes;
  s.total_ranges += ranges;
}

void StreamManager::add_done(const SessionKey& key, std::uint64_t bytes, std::uint64_t rows) {
  std::lock_guard lock(mutex_);
  Session& s = session(key);
  s.done_bytes += bytes;
  s.rows += rows;
  s.meter.record(bytes, now());
}

void StreamManager::range_done(const SessionKey& key) {
  std::lock_guard lock(mutex_);
  ++session(key).done_ranges;
}

void StreamManager::throttle(std::uint64_t bytes) {
  std::unique_lock lock(mutex_);
  const auto wait = limiter_.delay_for(bytes, now());
  if (wait <= std::chrono::steady_clock::duration::zero()) return;
  const std::uint64_t rate = rate_changes_;
  rate_changed_.wait_for(lock, wait, [&] { return rate_changes_ != rate; });
}

void StreamManager::set_throughput(double mib_per_second) {
  {
    std::lock_guard lock(mutex_);
    mib_per_second_ = mib_per_second;
    limiter_.set_rate(mib_per_second * kMiB, now());
    ++rate_changes_;
  }
  rate_changed_.notify_all();
}

double StreamManager::throughput() const {
  std::lock_guard lock(mutex_);
  return mib_per_second_;
}

nlohmann::json StreamManager::to_json() const {
  std::lock_guard lock(mutex_);
  nlohmann::json plans = nlohmann::json::array();
  const auto at = now();
  for (const Plan& plan : plans_) {
    nlohmann::json sessions = nlohmann::json::array();
    for (const Session& s : plan.sessions) {
      sessions.push_back({{"peer", s.peer},
                          {"direction", direction_name(s.direction)},
                          {"state", s.state},
                          {"total_bytes", s.total_bytes},
                          {"done_bytes", s.done_bytes},
                          {"total_ranges", s.total_ranges},
                          {"done_ranges", s.done_ranges},
                          {"rows", s.rows},
                          {"bytes_per_second", s.state == "streaming" ? s.meter.bytes_per_second(at) : 0.0}});
    }
    plans.push_back(
        {{"id", plan.id}, {"description", plan.description}, {"job_id", plan.job_id}, {"sessions", sessions}});
  }
  return {{"throughput_mib_per_second", mib_per_second_}, {"plans", plans}};
}

}  // namespace ringnode
