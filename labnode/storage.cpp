#include "storage.h"

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/thread_status.h>
#include <rocksdb/transaction_log.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <shared_mutex>
#include <stdexcept>

#include "big_endian.h"
#include "ringcore/murmur3.h"
#include "ringruntime/log.h"

namespace ringnode {
namespace {

using ringcore::Error;
using ringcore::Token;

constexpr std::string_view kKeyspacePrefix = "ks:";
// Where earlier versions built the SST files they ingested; a crash could leave one behind.
constexpr std::string_view kStagingFolder = "ingest-staging";
constexpr std::size_t kLockStripes = 64;
// While a keyspace receives a stream (storage.h, Compactions during a stream): L0 files before a
// compaction starts, and before writes slow down and stop. 32 files of 8 MiB memtables: a stream
// of up to 256 MiB per keyspace is compacted once, after it, and a stream that never ends
// leaves at most that many files before compactions run again.
constexpr int kStreamL0CompactionTrigger = 32;
constexpr int kStreamL0SlowdownTrigger = 40;
constexpr int kStreamL0StopTrigger = 48;

bool is_full_disk(const rocksdb::Status& status) {
  return status.IsNoSpace() || status.ToString().find("No space left on device") != std::string::npos;
}

// A full disk (ENOSPC) is said in an operator's words, first: it is the one failure whose fix
// is theirs (free space, then retry), and RocksDB's text for it ends a long line.
Error failed(const std::string& what, const rocksdb::Status& status) {
  const std::string text = status.ToString();
  if (is_full_disk(status)) {
    return Error::failed(what +
                         ": the disk is full (no space left on device); free space on the data directory's "
                         "file system and retry (" +
                         text + ")");
  }
  return Error::failed(what + ": " + text);
}

// A write that fails for a full disk inside RocksDB (its write-ahead log append or sync, the
// flush a full memtable makes) leaves RocksDB stopped on a background error. When ingests linked
// SST files in, the next one after space was freed aborted the node: RocksDB 7.8 (Debian's)
// asserts in ExternalSstFileIngestionJob::Prepare on file number 0, even once DB::Resume() had
// reported the database recovered. Whatever the write path, the node refuses ingests from then
// on and says to restart it, which reopens the database cleanly: Cassandra's default
// disk_failure_policy (stop) likewise wants a restart after a disk error. Whoever hit the full
// disk first (a client write, an ingest, a cleanup), the words are true: the disk is full, or
// was when that write failed, and the database stopped.
constexpr std::string_view kStoppedOnFullDisk =
    "the disk is full (no space left on device), or was when a write failed, and the database stopped; free "
    "space on the data directory's file system, restart the node, then retry";

// Flipping the sign bit makes the unsigned big-endian order equal the signed token order.
std::uint64_t ordered(Token token) { return static_cast<std::uint64_t>(token) ^ (1ULL << 63); }
Token from_ordered(std::uint64_t bits) { return static_cast<Token>(bits ^ (1ULL << 63)); }

// The merge of cells stored as merge operands by earlier versions (storage.h): of two cells,
// the one supersedes() prefers.
class LastWriteWins final : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing, const rocksdb::Slice& value, std::string* merged,
             rocksdb::Logger*) const override {
    if (existing == nullptr) {
      merged->assign(value.data(), value.size());
      return true;
    }
    auto stored = decode_cell(existing->ToStringView());
    auto incoming = decode_cell(value.ToStringView());
    if (!stored || !incoming) return false;  // RocksDB reports corruption
    const rocksdb::Slice& winner = supersedes(*incoming, *stored) ? value : *existing;
    merged->assign(winner.data(), winner.size());
    return true;
  }
  const char* Name() const override { return "ringnode.LastWriteWins"; }
};

// RocksDB's own log goes to the node's log (stderr), warnings and errors only, not to a LOG file
// in the data directory: on a full disk a write to that file fails, and RocksDB 7.8 (Debian's
// build keeps assertions) aborts at the next line it logs there (WritableFileWriter's
// sync_without_flush_called_ assertion), which is the line reporting the full disk, or one at
// shutdown.
class RocksDbLog final : public rocksdb::Logger {
 public:
  RocksDbLog() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    std::array<char, 1024> line{};
    std::vsnprintf(line.data(), line.size(), format, ap);
    ringruntime::log_warn(std::string("rocksdb: ") + line.data());
  }
};

