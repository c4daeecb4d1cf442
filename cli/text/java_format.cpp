#include "text/java_format.h"

#include <charconv>
#include <cmath>
#include <string_view>

namespace ringctl {
namespace {

using Int128 = __int128;

// round_half_even(value * 10^decimals) from the exact binary value of `value`.
Int128 scaled_half_even(double value, int decimals) {
  Int128 pow10 = 1;
  for (int i = 0; i < decimals; ++i) pow10 *= 10;
  if (value == 0) return 0;
  int exponent = 0;
  const double fraction = std::frexp(value, &exponent);  // value = fraction * 2^exponent
  const auto mantissa = static_cast<std::uint64_t>(std::ldexp(fraction, 53));
  exponent -= 53;  // value = mantissa * 2^exponent exactly
  const Int128 numerator = static_cast<Int128>(mantissa) * pow10;
  if (exponent >= 0) return numerator << exponent;  // only for huge values; callers stay small
  const int shift = -exponent;
  if (shift > 120) return 0;  // below 2^-60: rounds to zero at any precision used here
  const Int128 quotient = numerator >> shift;
  const Int128 remainder = numerator - (quotient << shift);
  const Int128 half = static_cast<Int128>(1) << (shift - 1);
  if (remainder > half || (remainder == half && (quotient & 1) != 0)) return quotient + 1;
  return quotient;
}

std::string int128_to_string(Int128 v) {
  if (v == 0) return "0";
  std::string digits;
  while (v > 0) {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  return digits;
}

}  // namespace

std::string format_decimal(double value, int max_fraction, int min_fraction) {
  std::string digits = int128_to_string(scaled_half_even(value, max_fraction));
  if (digits.size() <= static_cast<std::size_t>(max_fraction)) {
    digits.insert(0, static_cast<std::size_t>(max_fraction) + 1 - digits.size(), '0');
  }
  std::string integer = digits.substr(0, digits.size() - max_fraction);
  std::string fraction = digits.substr(digits.size() - max_fraction);
  while (fraction.size() > static_cast<std::size_t>(min_fraction) && fraction.back() == '0') fraction.pop_back();
  return fraction.empty() ? integer : integer + "." + fraction;
}

std::string format_file_size(double bytes) {
  constexpr double kKiB = 1024.0;
  constexpr double kMiB = kKiB * 1024;
  constexpr double kGiB = kMiB * 1024;
  constexpr double kTiB = kGiB * 1024;
  if (bytes >= kTiB) return format_decimal(bytes / kTiB, 2, 0) + " TiB";
  if (bytes >= kGiB) return format_decimal(bytes / kGiB, 2, 0) + " GiB";
  if (bytes >= kMiB) return format_decimal(bytes / kMiB, 2, 0) + " MiB";
  if (bytes >= kKiB) return format_decimal(bytes / kKiB, 2, 0) + " KiB";
  return format_decimal(bytes, 2, 0) + " bytes";
}

std::string format_percent(double fraction, int decimals) {
  // The server's value is a float; DecimalFormat widens it and multiplies by 100 in double.
  const double percent = static_cast<double>(static_cast<float>(fraction)) * 100.0;
  return format_decimal(percent, decimals, decimals) + "%";
}

std::string format_fixed(double value, int decimals) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  // The shortest round-trip digits, then decimal HALF_UP: what Java rounds, not the binary value.
  char buffer[400];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, std::fabs(value), std::chars_format::fixed);
  std::string_view text(buffer, ec == std::errc() ? static_cast<std::size_t>(end - buffer) : 0);
  const std::size_t point = text.find('.');
  std::string integer(text.substr(0, point));
  std::string fraction(point == std::string_view::npos ? "" : text.substr(point + 1));
  const bool round_up = fraction.size() > static_cast<std::size_t>(decimals) && fraction[decimals] >= '5';
  fraction.resize(static_cast<std::size_t>(decimals), '0');
  std::string digits = integer + fraction;
  if (round_up) {
    std::size_t i = digits.size();
    while (i > 0 && digits[i - 1] == '9') digits[--i] = '0';
    if (i == 0) {
      digits.insert(digits.begin(), '1');
    } else {
      ++digits[i - 1];
    }
  }
  const std::size_t integer_digits = digits.size() - static_cast<std::size_t>(decimals);
  std::string result = digits.substr(0, integer_digits);
  if (decimals > 0) result += "." + digits.substr(integer_digits);
  const bool zero = result.find_first_not_of("0.") == std::string::npos;
  return (std::signbit(value) && !zero ? "-" : "") + result;
}

std::string format_java_double(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  const double magnitude = std::fabs(value);
  char buffer[64];
  if (magnitude == 0 || (magnitude >= 1e-3 && magnitude < 1e7)) {
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed).ptr;
    std::string text(buffer, end);
    if (text.find('.') == std::string::npos) text += ".0";
    return text;
  }
  // d.dddE[-]n: the shortest digits, one before the point.
  const auto end = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific).ptr;
  const std::string text(buffer, end);
  const std::size_t e = text.find('e');
  std::string mantissa = text.substr(0, e);
  if (mantissa.find('.') == std::string::npos) mantissa += ".0";
  const int exponent = std::stoi(text.substr(e + 1));
  return mantissa + "E" + std::to_string(exponent);
}

}  // namespace ringctl
