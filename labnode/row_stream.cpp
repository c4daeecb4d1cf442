#include "row_stream.h"

#include <algorithm>

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

ringcore::Result<std::vector<RowView>> decode_row_views(std::string_view bytes) {
  std::vector<RowView> rows;
  std::size_t at = 0;
  while (at < bytes.size()) {
    const std::size_t record = rows.size();
    auto key = field(bytes, at, record, "key");
    if (!key) return key.error();
    auto cell = field(bytes, at, record, "cell");
    if (!cell) return cell.error();
    if (cell->size() < 9) {
      return Error::invalid_input("row stream: record " + std::to_string(record) +
                                  ": corrupt cell: " + std::to_string(cell->size()) + " bytes, at least 9 expected");
    }
    rows.push_back(RowView{ringcore::token_for_key(*key), *key, *cell});
  }
  return rows;
}

ringcore::Result<std::vector<StoredRow>> decode_rows(std::string_view bytes) {
  auto views = decode_row_views(bytes);
  if (!views) return views.error();
  std::vector<StoredRow> rows;
  rows.reserve(views->size());
  for (const RowView& view : *views) {
    const CellView cell = view_cell(view.cell);
    rows.push_back(
        StoredRow{view.token, std::string(view.key), Cell{cell.timestamp_us, cell.tombstone, std::string(cell.value)}});
  }
  return rows;
}

ringcore::Result<EncodedPage> encoded_page(std::string body, std::uint64_t max_bytes) {
  auto views = decode_row_views(body);
  if (!views) return views.error();
  EncodedPage page;
  for (const RowView& row : *views) page.bytes += row_bytes(row.key, view_cell(row.cell).value);
  page.rows = views->size();
  if (!views->empty()) page.end = RowCursor{views->back().token, std::string(views->back().key)};
  page.last = page.bytes < max_bytes;
  page.body = std::move(body);
  return page;
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

ringcore::Result<EncodedPage> read_encoded_page(const Storage& storage, const std::string& keyspace,
                                                const ringcore::TokenRange& range,
                                                const std::optional<RowCursor>& after, std::uint64_t max_bytes) {
  if (range.is_full_ring()) return Error::invalid_input("read_page: split the whole ring first");
  // Resume at the cursor's token: rows of that token up to the cursor's key were sent.
  ringcore::TokenRange rest = range;
  if (after) rest.left = static_cast<ringcore::Token>(static_cast<std::uint64_t>(after->token) - 1);
  EncodedPage page;
  // Grown by doubling past this: a page of a small range stays small.
  page.body.reserve(std::min<std::uint64_t>(max_bytes, 4 << 20) + 64 * 1024);
  auto scanned =
      storage.scan_views(keyspace, rest, [&](ringcore::Token token, std::string_view key, std::string_view cell) {
        if (after && token == after->token && key <= after->key) return true;
        if (page.bytes >= max_bytes) {
          page.last = false;
          return false;
        }
        page.bytes += row_bytes(key, view_cell(cell).value);
        ++page.rows;
        put_u32(page.body, static_cast<std::uint32_t>(key.size()));
        page.body.append(key);
        put_u32(page.body, static_cast<std::uint32_t>(cell.size()));
        page.body.append(cell);
        if (!page.end) page.end.emplace();
        page.end->token = token;
        page.end->key.assign(key);
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
  auto scanned = storage.scan_views(keyspace, range,
                                    [&](ringcore::Token token, std::string_view key, std::string_view cell_bytes) {
                                      // The row's digest as the buckets keep it (merkle_buckets.h), its 16 bytes the
                                      // tree's row hash: one pass over the value, and no hex text.
                                      const ringcore::Murmur3Hash digest = digest_of(key, view_cell(cell_bytes));
                                      char bytes[16];
                                      for (int i = 0; i < 8; ++i) {
                                        bytes[i] = static_cast<char>(digest.h1 >> (56 - 8 * i));
                                        bytes[8 + i] = static_cast<char>(digest.h2 >> (56 - 8 * i));
                                      }
                                      added = tree.add(token, std::string_view(bytes, sizeof bytes));
                                      return added.ok();
                                    });
  if (!scanned) return scanned.error();
  if (!added) return added.error();
  return tree;
}

}  // namespace ringnode
