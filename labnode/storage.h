// Storage: the node's rows on RocksDB, and a few local metadata values.
//
// One column family per keyspace ("ks:<name>"); the default column family holds local
// metadata (identity, schema). A row's RocksDB key is
//   [token: 8 bytes big-endian with the sign bit flipped][partition key bytes]
// so rows sort by (token, key) and a token range is one ordered scan. Its value is a Cell:
//   [timestamp: 8 bytes big-endian, microseconds][flags: 1 byte, bit 0 = tombstone][value]
// Writes follow last-write-wins: a cell replaces the stored one only when it is newer (higher
// timestamp; on a tie a tombstone beats a value, then the greater value wins, as Cassandra
// reconciles), so replicas converge whatever order writes arrive in.
//
// Streamed rows arrive a page at a time (ingest()): the page's rows are compared with the
// stored cells of their keys, and those that win under last-write-wins are written as one
// atomic write batch, all inside the ingest gate (held exclusively), so no client write lands
// between the comparison and the batch; apply() holds the gate shared from its read to its
// write, so a put that follows an ingest has compared against the ingested cell. A row written
// during the stream is therefore never replaced by an older streamed copy, whatever the order.
//
// Streamed pages are not logged: the batch skips the write-ahead log (WriteOptions::disableWAL)
// and lives in the keyspace's memtable until it is flushed to an SST file. Logging them wrote
// every streamed byte twice (log, then flush) and RocksDB's CRC32C of the log was 42% of a
// receiver's CPU. So an ingest's answer means "applied", not "durable"; durability comes from
// flush_streamed(keyspace), which the streamer asks of each target once per keyspace after its
// last page and before it counts any range to that target as received (range_streamer.h).
// Each open gets a random instance id, carried by every ingest and flush answer: a streamer
// that sees it change across a target's pages and flush knows the target restarted and lost
// what it had not flushed, and streams those ranges again.
//
// Crash cases (the receiver SIGKILLed, or the machine crashing):
// - After pages were answered, before the flush: their rows were in the memtable only and are
//   gone at the next open (the log replays client writes, not them). The streamer never counted
//   them received: on a joining node the bootstrap starts over (its state stays "in_progress",
//   node.h), and a remote target answers the flush with a new instance id, so the streamer
//   streams its ranges again (or fails the operation, retryably, naming the restart). Nothing
//   is counted done before a flush answered with the instance id of every page.
// - A client write that lost against an unlogged streamed cell (the streamed cell was newer),
//   then the crash: this replica keeps neither. The client write was never stored here (it lost
//   under last-write-wins, as it would on every replica holding the newer cell), so its loss
//   from this replica changes no read: the newer cell wins it everywhere. The newer cell is
//   durable on the stream's source (a replica) and its other replicas, and the stream that is
//   re-run brings it back here. A client write that won against a streamed cell went through
//   the log and survives; the re-streamed older copy then loses against it.
// - A memtable flush RocksDB makes on its own (the memtable full) persists unlogged rows early:
//   harmless, they are only durable sooner.
// - Reads may see a streamed row before its flush; if the receiver then crashes the row goes
//   away here until it is streamed again, but it was on its source and other replicas all along
//   (streaming copies, never moves, until the operation ends).
// - A full disk: a flush that fails for ENOSPC (flush_streamed()'s, or one RocksDB makes on its
//   own, which then fails the next write) stops the database like any other write on a full
//   disk (kStoppedOnFullDisk below): flush_streamed() and ingest() refuse from then on, so the
//   stream fails and nothing unflushed is counted received.
// Compactions during a stream: a stream's pages fill memtables with rows of many ranges at once,
// so each memtable flush leaves a level-0 file overlapping the others, and RocksDB's trigger of
// 4 such files merged them again and again while the stream ran (perf on a joining node in
// bench/streaming_bench.sh: its compaction thread a third of its CPU during the stream).
// From the first ingest into a keyspace until flush_streamed(keyspace), the keyspace's level-0
// triggers are raised (32 files before compacting, about 256 MiB of memtables; storage.cpp), so
// the stream's files are compacted once, after it. A stream that is never flushed (its streamer
// failed) leaves the raised triggers until the next flush_streamed() of that keyspace or a
// restart: bounded, at most 32 files before compactions run again.
//
// Cells stored as merge operands by earlier versions (which linked in SST files of them) are
// resolved by every column family's merge operator, last-write-wins (supersedes()).
// rocksdb::Status is turned into ringcore::Error here (kFailed, naming the operation).
//
// Load: the node's load is its live data bytes, row_bytes() summed over the stored rows
// (tombstones included), kept as a counter per keyspace (counted by a scan at open, then
// updated by every apply and removal). It is what streaming moves and what the movement
// planner's estimates are made of; disk use (SST files, logs) is disk_bytes().
//
// Thread-safety: every member may be called from any thread. A row's read-compare-write is
// serialised by a lock stripe chosen by the key; column families are guarded by a mutex.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "merkle_buckets.h"
#include "ringcore/error.h"
#include "ringcore/token.h"

