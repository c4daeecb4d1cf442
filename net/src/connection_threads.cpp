#include "connection_threads.h"

#include <chrono>
#include <utility>

namespace ringnet {
namespace {

// How long a thread beyond the kept ones waits for another connection before it ends: long
// enough that a client reconnecting now and then (one without keep-alive, or a connection
// recycled after its last allowed request) finds it, short enough that a burst's threads go.
constexpr std::chrono::seconds kExtraThreadIdle(5);

}  // namespace

ConnectionThreads::ConnectionThreads(std::size_t kept, std::size_t most) : most_(most < kept ? kept : most) {
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < kept; ++i) start_thread(/*kept=*/true);
}

ConnectionThreads::~ConnectionThreads() { shutdown(); }

void ConnectionThreads::enqueue(std::function<void()> job) {
  std::vector<std::thread> ended;
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
    ended = take_ended();
    // Each queued connection needs a waiting thread; one that has none would wait for a thread
    // to be freed, which may be never (an idle kept connection holds its thread).
    if (idle_ < jobs_.size() && running_ < most_) start_thread(/*kept=*/false);
  }
  wake_.notify_one();
  for (std::thread& thread : ended) thread.join();
}

void ConnectionThreads::shutdown() {
  Threads threads;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  {
    // No thread starts after stopping_, and none touches threads_ once it is set.
    std::lock_guard lock(mutex_);
    threads.swap(threads_);
  }
  for (std::thread& thread : threads) thread.join();
}

void ConnectionThreads::start_thread(bool kept) {
  ++running_;
  const Threads::iterator self = threads_.emplace(threads_.end());
  // The thread takes mutex_ before it reads anything, so *self is assigned by then.
  *self = std::thread([this, self, kept] { serve(self, kept); });
}

void ConnectionThreads::serve(Threads::iterator self, bool kept) {
  std::unique_lock lock(mutex_);
  const auto has_work = [this] { return stopping_ || !jobs_.empty(); };
  for (;;) {
    ++idle_;
    if (kept) {
      wake_.wait(lock, has_work);
    } else {
      wake_.wait_for(lock, kExtraThreadIdle, has_work);
    }
    --idle_;
    if (jobs_.empty()) {
      if (stopping_ || !kept) break;  // stopped, or an extra thread idle for long enough
      continue;
    }
    std::function<void()> job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    lock.lock();
  }
  --running_;
  if (!stopping_) ended_.push_back(self);  // joined by the next enqueue(), or by shutdown()
}

std::vector<std::thread> ConnectionThreads::take_ended() {
  std::vector<std::thread> ended;
  for (const Threads::iterator& thread : ended_) {
    ended.push_back(std::move(*thread));
    threads_.erase(thread);
  }
  ended_.clear();
  return ended;
}

}  // namespace ringnet
