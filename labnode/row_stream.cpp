#include "row_stream.h"

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

}  // namespace

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
  auto scanned = storage.scan_views(keyspace, range, [&](ringcore::Token, std::string_view key, std::string_view cell) {
    ++size.rows;
    size.bytes += row_bytes(key, view_cell(cell).value);
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
  auto scanned = storage.scan_views(
      keyspace, range, [&](ringcore::Token token, std::string_view key, std::string_view cell_bytes) {
        const CellView cell = view_cell(cell_bytes);
        added = tree.add(
            token, ringcore::row_hash(key, cell.timestamp_us, cell.tombstone, ringcore::value_digest(cell.value)));
        return added.ok();
      });
  if (!scanned) return scanned.error();
  if (!added) return added.error();
  return tree;
}

}  // namespace ringnode