namespace ringnode {

struct Cell {
  std::int64_t timestamp_us = 0;
  bool tombstone = false;
  std::string value;  // empty for tombstones

  friend bool operator==(const Cell&, const Cell&) = default;
};

// Whether `incoming` wins over `stored` under last-write-wins (see above).
bool supersedes(const Cell& incoming, const Cell& stored);
// A cell's parts as views into its encoding (view_cell() below).
struct CellView {
  std::int64_t timestamp_us = 0;
  bool tombstone = false;
  std::string_view value;
};
bool supersedes(const CellView& incoming, const CellView& stored);

struct StoredRow {
  ringcore::Token token;
  std::string key;
  Cell cell;
};

// The bytes a row counts for in load and streaming: its RocksDB key (token and key) and its
// encoded cell (timestamp, flags and value).
inline std::uint64_t row_bytes(std::string_view key, std::string_view value) {
  return 8 + key.size() + 9 + value.size();
}
inline std::uint64_t row_bytes(std::string_view key, const Cell& cell) { return row_bytes(key, cell.value); }

struct RemovedRows {
  std::uint64_t rows = 0;
  std::uint64_t bytes = 0;  // row_bytes summed
};

// A streamed row as it travels (row_stream.h): views of its key and of its cell as
// encode_cell() lays it out (at least 9 bytes), with the key's token.
struct RowView {
  ringcore::Token token = 0;
  std::string_view key;
  std::string_view cell;
};

struct IngestedRows {
  std::uint64_t rows = 0;        // rows in the page
  std::uint64_t stored = 0;      // rows that superseded the stored cell (or had none)
  std::uint64_t file_bytes = 0;  // bytes of the write batch that stored them (memtable, no log)
  std::string instance;          // the storage's instance_id()
};

struct LevelStats {
  int level = 0;
  std::uint64_t files = 0;
  std::uint64_t size_bytes = 0;
};

struct KeyspaceCompactionStats {
  std::string keyspace;
  std::uint64_t pending_compaction_bytes = 0;  // rocksdb.estimate-pending-compaction-bytes
  bool compaction_pending = false;             // rocksdb.compaction-pending
  std::uint64_t pending_tasks = 0;             // estimated_pending_compaction_tasks
  std::uint64_t running_compactions = 0;       // the whole DB's, RocksDB counts them globally
  std::uint64_t sst_bytes = 0;
  std::uint64_t memtable_bytes = 0;
  std::uint64_t estimated_keys = 0;
  std::vector<LevelStats> levels;
};

// Pending compaction work as a task count, as nodetool's "pending tasks" estimates it for
// leveled compaction (the bytes over their level's target, divided by the SSTable size): the
// bytes RocksDB estimates compaction must rewrite, divided by the size of one output file
// (target_file_size_base), rounded up; at least 1 while RocksDB says a compaction is pending.
// REQUIRES: bytes_per_task > 0.
std::uint64_t estimated_pending_compaction_tasks(bool compaction_pending, std::uint64_t pending_bytes,
                                                 std::uint64_t bytes_per_task);

// A compaction running now (RocksDB's thread status), for nodetool compactionstats.
struct ActiveCompaction {
  std::string keyspace;
  std::uint64_t job_id = 0;
  std::uint64_t completed_bytes = 0;  // input bytes read so far
  std::uint64_t total_bytes = 0;      // input bytes
};

class Storage {
 public:
  // Opens (creating if needed) the database under `directory`, with every keyspace column
  // family it already has. Errors name the directory and RocksDB's reason (e.g. the lock held
  // by another process).
  static ringcore::Result<std::unique_ptr<Storage>> open(const std::string& directory);
  ~Storage();  // flushes the memtables and closes the database
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  // Creates the keyspace's column family if it does not exist yet.
  ringcore::Status create_keyspace(const std::string& keyspace);
  bool has_keyspace(const std::string& keyspace) const;
  std::vector<std::string> keyspaces() const;

