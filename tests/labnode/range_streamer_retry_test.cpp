// RangeStreamer's retries (range_streamer.h): a stream request that fails transiently (no
// answer, 503, a request the peer could not read whole) is asked again and the range arrives
// whole; one that fails for good (the receiver's disk is full, a request its handler refused)
// fails the stream at once with the peer's message. This node streams with its real
// ClusterTransport and Storage (127.0.93.1) to and from a peer (127.0.93.2) that serves the
// internode stream routes from a real Storage of its own, except that it answers the first
// requests of a route with the failure a case chooses, or restarts (its storage killed and
// reopened, losing unflushed pages) before a flush; every request it gets is counted. A
// receiver that restarted before the flush gets its ranges streamed again, never counted done.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "api_json.h"
#include "base64.h"
#include "internode_client.h"
#include "job_registry.h"
#include "range_streamer.h"
#include "ringcore/murmur3.h"
#include "ringnet/http_server.h"
#include "ringruntime/wait.h"
#include "row_stream.h"
#include "storage.h"
#include "stream_manager.h"
#include "support/fake_clock.h"
#include "support/temp_dir.h"

namespace {

using namespace std::chrono_literals;
using ringcore::Error;
using ringnode::Cell;
using ringnode::Storage;
using ringnode::StoredRow;

const std::string kSelf = "127.0.93.1";
const std::string kPeer = "127.0.93.2";
const ringcore::TokenRange kWholeRing{ringcore::kMinToken, ringcore::kMinToken};
// Short waits between attempts: the cases test the policy, not its patience.
const ringnode::StreamRetry kQuickRetry{4, 5ms, 20ms};

std::unique_ptr<Storage> open_storage(const std::string& path) {
  auto storage = Storage::open(path);
  REQUIRE_MESSAGE(storage.ok(), (storage.ok() ? "" : storage.error().message()));
  REQUIRE((*storage)->create_keyspace("ks").ok());
  return std::move(storage).value();
}

std::string key(int i) { return "key" + std::to_string(i); }

void fill(Storage& storage, int rows) {
  for (int i = 0; i < rows; ++i)
    REQUIRE(storage.apply("ks", key(i), Cell{1000 + i, false, std::string(200, 'v') + std::to_string(i)}).ok());
}

int rows_in(const Storage& storage, int rows) {
  int found = 0;
  for (int i = 0; i < rows; ++i) {
    auto cell = storage.get("ks", key(i));
    if (cell.ok() && cell->has_value()) ++found;
  }
  return found;
}

// The peer: the stream routes of internode_api.cpp over its own Storage, each answering its
// first requests with the failures queued for it.
class FaultyPeer {
 public:
  // `storage` may be swapped for a reopened one between requests (a restart, restart_before_flush).
  explicit FaultyPeer(std::unique_ptr<Storage>& storage) : storage_(storage) {
    server_.route("POST", "/internal/stream/size", [this](const ringnet::ServerRequest& r) {
      return answer("size", [&] {
        const nlohmann::json body = ringnode::json_body(r);
        const auto size =
            ringnode::range_size(*storage_, ringnode::string_field(body, "keyspace"),
                                 ringcore::parse_range(ringnode::string_field(body, "range")).value_or_throw())
                .value_or_throw();
        return ringnode::json_response({{"rows", size.rows}, {"bytes", size.bytes}});
      });
    });
    server_.route("POST", "/internal/stream/page", [this](const ringnet::ServerRequest& r) {
      return answer("page", [&] {
        const nlohmann::json body = ringnode::json_body(r);
        std::optional<ringnode::RowCursor> after;
        if (body.contains("after_token")) {
          after =
              ringnode::RowCursor{ringcore::parse_token(ringnode::string_field(body, "after_token")).value_or_throw(),
                                  ringnode::base64_decode(ringnode::string_field(body, "after_key")).value_or_throw()};
        }
        const auto page =
            ringnode::read_page(*storage_, ringnode::string_field(body, "keyspace"),
                                ringcore::parse_range(ringnode::string_field(body, "range")).value_or_throw(), after,
                                body.at("max_bytes").get<std::uint64_t>())
                .value_or_throw();
        return ringnet::ServerResponse{
            .status = 200, .body = ringnode::encode_rows(page.rows), .content_type = "application/octet-stream"};
      });
    });
    server_.route("POST", "/internal/stream/ingest", [this](const ringnet::ServerRequest& r) {
      return answer("ingest", [&] {
        const auto rows = ringnode::decode_rows(r.body).value_or_throw();
        const auto ingested = storage_->ingest(r.query_value("keyspace"), rows).value_or_throw();
        return ringnode::json_response({{"rows", ingested.rows},
                                        {"stored", ingested.stored},
                                        {"file_bytes", ingested.file_bytes},
                                        {"instance", ingested.instance}});
      });
    });
    server_.route("POST", "/internal/stream/flush", [this](const ringnet::ServerRequest& r) {
      return answer("flush", [&] {
        if (restarts_before_flush_ > 0) {
          --restarts_before_flush_;
          const std::string directory = storage_->directory();
          Storage::close_as_killed(std::move(storage_));
          storage_ = open_storage(directory);
        }
        const nlohmann::json body = ringnode::json_body(r);
        const std::string instance =
            storage_->flush_streamed(ringnode::string_field(body, "keyspace")).value_or_throw();
        return ringnode::json_response({{"instance", instance}});
      });
    });
    REQUIRE(server_.start(kPeer, 0).ok());
  }

