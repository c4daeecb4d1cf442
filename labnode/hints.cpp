#include "hints.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "coordinator.h"
#include "internode_api.h"
#include "ringruntime/log.h"

namespace ringnode {
namespace {

constexpr std::chrono::milliseconds kReplayEvery(500);
constexpr const char* kPrefix = "hint/";

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "hint/" + the id as 16 hex digits: name order is arrival order.
std::string name_of(std::uint64_t id) {
  char digits[17];
  std::snprintf(digits, sizeof digits, "%016llx", static_cast<unsigned long long>(id));
  return kPrefix + std::string(digits);
}

void put_u64(std::string& out, std::uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((value >> shift) & 0xff));
}

void put_text(std::string& out, std::string_view text) {
  put_u64(out, text.size());
  out.append(text);
}

bool take_u64(std::string_view& in, std::uint64_t& value) {
  if (in.size() < 8) return false;
  value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | static_cast<unsigned char>(in[i]);
  in.remove_prefix(8);
  return true;
}

bool take_text(std::string_view& in, std::string& text) {
  std::uint64_t size = 0;
  if (!take_u64(in, size) || in.size() < size) return false;
  text.assign(in.substr(0, size));
  in.remove_prefix(size);
  return true;
}

// [created ms][endpoint][keyspace][key][cell]: u64 big-endian, texts length-prefixed (u64),
// the cell in storage's encoding.
std::string encode_hint(std::int64_t created_ms, const std::string& endpoint, const std::string& keyspace,
                        const std::string& key, const Cell& cell) {
  std::string out;
  put_u64(out, static_cast<std::uint64_t>(created_ms));
  put_text(out, endpoint);
  put_text(out, keyspace);
  put_text(out, key);
  out += encode_cell(cell);
  return out;
}

}  // namespace

ringcore::Result<std::unique_ptr<Hints>> Hints::open(ReplicaTransport& transport,
                                                     std::function<Liveness(const std::string&)> liveness,
                                                     Storage* storage, HintLimits limits) {
  std::unique_ptr<Hints> hints(new Hints(transport, std::move(liveness), storage, limits));
  if (storage == nullptr) return hints;
  std::size_t unreadable = 0;
  auto scanned = storage->scan_local(kPrefix, [&](std::string_view name, std::string_view value) {
    Hint hint;
    std::uint64_t created = 0;
    std::string_view in = value;
    const std::string digits(name.substr(std::string_view(kPrefix).size()));
    char* end = nullptr;
    hint.id = std::strtoull(digits.c_str(), &end, 16);
    const bool parsed = !digits.empty() && *end == '\0' && take_u64(in, created) && take_text(in, hint.endpoint) &&
                        take_text(in, hint.keyspace) && take_text(in, hint.key);
    auto cell = parsed ? decode_cell(in) : ringcore::Result<Cell>(ringcore::Error::invalid_input("bad hint"));
    if (!cell) {
      ++unreadable;
      (void)storage->remove_local(std::string(name));
      return true;
    }
    hint.cell = std::move(cell).value();
    hint.created_ms = static_cast<std::int64_t>(created);
    hint.bytes = name.size() + value.size();
    hints->bytes_ += hint.bytes;
    hints->next_id_ = std::max(hints->next_id_, hint.id + 1);
    hints->hints_.push_back(std::move(hint));
    return true;
  });
  if (!scanned) return scanned.error().with_context("loading hints");
  if (unreadable > 0)
    ringruntime::log_warn("hints: dropped " + std::to_string(unreadable) + " unreadable stored hints");
  if (!hints->hints_.empty()) {
    ringruntime::log_info("hints: " + std::to_string(hints->hints_.size()) + " kept from the last run, to replay");
  }
  hints->replayer_ = std::thread([raw = hints.get()] { raw->replay_loop(); });
  return hints;
}

Hints::Hints(ReplicaTransport& transport, std::function<Liveness(const std::string&)> liveness, Storage* storage,
             HintLimits limits)
    : transport_(transport), liveness_(std::move(liveness)), storage_(storage), limits_(limits) {}