rocksdb::Options database_options() {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  // Lab nodes are many on one machine: small memtables and few background threads.
  options.write_buffer_size = 8 << 20;
  options.max_write_buffer_number = 2;
  options.max_background_jobs = 2;
  options.keep_log_file_num = 3;
  options.max_log_file_size = 4 << 20;
  options.enable_thread_tracking = true;  // active_compactions() reads the compaction threads' progress
  options.merge_operator = std::make_shared<LastWriteWins>();
  options.info_log = std::make_shared<RocksDbLog>();
  // No preallocation: RocksDB would reserve a write buffer's worth of log file up front, so a
  // full disk would not fail the ingest that fills it (its rows fit in the reserved log) but
  // the memtable flush after it, stopping the database once the stream had reported success.
  options.allow_fallocate = false;
  // Blocks of 16 KiB (Cassandra's default chunk), not RocksDB's 4 KiB: with rows of a few KiB a
  // 4 KiB block holds one row, and every scan (streaming's source, repair, cleanup), flush and
  // compaction paid a block's fixed costs (cache entry, checksum, index entry) per row. Not
  // compressed: lab values (random bytes, or lab stress's letters) hardly compress, and Snappy's
  // attempt cost CPU on every flush and compaction. stream_path_bench 80 (84 MB): the source's
  // read 0.109-0.111 s of CPU -> 0.089-0.091 s; ingest and flush 0.26-0.27 s -> 0.22-0.25 s wall.
  // Files written before keep their blocks: each block records its own compression.
  rocksdb::BlockBasedTableOptions table;
  table.block_size = 16 << 10;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  options.compression = rocksdb::kNoCompression;
  return options;
}

}  // namespace

std::uint64_t estimated_pending_compaction_tasks(bool compaction_pending, std::uint64_t pending_bytes,
                                                 std::uint64_t bytes_per_task) {
  const std::uint64_t tasks = pending_bytes / bytes_per_task + (pending_bytes % bytes_per_task != 0 ? 1 : 0);
  return std::max<std::uint64_t>(tasks, compaction_pending ? 1 : 0);
}

bool supersedes(const CellView& incoming, const CellView& stored) {
  if (incoming.timestamp_us != stored.timestamp_us) return incoming.timestamp_us > stored.timestamp_us;
  if (incoming.tombstone != stored.tombstone) return incoming.tombstone;
  return incoming.value > stored.value;
}

bool supersedes(const Cell& incoming, const Cell& stored) {
  return supersedes(CellView{incoming.timestamp_us, incoming.tombstone, incoming.value},
                    CellView{stored.timestamp_us, stored.tombstone, stored.value});
}

std::string encode_row_key(Token token, std::string_view key) {
  std::string out;
  out.reserve(8 + key.size());
  put_u64(out, ordered(token));
  out.append(key);
  return out;
}

std::string encode_cell(const Cell& cell) {
  std::string out;
  out.reserve(9 + cell.value.size());
  put_u64(out, static_cast<std::uint64_t>(cell.timestamp_us));
  out.push_back(cell.tombstone ? 1 : 0);
  out.append(cell.value);
  return out;
}

namespace {

// An encoded cell holds at least its timestamp and flags (9 bytes).
ringcore::Status check_cell(std::string_view bytes) {
  if (bytes.size() < 9)
    return Error::failed("corrupt cell: " + std::to_string(bytes.size()) + " bytes, at least 9 expected");
  return ringcore::Ok{};
}

}  // namespace

ringcore::Result<Cell> decode_cell(std::string_view bytes) {
  if (auto ok = check_cell(bytes); !ok) return ok.error();
  const CellView view = view_cell(bytes);
  return Cell{view.timestamp_us, view.tombstone, std::string(view.value)};
}

CellView view_cell(std::string_view bytes) {
  return {static_cast<std::int64_t>(get_u64(bytes)), (bytes[8] & 1) != 0, bytes.substr(9)};
}

ringcore::Murmur3Hash digest_of(std::string_view key, const CellView& cell) {
  return row_digest(key, cell.timestamp_us, cell.tombstone, cell.value);
}

struct Storage::Impl {
  rocksdb::DB* db = nullptr;
  mutable std::shared_mutex families_mutex;
  std::map<std::string, rocksdb::ColumnFamilyHandle*> families;  // keyspace -> handle; guarded
  std::vector<rocksdb::ColumnFamilyHandle*> all_handles;         // default first; guarded
  mutable std::array<std::mutex, kLockStripes> row_locks;
  // apply() holds it shared from its read to its write, ingest() exclusively from its reads to
  // its write (storage.h).
  std::shared_mutex ingest_gate;
  // Set once a write (an ingest's, a client's, a cleanup's) failed for a full disk inside
  // RocksDB (kStoppedOnFullDisk); the first such failure is kept to be named by later refusals.
  std::atomic<bool> stopped_on_full_disk{false};
  std::mutex stop_mutex;
  std::string first_full_disk_failure;  // guarded by stop_mutex
  // keyspace -> live data bytes; the map is guarded by families_mutex, the counters are atomic.
  std::map<std::string, std::unique_ptr<std::atomic<std::uint64_t>>> live_bytes;
  // keyspace -> its buckets' row digests (merkle_buckets.h); guarded as live_bytes.
  std::map<std::string, std::unique_ptr<BucketDigests>> digests;
  // The keyspaces receiving a stream, their compactions deferred (storage.h); guarded by deferral_mutex.
  std::mutex deferral_mutex;
  std::set<std::string> deferred;

