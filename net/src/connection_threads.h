// ConnectionThreads: the threads an HttpServer serves its connections on (cpp-httplib's task
// queue, Server::new_task_queue).
//
// cpp-httplib serves a connection on one thread from accept until it closes, and a kept-alive
// connection stays open between requests, waiting for the next one. With a fixed pool, as many
// idle kept connections as threads leave a new connection waiting in the queue until one of
// them times out: requests time out under load although every thread is idle. So a connection
// never waits for a thread while fewer than `most` serve: `kept` threads are always there, and
// when every thread is serving, a new connection gets a thread of its own, which ends once it
// has had nothing to serve for a few seconds. Past `most`, connections wait in order.
//
// Thread-safety: enqueue() may be called from any thread; shutdown() once, after the last
// enqueue(). Jobs already queued still run before shutdown() returns.
#pragma once

#include <httplib.h>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <thread>
#include <vector>

namespace ringnet {

class ConnectionThreads final : public httplib::TaskQueue {
 public:
  // REQUIRES: 1 <= kept <= most.
  ConnectionThreads(std::size_t kept, std::size_t most);
  ~ConnectionThreads() override;  // shuts down if shutdown() was not called
  ConnectionThreads(const ConnectionThreads&) = delete;
  ConnectionThreads& operator=(const ConnectionThreads&) = delete;

  void enqueue(std::function<void()> job) override;
  void shutdown() override;

 private:
  using Threads = std::list<std::thread>;
  // REQUIRES: mutex_ held.
  void start_thread(bool kept);
  // The body of a thread; `self` is its entry in threads_.
  void serve(Threads::iterator self, bool kept);
  // The threads that have ended, taken out of threads_ to be joined outside the lock.
  // REQUIRES: mutex_ held.
  std::vector<std::thread> take_ended();

  const std::size_t most_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;  // guarded by mutex_, as every member below
  Threads threads_;
  std::vector<Threads::iterator> ended_;  // extra threads that have returned, not yet joined
  std::size_t running_ = 0;               // threads not yet ended
  std::size_t idle_ = 0;                  // threads waiting for a job
  bool stopping_ = false;
};

}  // namespace ringnet