Hints::~Hints() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (replayer_.joinable()) replayer_.join();
}

void Hints::add(std::string endpoint, std::string keyspace, std::string key, Cell cell) {
  const std::int64_t created = now_ms();
  // A hinted endpoint was a replica when the write came: if gossip shows it, it is seen now,
  // before any replay pass, so that its leaving drops its hints whenever it happens.
  if (liveness_(endpoint) != Liveness::kGone) remember_seen(endpoint);
  std::lock_guard lock(mutex_);
  Hint hint{next_id_++, created, std::move(endpoint), std::move(keyspace), std::move(key), std::move(cell), 0};
  const std::string record = encode_hint(hint.created_ms, hint.endpoint, hint.keyspace, hint.key, hint.cell);
  const std::string name = name_of(hint.id);
  hint.bytes = name.size() + record.size();
  while (!hints_.empty() && bytes_ + hint.bytes > limits_.max_bytes) {
    forget(hints_.front());
    bytes_ -= hints_.front().bytes;
    hints_.pop_front();
    count_dropped("more than " + std::to_string(limits_.max_bytes) +
                  " bytes of hints (max_hints_bytes); dropping the oldest");
  }
  if (storage_ != nullptr) {
    if (auto kept = storage_->put_local_unsynced(name, record); !kept) {
      ringruntime::log_warn("hints: " + kept.error().message() + "; the hint is kept in memory only");
    }
  }
  bytes_ += hint.bytes;
  hints_.push_back(std::move(hint));
}

std::size_t Hints::pending() const {
  std::lock_guard lock(mutex_);
  std::size_t in_flight = 0;
  for (const auto& [endpoint, count] : in_flight_by_endpoint_) in_flight += count;
  return hints_.size() + in_flight;
}

std::map<std::string, std::size_t> Hints::pending_by_endpoint() const {
  std::lock_guard lock(mutex_);
  std::map<std::string, std::size_t> pending = in_flight_by_endpoint_;
  for (const Hint& hint : hints_) ++pending[hint.endpoint];
  return pending;
}

std::uint64_t Hints::delivered() const {
  std::lock_guard lock(mutex_);
  return delivered_;
}

std::uint64_t Hints::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

void Hints::forget(const Hint& hint) {
  if (storage_ == nullptr) return;
  if (auto removed = storage_->remove_local(name_of(hint.id)); !removed)
    ringruntime::log_warn("hints: " + removed.error().message());
}

void Hints::count_dropped(const std::string& why) {
  if (dropped_++ % 10000 == 0)
    ringruntime::log_warn("hints: " + why + " (" + std::to_string(dropped_) + " dropped so far)");
}

void Hints::remember_seen(const std::string& endpoint) {
  std::lock_guard lock(seen_mutex_);
  seen_.insert(endpoint);
}

bool Hints::was_seen(const std::string& endpoint) const {
  std::lock_guard lock(seen_mutex_);
  return seen_.contains(endpoint);
}

void Hints::replay_loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, kReplayEvery, [&] { return stopping_; });
    if (stopping_) break;
    std::deque<Hint> batch;
    batch.swap(hints_);
    for (const Hint& hint : batch) ++in_flight_by_endpoint_[hint.endpoint];
    lock.unlock();
    std::deque<Hint> kept = replay(std::move(batch));
    lock.lock();
    in_flight_by_endpoint_.clear();
    // Hints added meanwhile go after the kept ones: replay keeps arrival order per endpoint.
    kept.insert(kept.end(), std::make_move_iterator(hints_.begin()), std::make_move_iterator(hints_.end()));
    hints_.swap(kept);
  }
}