  // The first ingest into `keyspace` since its last flush_streamed() raises its L0 triggers.
  // Failing to change them costs speed only: logged, not returned.
  void defer_compactions(const std::string& keyspace, rocksdb::ColumnFamilyHandle* family) {
    std::lock_guard lock(deferral_mutex);
    if (!deferred.insert(keyspace).second) return;
    set_l0_triggers(family, kStreamL0CompactionTrigger, kStreamL0SlowdownTrigger, kStreamL0StopTrigger,
                    "deferring compactions of keyspace '" + keyspace + "' during a stream");
  }

  // Back to the configured triggers; RocksDB then schedules the compaction the L0 files need.
  void resume_compactions(const std::string& keyspace, rocksdb::ColumnFamilyHandle* family) {
    std::lock_guard lock(deferral_mutex);
    if (deferred.erase(keyspace) == 0) return;
    const rocksdb::ColumnFamilyOptions configured(database_options());
    set_l0_triggers(family, configured.level0_file_num_compaction_trigger, configured.level0_slowdown_writes_trigger,
                    configured.level0_stop_writes_trigger,
                    "resuming compactions of keyspace '" + keyspace + "' after a stream");
  }

  void set_l0_triggers(rocksdb::ColumnFamilyHandle* family, int compaction, int slowdown, int stop,
                       const std::string& what) {
    const rocksdb::Status set =
        db->SetOptions(family, {{"level0_file_num_compaction_trigger", std::to_string(compaction)},
                                {"level0_slowdown_writes_trigger", std::to_string(slowdown)},
                                {"level0_stop_writes_trigger", std::to_string(stop)}});
    if (!set.ok()) ringruntime::log_warn(what + ": " + set.ToString());
  }

  // The error of a failed write; a full disk also stops later ingests.
  Error stop_if_full(const std::string& what, const rocksdb::Status& status) {
    if (!is_full_disk(status)) return failed(what, status);
    std::lock_guard lock(stop_mutex);
    if (first_full_disk_failure.empty()) first_full_disk_failure = what + ": " + status.ToString();
    stopped_on_full_disk = true;
    return Error::failed(what + ": " + std::string(kStoppedOnFullDisk) + " (" + status.ToString() + ")");
  }

  // The refusal of `what` once the database stopped on a full disk, naming the write that hit it.
  Error stopped(const std::string& what) {
    std::lock_guard lock(stop_mutex);
    return Error::failed(what + ": " + std::string(kStoppedOnFullDisk) + " (first: " + first_full_disk_failure + ")");
  }

  // Makes every write before it durable: a write of nothing with sync set, which RocksDB's write
  // path refuses once the database stopped on an error. Not DB::SyncWAL(), which syncs the log
  // file whatever happened to it: after another thread's write had failed on it (a full disk),
  // RocksDB 7.8 asserts (WritableFileWriter's sync_without_flush_called_) and the process
  // aborted; a joining node's four stream workers ingesting at once hit that, and it exited.
  rocksdb::Status sync_log() {
    rocksdb::WriteOptions options;
    options.sync = true;
    rocksdb::WriteBatch nothing;
    return db->Write(options, &nothing);
  }

  std::atomic<std::uint64_t>& live_counter(const std::string& keyspace) {
    std::shared_lock lock(families_mutex);
    return *live_bytes.at(keyspace);
  }

  BucketDigests& digests_of(const std::string& keyspace) {
    std::shared_lock lock(families_mutex);
    return *digests.at(keyspace);
  }

  rocksdb::ColumnFamilyHandle* family(const std::string& keyspace) const {
    std::shared_lock lock(families_mutex);
    auto it = families.find(keyspace);
    if (it == families.end()) throw Error::not_found("keyspace '" + keyspace + "' does not exist on this node");
    return it->second;
  }

  std::mutex& row_lock(const std::string& keyspace, std::string_view key) const {
    const std::size_t hash = std::hash<std::string_view>{}(key) ^ std::hash<std::string>{}(keyspace);
    return row_locks[hash % kLockStripes];
  }
};

namespace {

// 64 random bits as 16 hex digits: two opens drawing the same id is not a concern.
std::string random_instance_id() {
  std::random_device device;
  const std::uint64_t bits = (static_cast<std::uint64_t>(device()) << 32) ^ device();
  std::array<char, 17> text{};
  std::snprintf(text.data(), text.size(), "%016llx", static_cast<unsigned long long>(bits));
  return text.data();
}

}  // namespace

Storage::Storage(std::string directory, std::unique_ptr<Impl> impl)
    : directory_(std::move(directory)), instance_id_(random_instance_id()), impl_(std::move(impl)) {}