  int port() const { return server_.port(); }
  // The next requests to `route` ("size", "page", "ingest") are answered with `failures`, in turn.
  void fail_next(const std::string& route, std::vector<ringnet::ServerResponse> failures) {
    std::lock_guard lock(mutex_);
    for (auto& failure : failures) failures_[route].push_back(std::move(failure));
  }
  // The next `count` flush requests find the peer restarted (its storage killed and reopened)
  // after the pages before them: what they had not flushed is lost.
  void restart_before_flush(int count) { restarts_before_flush_ = count; }
  // The requests `route` got, and those it answered by serving them.
  int requests(const std::string& route) const { return count(requests_, route); }
  int served(const std::string& route) const { return count(served_, route); }

 private:
  template <class Serve>
  ringnet::ServerResponse answer(const std::string& route, Serve serve) {
    {
      std::lock_guard lock(mutex_);
      ++requests_[route];
      auto& queued = failures_[route];
      if (!queued.empty()) {
        ringnet::ServerResponse failure = queued.front();
        queued.pop_front();
        return failure;
      }
    }
    try {
      ringnet::ServerResponse response = serve();
      std::lock_guard lock(mutex_);
      ++served_[route];
      return response;
    } catch (const Error& error) {
      return ringnet::error_response(error);
    }
  }

  int count(const std::map<std::string, int>& counts, const std::string& route) const {
    std::lock_guard lock(mutex_);
    return counts.contains(route) ? counts.at(route) : 0;
  }

  std::unique_ptr<Storage>& storage_;
  std::atomic<int> restarts_before_flush_ = 0;
  ringnet::HttpServer server_;
  mutable std::mutex mutex_;
  std::map<std::string, std::deque<ringnet::ServerResponse>> failures_;  // guarded by mutex_
  std::map<std::string, int> requests_;                                  // guarded by mutex_
  std::map<std::string, int> served_;                                    // guarded by mutex_
};

// What ringnet's server answers, on its own, to a request cpp-httplib could not read (a body
// that did not arrive within its read timeout).
ringnet::ServerResponse unreadable_request() {
  return ringnet::error_response(Error(ringcore::ErrorCode::kRequestUnread, "bad HTTP request (status 400)"));
}
ringnet::ServerResponse unavailable() {
  return ringnet::error_response(Error(ringcore::ErrorCode::kUnavailable, "not now"));
}
// The receiver's storage on ENOSPC (storage.cpp's wording).
ringnet::ServerResponse disk_full() {
  return ringnet::error_response(
      Error::failed("cannot finish ingest-staging/1.sst: the disk is full (no space left on device); free space on "
                    "the data directory's file system and retry"));
}

// This node (its storage, transport, streamer) beside a FaultyPeer.
struct Streaming {
  explicit Streaming(ringnode::StreamRetry retry = kQuickRetry) : streamer{kSelf, transport, streams, retry} {}

  test_support::TempDir dir{"range_streamer_retry_test_"};
  std::unique_ptr<Storage> local = open_storage(dir.path() + "/self");
  std::unique_ptr<Storage> remote = open_storage(dir.path() + "/peer");
  FaultyPeer peer{remote};
  ringnode::ClusterTransport transport{kSelf, peer.port(), *local, 5s};
  ringnode::StreamManager streams;
  ringnode::RangeStreamer streamer;
  ringnode::JobRegistry jobs;

