// Streaming's row format and the local side of streaming and repair: what a node reads from
// its own storage when a peer (or itself) streams or validates a range.
//
// Rows travel in pages, a binary body (application/octet-stream) of records
//   [key length: u32 BE][key][cell length: u32 BE][cell: storage.h's encoding]
// in (token, key) order. A page ends after the first row that reaches max_bytes; the next page
// starts after the last row sent (its token and key: the cursor).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ringcore/error.h"
#include "ringcore/merkle_tree.h"
#include "ringcore/token.h"
#include "storage.h"

namespace ringnode {

std::string encode_rows(const std::vector<StoredRow>& rows);
// Errors (kInvalidInput) name the record and what is wrong (a length past the end, a short cell).
ringcore::Result<std::vector<StoredRow>> decode_rows(std::string_view bytes);
// The same records as views into `bytes` (valid while it is), checked as decode_rows checks
// them: what streaming stores without copying each row out first.
ringcore::Result<std::vector<RowView>> decode_row_views(std::string_view bytes);

struct RowCursor {
  ringcore::Token token = 0;
  std::string key;
};

struct RowPage {
  std::vector<StoredRow> rows;
  bool last = true;  // no rows after these in the range
};

// A page as streaming moves it: its records, and what the streamer needs to know of them.
struct EncodedPage {
  std::string body;  // encode_rows' records
  std::uint64_t rows = 0;
  std::uint64_t bytes = 0;       // row_bytes summed
  std::optional<RowCursor> end;  // the last row's; nullopt for a page without rows
  bool last = true;              // no rows after these in the range
};

// A received body as an EncodedPage: its records checked and counted; `last` when the page
// holds less than `max_bytes` (the sender ends a page early only once it holds max_bytes).
ringcore::Result<EncodedPage> encoded_page(std::string body, std::uint64_t max_bytes);

struct RangeSize {
  std::uint64_t rows = 0;
  std::uint64_t bytes = 0;  // row_bytes summed
};

// The rows of `range` after `after` (from the range's left without it), up to about max_bytes.
// REQUIRES: range is not the whole ring ((x, x]); split it first (split_whole_ring).
ringcore::Result<RowPage> read_page(const Storage& storage, const std::string& keyspace,
                                    const ringcore::TokenRange& range, const std::optional<RowCursor>& after,
                                    std::uint64_t max_bytes);
// The rows read_page() gives, encoded straight from the stored bytes (no row copied out on
// the way): what a source sends.
ringcore::Result<EncodedPage> read_encoded_page(const Storage& storage, const std::string& keyspace,
                                                const ringcore::TokenRange& range,
                                                const std::optional<RowCursor>& after, std::uint64_t max_bytes);
ringcore::Result<RangeSize> range_size(const Storage& storage, const std::string& keyspace,
                                       const ringcore::TokenRange& range);
// Applies each row with last-write-wins; returns the rows stored (not superseded).
ringcore::Result<std::uint64_t> apply_rows(Storage& storage, const std::string& keyspace,
                                           const std::vector<StoredRow>& rows);
// The Merkle tree of the rows of `range`, at `depth`; each row's hash is its digest_of()
// (storage.h), 16 bytes big-endian.
ringcore::Result<ringcore::MerkleTree> build_tree(const Storage& storage, const std::string& keyspace,
                                                  const ringcore::TokenRange& range, int depth);

// (x, x] as its two halves, any other range as itself: cursors resume with (token - 1, right],
// which for the whole ring would mean the whole ring again.
std::vector<ringcore::TokenRange> split_whole_ring(const ringcore::TokenRange& range);

}  // namespace ringnode