ringcore::Result<std::unique_ptr<Storage>> Storage::open(const std::string& directory) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) return Error::failed("cannot create data directory " + directory + ": " + ec.message());
  const rocksdb::Options options = database_options();
  std::vector<std::string> names;
  if (!rocksdb::DB::ListColumnFamilies(options, directory, &names).ok()) names = {rocksdb::kDefaultColumnFamilyName};
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : names) descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions(options));
  auto impl = std::make_unique<Impl>();
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  const rocksdb::Status status = rocksdb::DB::Open(options, directory, descriptors, &handles, &impl->db);
  if (!status.ok()) return failed("cannot open the database in " + directory, status);
  impl->all_handles = handles;
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    const std::string& name = handle->GetName();
    if (!name.starts_with(kKeyspacePrefix)) continue;
    const std::string keyspace = name.substr(kKeyspacePrefix.size());
    impl->families[keyspace] = handle;
    impl->live_bytes[keyspace] = std::make_unique<std::atomic<std::uint64_t>>(0);
    impl->digests[keyspace] = std::make_unique<BucketDigests>();
  }
  // A file left by a crash mid-ingest was never linked in: nothing refers to it.
  std::filesystem::remove_all(std::filesystem::path(directory) / kStagingFolder, ec);
  std::unique_ptr<Storage> storage(new Storage(directory, std::move(impl)));
  auto counted = storage->count_live_bytes();
  if (!counted) return counted.error();
  return storage;
}

ringcore::Status Storage::count_live_bytes() {
  for (const std::string& keyspace : keyspaces()) {
    std::uint64_t bytes = 0;
    BucketDigests& digests = impl_->digests_of(keyspace);
    digests.clear();
    auto scanned = scan_views(keyspace, ringcore::TokenRange{ringcore::kMinToken, ringcore::kMinToken},
                              [&](Token token, std::string_view key, std::string_view cell_bytes) {
                                const CellView cell = view_cell(cell_bytes);
                                bytes += row_bytes(key, cell.value);
                                digests.add(token, digest_of(key, cell));
                                return true;
                              });
    if (!scanned) return scanned;
    impl_->live_counter(keyspace) = bytes;
  }
  return ringcore::Ok{};
}

Storage::~Storage() {
  if (impl_->db == nullptr) return;
  // Refused, harmlessly, when a write failed on the log (sync_log()).
  (void)impl_->sync_log();
  // Unflushed ingests are in memtables only (storage.h): RocksDB's Close() flushes them too
  // (avoid_flush_during_shutdown is off), but a failure there is silent; this one is logged.
  if (!impl_->stopped_on_full_disk) {
    if (auto flushed = flush(); !flushed) ringruntime::log_warn("closing the storage: " + flushed.error().message());
  }
  for (rocksdb::ColumnFamilyHandle* handle : impl_->all_handles) impl_->db->DestroyColumnFamilyHandle(handle);
  impl_->db->Close();
  delete impl_->db;
}

ringcore::Status Storage::create_keyspace(const std::string& keyspace) {
  std::unique_lock lock(impl_->families_mutex);
  if (impl_->families.contains(keyspace)) return ringcore::Ok{};
  rocksdb::ColumnFamilyHandle* handle = nullptr;
  const rocksdb::Status status = impl_->db->CreateColumnFamily(rocksdb::ColumnFamilyOptions(database_options()),
                                                               std::string(kKeyspacePrefix) + keyspace, &handle);
  if (!status.ok()) return failed("cannot create storage for keyspace '" + keyspace + "'", status);
  impl_->families[keyspace] = handle;
  impl_->live_bytes[keyspace] = std::make_unique<std::atomic<std::uint64_t>>(0);
  impl_->digests[keyspace] = std::make_unique<BucketDigests>();
  impl_->all_handles.push_back(handle);
  return ringcore::Ok{};
}

bool Storage::has_keyspace(const std::string& keyspace) const {
  std::shared_lock lock(impl_->families_mutex);
  return impl_->families.contains(keyspace);
}

std::vector<std::string> Storage::keyspaces() const {
  std::shared_lock lock(impl_->families_mutex);
  std::vector<std::string> names;
  for (const auto& [name, handle] : impl_->families) names.push_back(name);
  return names;
}

ringcore::Result<bool> Storage::apply(const std::string& keyspace, std::string_view key, const Cell& cell) {
  try {
    rocksdb::ColumnFamilyHandle* family = impl_->family(keyspace);
    const std::string row_key = encode_row_key(ringcore::token_for_key(key), key);
    std::shared_lock gate(impl_->ingest_gate);
    std::lock_guard lock(impl_->row_lock(keyspace, key));
    std::string stored;
    std::uint64_t replaced_bytes = 0;
    std::optional<ringcore::Murmur3Hash> replaced_digest;
    const rocksdb::Status found = impl_->db->Get(rocksdb::ReadOptions(), family, row_key, &stored);
    if (found.ok()) {
      if (auto ok = check_cell(stored); !ok) return ok.error();
      const CellView current = view_cell(stored);
      if (!supersedes(CellView{cell.timestamp_us, cell.tombstone, cell.value}, current)) return false;
      replaced_bytes = row_bytes(key, current.value);
      replaced_digest = digest_of(key, current);
    } else if (!found.IsNotFound()) {
      return failed("cannot read keyspace '" + keyspace + "'", found);
    }
    const rocksdb::Status written = impl_->db->Put(rocksdb::WriteOptions(), family, row_key, encode_cell(cell));
    if (!written.ok()) return impl_->stop_if_full("cannot write keyspace '" + keyspace + "'", written);
    std::atomic<std::uint64_t>& live = impl_->live_counter(keyspace);
    live += row_bytes(key, cell);
    live -= replaced_bytes;
    BucketDigests& digests = impl_->digests_of(keyspace);
    const Token token = ringcore::token_for_key(key);
    if (replaced_digest) digests.remove(token, *replaced_digest);
    digests.add(token, digest_of(key, CellView{cell.timestamp_us, cell.tombstone, cell.value}));
    return true;
  } catch (const Error& error) {
    return error;
  }
}