  // Streams the whole ring from `source` to `target` as a job; the job once it ended.
  ringnode::Job stream(const std::string& source, const std::string& target) {
    const std::vector<ringnode::RangeTransfer> transfers = {{"ks", kWholeRing, source, target}};
    auto started = jobs.start(
        "bootstrap", nlohmann::json::object(), [] { return ringcore::Status(ringcore::Ok{}); },
        [&](ringnode::JobHandle& job) -> ringcore::Status {
          auto totals = streamer.stream("Bootstrap", transfers, job);
          if (!totals) return totals.error();
          job.set_result({{"rows", totals->rows}, {"retries", totals->retries}, {"files", totals->files}});
          return ringcore::Ok{};
        });
    REQUIRE(started.ok());
    const std::string id = started->job.id;
    REQUIRE(ringruntime::wait_until([&] { return jobs.job(id)->state != ringnode::JobState::kRunning; }, 60s, 10ms));
    return *jobs.job(id);
  }
};

constexpr int kRows = 2000;  // about 450 KB: several pages of 256 KiB under a throughput limit

}  // namespace

TEST_CASE("page reads and a sizing that fail transiently are retried and the range arrives whole") {
  Streaming s;
  fill(*s.remote, kRows);
  s.streams.set_throughput(1);  // 256 KiB pages: the range takes several
  s.peer.fail_next("size", {unreadable_request()});
  s.peer.fail_next("page", {unavailable(), unreadable_request(), unavailable()});
  const ringnode::Job job = s.stream(kPeer, kSelf);
  INFO(job.error);
  REQUIRE(job.state == ringnode::JobState::kSucceeded);
  CHECK(job.result["rows"] == kRows);
  CHECK(job.result["retries"] == 4);
  CHECK(job.result["files"].get<int>() >= 2);
  CHECK(rows_in(*s.local, kRows) == kRows);
  CHECK(s.peer.requests("size") == 2);
  CHECK(s.peer.requests("page") == s.peer.served("page") + 3);
}

TEST_CASE("page ingests that fail transiently are retried and the receiver stores every row once") {
  Streaming s;
  fill(*s.local, kRows);
  s.peer.fail_next("ingest", {unreadable_request(), unavailable()});
  const ringnode::Job job = s.stream(kSelf, kPeer);
  INFO(job.error);
  REQUIRE(job.state == ringnode::JobState::kSucceeded);
  CHECK(job.result["retries"] == 2);
  CHECK(rows_in(*s.remote, kRows) == kRows);
  CHECK(s.peer.served("ingest") == job.result["files"]);
  CHECK(s.peer.requests("ingest") == s.peer.served("ingest") + 2);
}

TEST_CASE("a receiver that restarted before the flush lost its pages: the range is streamed again and kept") {
  Streaming s;
  fill(*s.local, kRows);
  s.streams.set_throughput(1);  // 256 KiB pages: the range takes several
  s.peer.restart_before_flush(1);
  const ringnode::Job job = s.stream(kSelf, kPeer);
  INFO(job.error);
  REQUIRE(job.state == ringnode::JobState::kSucceeded);
  const int pages = job.result["files"].get<int>() / 2;
  CHECK(pages >= 2);
  CHECK(job.result["files"] == 2 * pages);  // every page sent twice
  CHECK(job.result["rows"] == 2 * kRows);
  CHECK(s.peer.served("flush") == 2);
  CHECK(rows_in(*s.remote, kRows) == kRows);
  // The second flush made them durable: a kill now keeps every row.
  const std::string directory = s.remote->directory();
  Storage::close_as_killed(std::move(s.remote));
  s.remote = open_storage(directory);
  CHECK(rows_in(*s.remote, kRows) == kRows);
}

TEST_CASE("a receiver that restarts before every flush fails the stream, naming the restart") {
  Streaming s;
  fill(*s.local, kRows);
  s.peer.restart_before_flush(ringnode::kMaxStreamRounds);
  const ringnode::Job job = s.stream(kSelf, kPeer);
  CHECK(job.state == ringnode::JobState::kFailed);
  CHECK(job.error.find(kPeer + " restarted during the stream") != std::string::npos);
  CHECK(job.error.find("run the operation again") != std::string::npos);
  CHECK(s.peer.served("flush") == ringnode::kMaxStreamRounds);
}

