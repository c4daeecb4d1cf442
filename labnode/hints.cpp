#include "hints.h"

#include <chrono>

#include "coordinator.h"
#include "ringruntime/log.h"

namespace ringnode {
namespace {

constexpr std::chrono::milliseconds kReplayEvery(500);

}  // namespace

Hints::Hints(ReplicaTransport& transport, std::function<Liveness(const std::string&)> liveness)
    : transport_(transport), liveness_(std::move(liveness)), replayer_([this] { replay_loop(); }) {}

Hints::~Hints() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  replayer_.join();
}

void Hints::add(std::string endpoint, std::string keyspace, std::string key, Cell cell) {
  std::lock_guard lock(mutex_);
  if (hints_.size() >= kMaxHints) {
    hints_.pop_front();
    ringruntime::log_warn("hints: more than " + std::to_string(kMaxHints) + " undelivered; dropping the oldest");
  }
  hints_.push_back({std::move(endpoint), std::move(keyspace), std::move(key), std::move(cell)});
}

std::size_t Hints::pending() const {
  std::lock_guard lock(mutex_);
  return hints_.size();
}

std::uint64_t Hints::delivered() const {
  std::lock_guard lock(mutex_);
  return delivered_;
}

void Hints::replay_loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, kReplayEvery, [&] { return stopping_; });
    std::deque<Hint> batch;
    batch.swap(hints_);
    lock.unlock();
    std::deque<Hint> kept;
    std::uint64_t delivered = 0;
    for (Hint& hint : batch) {
      const Liveness liveness = liveness_(hint.endpoint);
      if (liveness == Liveness::kGone) continue;
      if (liveness == Liveness::kUp && transport_.write(hint.endpoint, hint.keyspace, hint.key, hint.cell)) {
        ++delivered;
        continue;
      }
      kept.push_back(std::move(hint));
    }
    lock.lock();
    delivered_ += delivered;
    // Hints added meanwhile go after the kept ones: replay keeps arrival order per endpoint.
    kept.insert(kept.end(), std::make_move_iterator(hints_.begin()), std::make_move_iterator(hints_.end()));
    hints_.swap(kept);
  }
}

}  // namespace ringnode