namespace {

// The rows in key order: a page of a range that wraps past the end of the ring comes as two
// ordered runs, (left, max] then [min, right], and is put back as [min, right] then (left, max].
std::vector<const RowView*> in_key_order(std::span<const RowView> rows) {
  std::vector<const RowView*> ordered;
  ordered.reserve(rows.size());
  for (const RowView& row : rows) ordered.push_back(&row);
  for (std::size_t i = 1; i < ordered.size(); ++i) {
    if (ordered[i]->token < ordered[i - 1]->token) {
      std::rotate(ordered.begin(), ordered.begin() + static_cast<std::ptrdiff_t>(i), ordered.end());
      break;  // a second wrap is out of order: ingest() refuses it
    }
  }
  return ordered;
}

}  // namespace

ringcore::Result<IngestedRows> Storage::ingest(const std::string& keyspace, std::span<const RowView> rows) {
  try {
    rocksdb::ColumnFamilyHandle* family = impl_->family(keyspace);
    IngestedRows ingested;
    ingested.rows = rows.size();
    ingested.instance = instance_id_;
    if (rows.empty()) return ingested;
    const std::vector<const RowView*> ordered = in_key_order(rows);
    std::vector<std::string> row_keys;
    row_keys.reserve(ordered.size());
    for (const RowView* row : ordered) {
      if (auto ok = check_cell(row->cell); !ok) {
        return Error::invalid_input("ingest into keyspace '" + keyspace + "': key '" + std::string(row->key) +
                                    "': " + ok.error().message());
      }
      row_keys.push_back(encode_row_key(row->token, row->key));
      // Strictly ascending: one ordered pass below finds each row's stored cell, and a key
      // twice in a page would count its bytes twice.
      if (row_keys.size() > 1 && row_keys[row_keys.size() - 2] >= row_keys.back()) {
        return Error::invalid_input("ingest into keyspace '" + keyspace +
                                    "': rows not in strict (token, key) order at key '" + std::string(row->key) + "'");
      }
    }

    rocksdb::WriteBatch batch;
    std::int64_t live_delta = 0;
    // The digests the batch adds to and removes from their buckets, folded in once it is written.
    std::vector<std::pair<Token, ringcore::Murmur3Hash>> added;
    std::vector<std::pair<Token, ringcore::Murmur3Hash>> removed;
    {
      std::unique_lock gate(impl_->ingest_gate);
      if (impl_->stopped_on_full_disk) return impl_->stopped("cannot ingest into keyspace '" + keyspace + "'");
      // Each row against the stored cell of its key, read in one ordered pass over the page's
      // key span: only the winners are written, so the batch replaces nothing newer.
      std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), family));
      it->Seek(row_keys.front());
      for (std::size_t i = 0; i < ordered.size(); ++i) {
        const RowView& row = *ordered[i];
        while (it->Valid() && it->key().ToStringView() < row_keys[i]) it->Next();
        const CellView incoming = view_cell(row.cell);
        if (it->Valid() && it->key().ToStringView() == row_keys[i]) {
          const std::string_view stored = it->value().ToStringView();
          if (auto ok = check_cell(stored); !ok) return ok.error();
          const CellView current = view_cell(stored);
          if (!supersedes(incoming, current)) continue;
          live_delta -= static_cast<std::int64_t>(row_bytes(row.key, current.value));
          removed.emplace_back(row.token, digest_of(row.key, current));
        }
        if (!it->status().ok()) return failed("cannot read before ingesting", it->status());
        batch.Put(family, row_keys[i], rocksdb::Slice(row.cell.data(), row.cell.size()));
        live_delta += static_cast<std::int64_t>(row_bytes(row.key, incoming.value));
        added.emplace_back(row.token, digest_of(row.key, incoming));
        ++ingested.stored;
      }
      if (!it->status().ok()) return failed("cannot read before ingesting", it->status());
      if (batch.Count() > 0) {
        // Unlogged: flush_streamed() makes it durable (storage.h).
        rocksdb::WriteOptions unlogged;
        unlogged.disableWAL = true;
        const rocksdb::Status written = impl_->db->Write(unlogged, &batch);
        if (!written.ok()) return impl_->stop_if_full("cannot ingest into keyspace '" + keyspace + "'", written);
      }
      impl_->live_counter(keyspace) += static_cast<std::uint64_t>(live_delta);  // wraps back for a negative delta
      BucketDigests& digests = impl_->digests_of(keyspace);
      for (const auto& [token, digest] : removed) digests.remove(token, digest);
      for (const auto& [token, digest] : added) digests.add(token, digest);
    }
    if (batch.Count() > 0) impl_->defer_compactions(keyspace, family);
    ingested.file_bytes = batch.GetDataSize();
    return ingested;
  } catch (const Error& error) {
    return error;
  }
}

