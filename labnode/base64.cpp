#include "base64.h"

#include <openssl/evp.h>

namespace ringnode {

// OpenSSL's EVP block codec does the work; these wrappers add the size checks and the error.
std::string base64_encode(std::string_view bytes) {
  std::string text(4 * ((bytes.size() + 2) / 3), '\0');
  const int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  text.resize(static_cast<std::size_t>(written));
  return text;
}

ringcore::Result<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) {
    return ringcore::Error::invalid_input("base64 text of " + std::to_string(text.size()) +
                                          " characters is not a multiple of 4");
  }
  std::string bytes(3 * (text.size() / 4), '\0');
  const int decoded =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(bytes.data()),
                      reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (decoded < 0) return ringcore::Error::invalid_input("not valid base64");
  // EVP_DecodeBlock counts the bytes the '=' padding stands for; drop them, and refuse
  // padding anywhere but at the end.
  std::size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
  if (text.substr(0, text.size() - padding).find('=') != std::string_view::npos) {
    return ringcore::Error::invalid_input("not valid base64: '=' before the end");
  }
  bytes.resize(static_cast<std::size_t>(decoded) - padding);
  return bytes;
}

}  // namespace ringnode