std::deque<Hints::Hint> Hints::replay(std::deque<Hint> batch) {
  const std::int64_t expired_before =
      now_ms() - std::chrono::duration_cast<std::chrono::milliseconds>(limits_.window).count();
  std::map<std::string, Liveness> liveness;             // asked of gossip once per endpoint a pass
  std::map<std::string, std::vector<Hint>> to_deliver;  // by endpoint up, in arrival order
  std::deque<Hint> kept;
  for (Hint& hint : batch) {
    auto [known, first] = liveness.try_emplace(hint.endpoint);
    if (first) {
      known->second = liveness_(hint.endpoint);
      if (known->second != Liveness::kGone) remember_seen(hint.endpoint);
    }
    if (hint.created_ms < expired_before) {
      settle({&hint, 1}, "a hint for " + hint.endpoint + " is older than max_hint_window_seconds; dropped");
    } else if (known->second == Liveness::kGone && was_seen(hint.endpoint)) {
      settle({&hint, 1}, hint.endpoint + " left the ring; its hints are dropped");
    } else if (known->second == Liveness::kUp) {
      to_deliver[hint.endpoint].push_back(std::move(hint));
    } else {
      kept.push_back(std::move(hint));
    }
  }
  for (auto& [endpoint, hints] : to_deliver) deliver(endpoint, hints, kept);
  return kept;
}

void Hints::deliver(const std::string& endpoint, std::vector<Hint>& hints, std::deque<Hint>& kept) {
  // A request's worth, counted in the hints' stored bytes (a little more than their keys and
  // values); a throttled replay sends at most a second's worth at a time.
  const std::uint64_t most_bytes = limits_.throttle_kib > 0
                                       ? std::min<std::uint64_t>(kMostBytesPerBatch, limits_.throttle_kib * 1024)
                                       : kMostBytesPerBatch;
  std::size_t next = 0;
  while (next < hints.size() && !stopping()) {
    std::size_t end = next;
    std::uint64_t bytes = 0;
    while (end < hints.size() && end - next < kMostWritesPerBatch &&
           (end == next || bytes + hints[end].bytes <= most_bytes)) {
      bytes += hints[end++].bytes;
    }
    std::vector<RowWrite> writes;
    writes.reserve(end - next);
    for (std::size_t i = next; i < end; ++i) writes.push_back({hints[i].keyspace, hints[i].key, hints[i].cell});
    const std::vector<ringcore::Status> statuses = transport_.write_batch(endpoint, writes);
    std::vector<Hint> delivered;
    bool failed = false;
    for (std::size_t i = next; i < end; ++i) {
      if (i - next < statuses.size() && statuses[i - next]) {
        delivered.push_back(std::move(hints[i]));
      } else {
        kept.push_back(std::move(hints[i]));
        failed = true;
      }
    }
    settle(delivered, std::nullopt);
    next = end;
    if (failed) break;  // the endpoint does not take writes now: the rest wait for the next pass
    if (limits_.throttle_kib > 0) {
      // This request's share of a second at the throttle; the wait ends early when stopping.
      const auto share = std::chrono::microseconds(bytes * 1'000'000 / (limits_.throttle_kib * 1024));
      std::unique_lock pause(mutex_);
      wake_.wait_for(pause, share, [&] { return stopping_; });
    }
  }
  // Not sent (the endpoint failed or the node is stopping): stored still, for the next pass or run.
  for (std::size_t i = next; i < hints.size(); ++i) kept.push_back(std::move(hints[i]));
}

void Hints::settle(std::span<const Hint> done, const std::optional<std::string>& dropped_why) {
  for (const Hint& hint : done) forget(hint);
  std::lock_guard lock(mutex_);
  for (const Hint& hint : done) {
    bytes_ -= hint.bytes;
    if (auto in_flight = in_flight_by_endpoint_.find(hint.endpoint);
        in_flight != in_flight_by_endpoint_.end() && --in_flight->second == 0) {
      in_flight_by_endpoint_.erase(in_flight);
    }
    if (dropped_why) {
      count_dropped(*dropped_why);
    } else {
      ++delivered_;
    }
  }
}

bool Hints::stopping() const {
  std::lock_guard lock(mutex_);
  return stopping_;
}

}  // namespace ringnode
