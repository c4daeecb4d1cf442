#include "collector.h"

#include <utility>

namespace ringd {

using nlohmann::json;

namespace {

// How far back the recent request figures reach: Prometheus' usual rate window, and the
// five minutes of Cassandra's FiveMinuteRate meters.
constexpr auto kRequestWindow = std::chrono::minutes(5);

}  // namespace

Collector::Collector(Backend& backend, std::chrono::duration<double> interval)
    : backend_(backend),
      interval_(interval),
      facts_(std::make_shared<CollectedFacts>()),
      requests_window_(kRequestWindow) {}

Collector::~Collector() { stop(); }

void Collector::start() {
  thread_ = std::thread([this] { run(); });
}

void Collector::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_flag_ = true;
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Collector::refresh() {
  {
    std::lock_guard lock(mutex_);
    refresh_requested_ = true;
  }
  wake_.notify_all();
}

void Collector::record_job(const json& job) {
  if (!job.is_object() || !job.contains("id")) return;
  {
    std::lock_guard lock(mutex_);
    const json& jobs = facts_->jobs;
    if (!jobs.is_array()) return;
    std::size_t i = 0;
    while (i < jobs.size() && !(jobs[i].is_object() && jobs[i].value("id", json()) == job["id"])) ++i;
    if (i == jobs.size() || jobs[i].value("state", json()) == job.value("state", json())) return;
    auto next = std::make_shared<CollectedFacts>(*facts_);
    next->jobs[i] = job;
    facts_ = std::move(next);
    refresh_requested_ = true;
  }
  wake_.notify_all();
}

std::shared_ptr<const CollectedFacts> Collector::facts() const {
  std::lock_guard lock(mutex_);
  return facts_;
}

std::optional<std::chrono::duration<double>> Collector::attempt_running_for() const {
  const auto started = attempt_started_.load();
  if (started == 0) return std::nullopt;
  return std::chrono::steady_clock::now() -
         std::chrono::steady_clock::time_point(std::chrono::steady_clock::duration(started));
}

void Collector::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    refresh_requested_ = false;
    lock.unlock();
    collect_once();
    lock.lock();
    wake_.wait_for(lock, interval_, [this] { return stopping_ || refresh_requested_; });
  }
}

void Collector::add_recent_requests(json& node) {
  if (!node.is_object() || !node.contains("capacity") || !node["capacity"].is_object()) return;
  json& capacity = node["capacity"];
  const json requests = capacity.value("requests_total", json());
  const json dropped = capacity.value("dropped_messages_total", json());
  if (!requests.is_number_integer() || !dropped.is_number_integer()) return;
  const auto recent =
      requests_window_.add(std::chrono::steady_clock::now(), requests.get<std::int64_t>(), dropped.get<std::int64_t>());
  if (!recent) return;
  capacity["requests_recent"] = recent->requests;
  capacity["dropped_messages_recent"] = recent->dropped;
  capacity["recent_window_seconds"] = recent->seconds;
}

void Collector::collect_once() {
  const auto started = std::chrono::steady_clock::now();
  attempt_started_ = started.time_since_epoch().count();
  CollectedFacts next;
  std::string error;
  // Each document in turn; the first failure ends the attempt.
  auto fetch = [&](json& into, auto&& read, bool optional) {
    if (!error.empty()) return;
    if (stop_flag_) {
      error = "ringd is stopping";
      return;
    }
    auto answer = read();
    if (answer) {
      into = std::move(answer).value();
    } else if (!(optional && answer.error().code() == ringcore::ErrorCode::kNotFound)) {
      error = answer.error().message();
    }
  };
  fetch(
      next.node, [&] { return backend_.node(); }, false);
  fetch(
      next.cluster, [&] { return backend_.cluster(); }, false);
  fetch(
      next.gossip, [&] { return backend_.gossip(); }, false);
  fetch(
      next.streams, [&] { return backend_.streams(); }, true);
  next.jobs = json::array();
  fetch(
      next.jobs, [&] { return backend_.jobs(); }, true);
  const auto duration = std::chrono::steady_clock::now() - started;

  // Only this attempt replaces the facts, so the copy is made outside the lock.
  const std::shared_ptr<const CollectedFacts> previous = facts();
  if (!error.empty()) {
    next = *previous;
    next.backend_errors_total += 1;
    next.last_error = error;
  } else {
    add_recent_requests(next.node);
    next.collected_at = std::chrono::system_clock::now();
    next.backend_errors_total = previous->backend_errors_total;
  }
  next.collections_total = previous->collections_total + 1;
  next.last_collection_duration = duration;
  auto published = std::make_shared<const CollectedFacts>(std::move(next));
  std::lock_guard lock(mutex_);
  facts_ = std::move(published);
  attempt_started_ = 0;
}

}  // namespace ringd