ringcore::Result<IngestedRows> Storage::ingest(const std::string& keyspace, const std::vector<StoredRow>& rows) {
  std::vector<std::string> cells;
  cells.reserve(rows.size());
  std::vector<RowView> views;
  views.reserve(rows.size());
  for (const StoredRow& row : rows) {
    cells.push_back(encode_cell(row.cell));
    views.push_back(RowView{row.token, row.key, cells.back()});
  }
  return ingest(keyspace, views);
}

ringcore::Result<std::optional<Cell>> Storage::get(const std::string& keyspace, std::string_view key) const {
  try {
    rocksdb::ColumnFamilyHandle* family = impl_->family(keyspace);
    std::string stored;
    const rocksdb::Status status =
        impl_->db->Get(rocksdb::ReadOptions(), family, encode_row_key(ringcore::token_for_key(key), key), &stored);
    if (status.IsNotFound()) return std::optional<Cell>();
    if (!status.ok()) return failed("cannot read keyspace '" + keyspace + "'", status);
    auto cell = decode_cell(stored);
    if (!cell) return cell.error();
    return std::optional<Cell>(std::move(cell).value());
  } catch (const Error& error) {
    return error;
  }
}

ringcore::Status Storage::scan(const std::string& keyspace, const ringcore::TokenRange& range,
                               const std::function<bool(StoredRow&&)>& visit) const {
  return scan_views(keyspace, range, [&](Token token, std::string_view key, std::string_view cell) {
    return visit(StoredRow{token, std::string(key), decode_cell(cell).value()});  // scan_views checked it
  });
}

ringcore::Status Storage::scan_views(
    const std::string& keyspace, const ringcore::TokenRange& range,
    const std::function<bool(Token, std::string_view key, std::string_view cell)>& visit) const {
  try {
    rocksdb::ColumnFamilyHandle* family = impl_->family(keyspace);
    // A scan reads each row once (streaming, repair, counting): it must not push the rows
    // clients read out of the block cache, and reading ahead makes it sequential on disk.
    rocksdb::ReadOptions options;
    options.fill_cache = false;
    options.readahead_size = 2 << 20;
    std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(options, family));
    // One ordered pass over the tokens in (after, last], or [first token, last] without `after`.
    auto pass = [&](std::optional<Token> after, Token last) -> ringcore::Result<bool> {
      if (after) {
        if (*after == ringcore::kMaxToken) return true;  // nothing comes after the last token
        it->Seek(encode_row_key(*after + 1, ""));
      } else {
        it->SeekToFirst();
      }
      for (; it->Valid(); it->Next()) {
        const std::string_view raw = it->key().ToStringView();
        const Token token = from_ordered(get_u64(raw));
        if (token > last) break;
        const std::string_view cell = it->value().ToStringView();
        if (auto ok = check_cell(cell); !ok) return ok.error();
        if (!visit(token, raw.substr(8), cell)) return false;
      }
      if (!it->status().ok()) return failed("cannot scan keyspace '" + keyspace + "'", it->status());
      return true;
    };
    if (!range.wraps()) {
      auto done = pass(range.left, range.right);
      if (!done) return done.error();
      return ringcore::Ok{};
    }
    auto more = pass(range.left, ringcore::kMaxToken);  // (left, max]
    if (!more) return more.error();
    if (*more && range.right != ringcore::kMinToken) {
      auto rest = pass(std::nullopt, range.right);  // [min, right]
      if (!rest) return rest.error();
    }
    return ringcore::Ok{};
  } catch (const Error& error) {
    return error;
  }
}

ringcore::Result<std::optional<std::string>> Storage::get_local(const std::string& name) const {
  std::string value;
  const rocksdb::Status status = impl_->db->Get(rocksdb::ReadOptions(), name, &value);
  if (status.IsNotFound()) return std::optional<std::string>();
  if (!status.ok()) return failed("cannot read local value '" + name + "'", status);
  return std::optional<std::string>(std::move(value));
}

ringcore::Status Storage::put_local(const std::string& name, const std::string& value) {
  rocksdb::WriteOptions options;
  options.sync = true;
  const rocksdb::Status status = impl_->db->Put(options, name, value);
  if (!status.ok()) return impl_->stop_if_full("cannot write local value '" + name + "'", status);
  return ringcore::Ok{};
}

ringcore::Status Storage::put_local_unsynced(const std::string& name, std::string_view value) {
  const rocksdb::Status status =
      impl_->db->Put(rocksdb::WriteOptions(), name, rocksdb::Slice(value.data(), value.size()));
  if (!status.ok()) return impl_->stop_if_full("cannot write local value '" + name + "'", status);
  return ringcore::Ok{};
}

