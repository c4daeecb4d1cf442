// Number formats that reproduce what nodetool prints, byte for byte.
//
// Java's DecimalFormat rounds HALF_EVEN on the exact binary value of a double; these do the
// same, so a percentage or size that nodetool prints one way prints the same way here.
#pragma once

#include <cstdint>
#include <string>

namespace ringctl {

// `value` rounded half-even to `max_fraction` decimals, trailing zeros dropped down to
// `min_fraction` decimals. REQUIRES: value >= 0 and finite, max_fraction <= 6.
std::string format_decimal(double value, int max_fraction, int min_fraction);

// FileUtils.stringifyFileSize: "0 bytes", "1023 bytes", "1 KiB", "1.5 KiB", "1.21 MiB", ...
std::string format_file_size(double bytes);

// DecimalFormat("##0.0%") when decimals == 1 (status), "##0.00%" when 2 (ring), of a fraction
// held as a float on the server (1.0 = 100%).
std::string format_percent(double fraction, int decimals);

// String.format("%.<decimals>f", value): NaN prints "NaN", infinities "Infinity"/"-Infinity";
// rounding is HALF_UP on the shortest decimal that reads back as `value` (Java's
// FormattedFloatingDecimal), e.g. 0.125 -> "0.13", 1.005 -> "1.01". REQUIRES: decimals <= 17.
std::string format_fixed(double value, int decimals);

// Double.toString: the shortest decimal that reads back as `value`, with at least one
// fraction digit ("24.0", "201.326592"); computerized notation outside [1e-3, 1e7)
// ("1.0E7", "1.0E-4"); "NaN", "Infinity", "-Infinity".
std::string format_java_double(double value);

}  // namespace ringctl