  // Stores `cell` for `key` unless the stored cell supersedes it; returns whether it was
  // stored. Unknown keyspaces are kNotFound.
  ringcore::Result<bool> apply(const std::string& keyspace, std::string_view key, const Cell& cell);
  // Stores a page of streamed `rows` (of one keyspace, distinct keys, in the order of a range
  // scan: by (token, key) from the range's left, wrapping at most once past the end of the ring),
  // each row only where it supersedes the stored cell (see above); not logged, so durable only
  // once flush_streamed(keyspace) has returned after it (with the same instance_id()). All or
  // nothing: on any error (rows out of order or a cell shorter than 9 bytes: kInvalidInput; the
  // disk: kFailed) no row of the page is visible. Unknown keyspaces are kNotFound.
  // Once any write (an ingest, apply(), a removal, a local value) has failed for a full disk
  // inside RocksDB, that write and every later ingest fail (kFailed) saying the disk is full, or
  // was, and the database stopped: free space and restart the node (storage.cpp,
  // kStoppedOnFullDisk); the refusals name the write that failed first.
  ringcore::Result<IngestedRows> ingest(const std::string& keyspace, std::span<const RowView> rows);
  // The same for decoded rows.
  ringcore::Result<IngestedRows> ingest(const std::string& keyspace, const std::vector<StoredRow>& rows);
  // Makes every row ingested into `keyspace` so far durable: flushes its memtable to an SST
  // file and waits for that (and any flush before it) to finish. Returns instance_id(). A
  // failure for a full disk stops the database as ingest() says; once stopped, refuses.
  // Unknown keyspaces are kNotFound.
  ringcore::Result<std::string> flush_streamed(const std::string& keyspace);
  // Random, drawn at each open (16 hex digits): a different value means the storage was
  // reopened, and lost the unflushed ingests of the instance before.
  const std::string& instance_id() const { return instance_id_; }
  // Closes the database as a killed process leaves it: memtables not flushed, so rows only
  // they held (unflushed ingests) are gone at the next open. For tests of crash recovery.
  static void close_as_killed(std::unique_ptr<Storage> storage);
  // The stored cell (tombstones included), or nullopt.
  ringcore::Result<std::optional<Cell>> get(const std::string& keyspace, std::string_view key) const;
  // Visits the rows whose token is in `range` ((left, right], wrapping; (x, x] is the whole
  // ring) in ring order from left, tombstones included, until `visit` returns false. Each row
  // is handed over (an rvalue): a visitor that keeps it moves it instead of copying.
  ringcore::Status scan(const std::string& keyspace, const ringcore::TokenRange& range,
                        const std::function<bool(StoredRow&&)>& visit) const;
  // The same rows as views into RocksDB's buffers, valid during the call only: the key, and the
  // cell as stored (encode_cell's bytes, at least 9, checked). For passes that read each
  // row once and keep nothing (sizing, validation), without copying its value.
  ringcore::Status scan_views(
      const std::string& keyspace, const ringcore::TokenRange& range,
      const std::function<bool(ringcore::Token, std::string_view key, std::string_view cell)>& visit) const;

  // Deletes every row whose token is in `range` (cleanup). Callers make sure no write for the
  // range arrives meanwhile (the node no longer replicates it).
  ringcore::Result<RemovedRows> remove_range(const std::string& keyspace, const ringcore::TokenRange& range);
  // The digest of each of segments_of(range) (merkle_buckets.h): a whole bucket's as kept by
  // the writes, a partial one's from a scan of its rows. Unknown keyspaces are kNotFound.
  ringcore::Result<std::vector<SegmentDigest>> range_digests(const std::string& keyspace,
                                                             const ringcore::TokenRange& range) const;
  // Compacts every keyspace so that removed rows leave the disk.
  ringcore::Status compact();

  // Local metadata in the default column family.
  ringcore::Result<std::optional<std::string>> get_local(const std::string& name) const;
  ringcore::Status put_local(const std::string& name, const std::string& value);  // synced to disk
  // Local values kept in the write-ahead log but not synced on each write (they survive the
  // process being killed, not the machine crashing): hints. Removing a missing name is fine.
  ringcore::Status put_local_unsynced(const std::string& name, std::string_view value);
  ringcore::Status remove_local(const std::string& name);
  // Visits the local values whose names start with `prefix`, in name order, until `visit`
  // returns false.
  ringcore::Status scan_local(const std::string& prefix,
                              const std::function<bool(std::string_view name, std::string_view value)>& visit) const;

  // Live data bytes (see Load above): of one keyspace (0 if unknown), and of all.
  std::uint64_t load_bytes(const std::string& keyspace) const;
  std::uint64_t load_bytes() const;
  // Bytes on disk: live SST files plus write-ahead logs.
  std::uint64_t disk_bytes() const;
  std::vector<KeyspaceCompactionStats> compaction_stats() const;
  std::vector<ActiveCompaction> active_compactions() const;
  // Flushes every memtable to SST files (tests, shutdown).
  ringcore::Status flush();

  const std::string& directory() const { return directory_; }

 private:
  struct Impl;
  Storage(std::string directory, std::unique_ptr<Impl> impl);
  ringcore::Status count_live_bytes();

  std::string directory_;
  std::string instance_id_;
  std::unique_ptr<Impl> impl_;
};

// The key encoding, exposed for tests: encode_row_key sorts as (token, key).
std::string encode_row_key(ringcore::Token token, std::string_view key);
std::string encode_cell(const Cell& cell);
ringcore::Result<Cell> decode_cell(std::string_view bytes);
// An encoded cell's parts without copying its value. REQUIRES: bytes.size() >= 9 (scan_views
// hands out no shorter cell).
CellView view_cell(std::string_view bytes);
// row_digest() of a stored row (merkle_buckets.h): what its token's bucket folds in.
ringcore::Murmur3Hash digest_of(std::string_view key, const CellView& cell);

}  // namespace ringnode