TEST_CASE("a full disk on the receiver fails the stream at once with its message") {
  Streaming s;
  fill(*s.local, kRows);
  s.peer.fail_next("ingest", {disk_full()});
  const ringnode::Job job = s.stream(kSelf, kPeer);
  CHECK(job.state == ringnode::JobState::kFailed);
  CHECK(job.error.find("writing ks") != std::string::npos);
  CHECK(job.error.find("to " + kPeer) != std::string::npos);
  CHECK(job.error.find("the disk is full (no space left on device)") != std::string::npos);
  CHECK(s.peer.requests("ingest") == 1);
}

TEST_CASE("a request the peer refuses as bad is not retried") {
  Streaming s;
  fill(*s.remote, kRows);
  s.peer.fail_next("page",
                   {ringnet::error_response(Error::invalid_input("'max_bytes' must be a non-negative integer"))});
  const ringnode::Job job = s.stream(kPeer, kSelf);
  CHECK(job.state == ringnode::JobState::kFailed);
  CHECK(job.error.find("reading ks") != std::string::npos);
  CHECK(job.error.find("'max_bytes' must be a non-negative integer") != std::string::npos);
  CHECK(s.peer.requests("page") == 1);
}

TEST_CASE("a peer that stays unavailable fails the stream after the last attempt, with its answer") {
  Streaming s;
  fill(*s.remote, kRows);
  s.peer.fail_next("page", std::vector<ringnet::ServerResponse>(10, unavailable()));
  const ringnode::Job job = s.stream(kPeer, kSelf);
  CHECK(job.state == ringnode::JobState::kFailed);
  CHECK(job.error.find("reading ks") != std::string::npos);
  CHECK(job.error.find(kPeer + " answered: not now") != std::string::npos);
  CHECK(s.peer.requests("page") == kQuickRetry.attempts);
}

TEST_CASE("the default retries back off 0.5, 1, 2, 4 and 8 s between six attempts") {
  test_support::FakeClock fake;
  ringnode::StreamRetry retry;
  retry.clock = fake.clock();
  Streaming s(retry);
  fill(*s.remote, kRows);
  s.peer.fail_next("page", std::vector<ringnet::ServerResponse>(10, unavailable()));
  const ringnode::Job job = s.stream(kPeer, kSelf);
  CHECK(job.state == ringnode::JobState::kFailed);
  CHECK(s.peer.requests("page") == 6);
  // Each back-off is waited in looks of at most 50 ms (a cancel ends it early); on the fake
  // clock they add up to the schedule, and no real time passes.
  std::chrono::milliseconds waited{0};
  for (const auto pause : fake.pauses) {
    CHECK(pause <= 50ms);
    waited += pause;
  }
  CHECK(waited == 500ms + 1000ms + 2000ms + 4000ms + 8000ms);
}

TEST_CASE("what counts as transient") {
  CHECK(ringnode::is_transient(
      Error(ringcore::ErrorCode::kUnavailable, "POST http://127.0.0.2:26560/internal/stream/page: no answer")));
  CHECK(ringnode::is_transient(Error(ringcore::ErrorCode::kTimedOut, "gave up")));
  // A peer the failure detector convicted and that stayed convicted is down, not slow.
  CHECK_FALSE(ringnode::is_transient(
      Error(ringcore::ErrorCode::kPeerDown,
            "POST http://127.0.0.2:26560/internal/stream/page: gave up: 127.0.0.2 is down (the failure detector "
            "convicted it)")));
  CHECK(ringnode::is_transient(Error(ringcore::ErrorCode::kRequestUnread, "bad HTTP request (status 400)")));
  // A body past the peer's limit is refused again however often it is sent.
  CHECK_FALSE(ringnode::is_transient(Error::invalid_input("request body is larger than the server's limit")));
  CHECK_FALSE(ringnode::is_transient(Error::invalid_input("'max_bytes' must be a non-negative integer")));
  CHECK_FALSE(ringnode::is_transient(Error::failed("x: the disk is full (no space left on device)")));
  CHECK_FALSE(ringnode::is_transient(Error(ringcore::ErrorCode::kNotFound, "no keyspace ks")));
}