ringcore::Status Storage::remove_local(const std::string& name) {
  const rocksdb::Status status = impl_->db->Delete(rocksdb::WriteOptions(), name);
  if (!status.ok()) return impl_->stop_if_full("cannot remove local value '" + name + "'", status);
  return ringcore::Ok{};
}

ringcore::Status Storage::scan_local(const std::string& prefix,
                                     const std::function<bool(std::string_view, std::string_view)>& visit) const {
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (!visit(it->key().ToStringView(), it->value().ToStringView())) break;
  }
  if (!it->status().ok()) return failed("cannot scan local values '" + prefix + "*'", it->status());
  return ringcore::Ok{};
}

ringcore::Result<RemovedRows> Storage::remove_range(const std::string& keyspace, const ringcore::TokenRange& range) {
  constexpr std::size_t kBatchRows = 4096;
  rocksdb::ColumnFamilyHandle* family = nullptr;
  try {
    family = impl_->family(keyspace);
  } catch (const Error& error) {
    return error;
  }
  RemovedRows removed;
  rocksdb::WriteBatch batch;
  BucketDigests& digests = impl_->digests_of(keyspace);
  std::vector<std::pair<Token, ringcore::Murmur3Hash>> batch_digests;  // of the batch's rows
  auto commit = [&]() -> ringcore::Status {
    const rocksdb::Status status = impl_->db->Write(rocksdb::WriteOptions(), &batch);
    batch.Clear();
    if (!status.ok()) return impl_->stop_if_full("cannot remove rows of keyspace '" + keyspace + "'", status);
    for (const auto& [token, digest] : batch_digests) digests.remove(token, digest);
    batch_digests.clear();
    return ringcore::Ok{};
  };
  ringcore::Status status = ringcore::Ok{};
  auto scanned = scan_views(keyspace, range, [&](Token token, std::string_view key, std::string_view cell_bytes) {
    const CellView cell = view_cell(cell_bytes);
    batch.Delete(family, encode_row_key(token, key));
    batch_digests.emplace_back(token, digest_of(key, cell));
    ++removed.rows;
    removed.bytes += row_bytes(key, cell.value);
    if (batch.Count() >= static_cast<int>(kBatchRows)) status = commit();
    return status.ok();
  });
  if (!scanned) return scanned.error();
  if (!status) return status.error();
  if (batch.Count() > 0) {
    auto last = commit();
    if (!last) return last.error();
  }
  impl_->live_counter(keyspace) -= removed.bytes;
  return removed;
}

ringcore::Result<std::vector<SegmentDigest>> Storage::range_digests(const std::string& keyspace,
                                                                    const ringcore::TokenRange& range) const {
  std::vector<SegmentDigest> answer;
  try {
    impl_->family(keyspace);  // kNotFound for an unknown keyspace
    const BucketDigests& digests = impl_->digests_of(keyspace);
    for (const Segment& segment : segments_of(range)) {
      if (segment.whole) {
        answer.push_back(digests.bucket(segment.bucket));
        continue;
      }
      SegmentDigest& digest = answer.emplace_back();
      auto scanned = scan_views(keyspace, segment.range, [&](Token, std::string_view key, std::string_view cell) {
        digest.add(digest_of(key, view_cell(cell)));
        return true;
      });
      if (!scanned) return scanned.error();
    }
  } catch (const Error& error) {
    return error;
  }
  return answer;
}

ringcore::Status Storage::compact() {
  // Every column family flushed first, the local values' too: the write-ahead log, counted in
  // disk_bytes(), is freed only when no family still needs it. Without this, cleanup's
  // "disk after" counted the log of the rows it had just removed, and came out above "before".
  if (auto flushed = flush(); !flushed) return flushed;
  std::shared_lock lock(impl_->families_mutex);
  for (const auto& [name, family] : impl_->families) {
    const rocksdb::Status status = impl_->db->CompactRange(rocksdb::CompactRangeOptions(), family, nullptr, nullptr);
    if (!status.ok()) return failed("cannot compact keyspace '" + name + "'", status);
  }
  return ringcore::Ok{};
}

std::uint64_t Storage::load_bytes(const std::string& keyspace) const {
  std::shared_lock lock(impl_->families_mutex);
  auto it = impl_->live_bytes.find(keyspace);
  return it == impl_->live_bytes.end() ? 0 : it->second->load();
}

std::uint64_t Storage::load_bytes() const {
  std::shared_lock lock(impl_->families_mutex);
  std::uint64_t bytes = 0;
  for (const auto& [name, counter] : impl_->live_bytes) bytes += counter->load();
  return bytes;
}

std::uint64_t Storage::disk_bytes() const {
  std::uint64_t bytes = 0;
  std::vector<rocksdb::LiveFileMetaData> files;
  impl_->db->GetLiveFilesMetaData(&files);
  for (const auto& file : files) bytes += file.size;
  rocksdb::VectorLogPtr logs;
  if (impl_->db->GetSortedWalFiles(logs).ok()) {
    for (const auto& log : logs) bytes += log->SizeFileBytes();
  }
  return bytes;
}

