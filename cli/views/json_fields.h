// ringctl reads the agents' documents with ringnet's lenient readers (ringnet/json_fields.h):
// renderers print what is there and a zero or empty value for what is missing or of another
// type, so an older or newer agent still renders. Named here so code in ringctl's namespace
// calls them unqualified.
#pragma once

#include "ringnet/json_fields.h"

namespace ringctl {

using ringnet::json_array;
using ringnet::json_int;
using ringnet::json_number;
using ringnet::json_object;
using ringnet::json_text;

}  // namespace ringctl
