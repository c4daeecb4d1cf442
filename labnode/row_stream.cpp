#include "row_stream.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "base64.h"
#include "ringcore/murmur3.h"

namespace ringnode {
namespace {

using ringcore::Error;

void put_u32(std::string& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((value >> shift) & 0xff));
}

std::optional<std::uint32_t> get_u32(std::string_view bytes, std::size_t at) {
  if (bytes.size() < at + 4) return std::nullopt;
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i) value = (value << 8) | static_cast<unsigned char>(bytes[at + i]);
  return value;
}

// A field of `length` bytes at `at`, or an error naming the record.
ringcore::Result<std::string_view> field(std::string_view bytes, std::size_t& at, std::size_t record,
                                         const char* what) {
  const std::optional<std::uint32_t> length = get_u32(bytes, at);
  if (!length || bytes.size() - at - 4 < *length) {
    return Error::invalid_input("row stream: record " + std::to_string(record) + ": " + what + " runs past the end");
  }
  const std::string_view value = bytes.substr(at + 4, *length);
  at += 4 + *length;
  return value;
}

// Writes and syncs a file. Synced here, before Storage::ingest_file takes its gate: linking a
// file in syncs it again, and a file whose bytes are still unwritten makes that sync hold every
// other ingest and write waiting for the disk.
ringcore::Status write_synced(const std::string& path, std::string_view bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Error::failed("cannot create " + path + ": " + std::strerror(errno));
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    written += static_cast<std::size_t>(n);
  }
  const bool ok = written == bytes.size() && ::fdatasync(fd) == 0;
  const std::string reason = std::strerror(errno);
  ::close(fd);
  if (!ok) return Error::failed("cannot write " + path + ": " + reason);
  return ringcore::Ok{};
}

}  // namespace

std::string encode_file(ExportedFile file) {
  const std::string meta = nlohmann::json{{"rows", file.rows},
                                          {"bytes", file.bytes},
                                          {"segments_done", file.segments_done},
                                          {"last_key", base64_encode(file.last_key)}}
                               .dump();
  std::string out = std::move(file.sst);
  out.append(meta);
  put_u32(out, static_cast<std::uint32_t>(meta.size()));
  return out;
}

ringcore::Result<ExportedFile> decode_file(std::string body) {
  const std::optional<std::uint32_t> meta_size = body.size() >= 4 ? get_u32(body, body.size() - 4) : std::nullopt;
  if (!meta_size || *meta_size > body.size() - 4) {
    return Error::invalid_input("file stream: " + std::to_string(body.size()) + " bytes end in no meta");
  }
  const std::size_t meta_at = body.size() - 4 - *meta_size;
  const nlohmann::json meta = nlohmann::json::parse(std::string_view(body).substr(meta_at, *meta_size), nullptr, false);
  if (!meta.is_object()) return Error::invalid_input("file stream: the meta is not a JSON object");
  ExportedFile file;
  file.rows = meta.value("rows", std::uint64_t{0});
  file.bytes = meta.value("bytes", std::uint64_t{0});
  file.segments_done = meta.value("segments_done", std::size_t{0});
  auto last_key = base64_decode(meta.value("last_key", ""));
  if (!last_key) return Error::invalid_input("file stream: last_key: " + last_key.error().message());
  file.last_key = std::move(last_key).value();
  body.resize(meta_at);
  file.sst = std::move(body);
  if (file.rows > 0 && file.sst.empty()) return Error::invalid_input("file stream: rows but no file");
  return file;
}

ringcore::Result<IngestedRows> ingest_file_bytes(Storage& storage, const std::string& keyspace, std::string_view sst) {
  if (sst.empty()) return IngestedRows{};
  auto path = storage.staging_path();
  if (!path) return path.error();
  if (auto written = write_synced(*path, sst); !written) {
    std::error_code ignored;
    std::filesystem::remove(*path, ignored);
    return written.error();
  }
  return storage.ingest_file(keyspace, *path);  // removes the file
}