std::vector<KeyspaceCompactionStats> Storage::compaction_stats() const {
  std::uint64_t running = 0;
  impl_->db->GetIntProperty(rocksdb::DB::Properties::kNumRunningCompactions, &running);
  std::shared_lock lock(impl_->families_mutex);
  std::vector<KeyspaceCompactionStats> stats;
  for (const auto& [name, family] : impl_->families) {
    KeyspaceCompactionStats entry;
    entry.keyspace = name;
    entry.running_compactions = running;
    impl_->db->GetIntProperty(family, rocksdb::DB::Properties::kEstimatePendingCompactionBytes,
                              &entry.pending_compaction_bytes);
    std::uint64_t pending_flag = 0;
    impl_->db->GetIntProperty(family, rocksdb::DB::Properties::kCompactionPending, &pending_flag);
    entry.compaction_pending = pending_flag != 0;
    const std::uint64_t file_bytes = std::max<std::uint64_t>(1, impl_->db->GetOptions(family).target_file_size_base);
    entry.pending_tasks =
        estimated_pending_compaction_tasks(entry.compaction_pending, entry.pending_compaction_bytes, file_bytes);
    impl_->db->GetIntProperty(family, rocksdb::DB::Properties::kTotalSstFilesSize, &entry.sst_bytes);
    impl_->db->GetIntProperty(family, rocksdb::DB::Properties::kCurSizeAllMemTables, &entry.memtable_bytes);
    impl_->db->GetIntProperty(family, rocksdb::DB::Properties::kEstimateNumKeys, &entry.estimated_keys);
    rocksdb::ColumnFamilyMetaData meta;
    impl_->db->GetColumnFamilyMetaData(family, &meta);
    for (const auto& level : meta.levels) {
      entry.levels.push_back(LevelStats{level.level, level.files.size(), level.size});
    }
    stats.push_back(std::move(entry));
  }
  return stats;
}

std::vector<ActiveCompaction> Storage::active_compactions() const {
  std::vector<rocksdb::ThreadStatus> threads;
  if (!impl_->db->GetEnv()->GetThreadList(&threads).ok()) return {};
  std::vector<ActiveCompaction> active;
  for (const rocksdb::ThreadStatus& thread : threads) {
    // The thread list is the process's: keep this database's compactions.
    if (thread.operation_type != rocksdb::ThreadStatus::OP_COMPACTION || thread.db_name != impl_->db->GetName())
      continue;
    ActiveCompaction compaction;
    compaction.keyspace =
        thread.cf_name.starts_with(kKeyspacePrefix) ? thread.cf_name.substr(kKeyspacePrefix.size()) : thread.cf_name;
    compaction.job_id = thread.op_properties[rocksdb::ThreadStatus::COMPACTION_JOB_ID];
    compaction.total_bytes = thread.op_properties[rocksdb::ThreadStatus::COMPACTION_TOTAL_INPUT_BYTES];
    compaction.completed_bytes = thread.op_properties[rocksdb::ThreadStatus::COMPACTION_BYTES_READ];
    active.push_back(std::move(compaction));
  }
  return active;
}

ringcore::Result<std::string> Storage::flush_streamed(const std::string& keyspace) {
  try {
    rocksdb::ColumnFamilyHandle* family = impl_->family(keyspace);
    const std::string what = "cannot flush the rows streamed into keyspace '" + keyspace + "'";
    if (impl_->stopped_on_full_disk) return impl_->stopped(what);
    rocksdb::FlushOptions options;
    options.wait = true;
    // A flush the memtable's size started meanwhile is waited for too (Flush waits for every
    // memtable older than the one it switches out).
    const rocksdb::Status flushed = impl_->db->Flush(options, family);
    if (!flushed.ok()) return impl_->stop_if_full(what, flushed);
    impl_->resume_compactions(keyspace, family);
    return instance_id_;
  } catch (const Error& error) {
    return error;
  }
}

void Storage::close_as_killed(std::unique_ptr<Storage> storage) {
  Impl& impl = *storage->impl_;
  const rocksdb::Status set = impl.db->SetDBOptions({{"avoid_flush_during_shutdown", "true"}});
  if (!set.ok()) throw std::logic_error("close_as_killed: " + set.ToString());
  for (rocksdb::ColumnFamilyHandle* handle : impl.all_handles) impl.db->DestroyColumnFamilyHandle(handle);
  impl.db->Close();
  delete impl.db;
  impl.db = nullptr;  // the destructor has nothing left to close
}

ringcore::Status Storage::flush() {
  std::shared_lock lock(impl_->families_mutex);
  const rocksdb::Status status = impl_->db->Flush(rocksdb::FlushOptions(), impl_->all_handles);
  if (!status.ok()) return failed("cannot flush", status);
  return ringcore::Ok{};
}

}  // namespace ringnode