std::string encode_rows(const std::vector<StoredRow>& rows) {
  // Sized once: a page is megabytes, and growing it row by row copied it over and over.
  std::size_t size = 0;
  for (const StoredRow& row : rows) size += 4 + row.key.size() + 4 + 9 + row.cell.value.size();
  std::string out;
  out.reserve(size);
  for (const StoredRow& row : rows) {
    put_u32(out, static_cast<std::uint32_t>(row.key.size()));
    out.append(row.key);
    put_u32(out, static_cast<std::uint32_t>(9 + row.cell.value.size()));
    out.append(encode_cell(row.cell));
  }
  return out;
}

ringcore::Result<std::vector<StoredRow>> decode_rows(std::string_view bytes) {
  std::vector<StoredRow> rows;
  std::size_t at = 0;
  while (at < bytes.size()) {
    const std::size_t record = rows.size();
    auto key = field(bytes, at, record, "key");
    if (!key) return key.error();
    auto cell_bytes = field(bytes, at, record, "cell");
    if (!cell_bytes) return cell_bytes.error();
    auto cell = decode_cell(*cell_bytes);
    if (!cell)
      return Error::invalid_input("row stream: record " + std::to_string(record) + ": " + cell.error().message());
    rows.push_back(StoredRow{ringcore::token_for_key(*key), std::string(*key), std::move(cell).value()});
  }
  return rows;
}

std::vector<ringcore::TokenRange> split_whole_ring(const ringcore::TokenRange& range) {
  if (!range.is_full_ring()) return {range};
  const ringcore::Token middle = static_cast<ringcore::Token>(static_cast<std::uint64_t>(range.left) + (1ULL << 63));
  return {ringcore::TokenRange{range.left, middle}, ringcore::TokenRange{middle, range.right}};
}

ringcore::Result<RowPage> read_page(const Storage& storage, const std::string& keyspace,
                                    const ringcore::TokenRange& range, const std::optional<RowCursor>& after,
                                    std::uint64_t max_bytes) {
  if (range.is_full_ring()) return Error::invalid_input("read_page: split the whole ring first");
  // Resume at the cursor's token: rows of that token up to the cursor's key were sent.
  ringcore::TokenRange rest = range;
  if (after) rest.left = static_cast<ringcore::Token>(static_cast<std::uint64_t>(after->token) - 1);
  RowPage page;
  std::uint64_t bytes = 0;
  auto scanned = storage.scan(keyspace, rest, [&](StoredRow&& row) {
    if (after && row.token == after->token && row.key <= after->key) return true;
    if (bytes >= max_bytes) {
      page.last = false;
      return false;
    }
    bytes += row_bytes(row.key, row.cell);
    page.rows.push_back(std::move(row));
    return true;
  });
  if (!scanned) return scanned.error();
  return page;
}

ringcore::Result<RangeSize> range_size(const Storage& storage, const std::string& keyspace,
                                       const ringcore::TokenRange& range) {
  RangeSize size;
  auto scanned = storage.scan(keyspace, range, [&](const StoredRow& row) {
    ++size.rows;
    size.bytes += row_bytes(row.key, row.cell);
    return true;
  });
  if (!scanned) return scanned.error();
  return size;
}

ringcore::Result<std::uint64_t> apply_rows(Storage& storage, const std::string& keyspace,
                                           const std::vector<StoredRow>& rows) {
  std::uint64_t stored = 0;
  for (const StoredRow& row : rows) {
    auto applied = storage.apply(keyspace, row.key, row.cell);
    if (!applied) return applied.error();
    if (*applied) ++stored;
  }
  return stored;
}

ringcore::Result<ringcore::MerkleTree> build_tree(const Storage& storage, const std::string& keyspace,
                                                  const ringcore::TokenRange& range, int depth) {
  if (depth < 0 || depth > ringcore::kMaxMerkleDepth) {
    return Error::invalid_input("depth must be in 0.." + std::to_string(ringcore::kMaxMerkleDepth));
  }
  ringcore::MerkleTree tree(range, depth);
  ringcore::Status added = ringcore::Ok{};
  auto scanned = storage.scan(keyspace, range, [&](const StoredRow& row) {
    added = tree.add(row.token, ringcore::row_hash(row.key, row.cell.timestamp_us, row.cell.tombstone,
                                                   ringcore::value_digest(row.cell.value)));
    return added.ok();
  });
  if (!scanned) return scanned.error();
  if (!added) return added.error();
  return tree;
}

}  // namespace ringnode
