#include "atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include "ringcore/error.h"

namespace ringctl {
namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw ringcore::Error::failed("cannot " + what + " " + path + ": " + std::strerror(errno));
}

// Closes the descriptor on every path out.
struct Descriptor {
  int fd;
  ~Descriptor() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

void write_file_atomically(const std::string& path, const std::string& text) {
  const std::filesystem::path target(path);
  const std::string directory = target.has_parent_path() ? target.parent_path().string() : ".";
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  const std::string temporary = path + ".tmp-" + std::to_string(::getpid());
  {
    Descriptor file{::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
    if (file.fd < 0) fail("create", temporary);
    std::size_t written = 0;
    while (written < text.size()) {
      const ssize_t n = ::write(file.fd, text.data() + written, text.size() - written);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) fail("write", temporary);
      written += static_cast<std::size_t>(n);
    }
    if (::fsync(file.fd) != 0) fail("fsync", temporary);
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) fail("replace", path);
  Descriptor dir{::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (dir.fd >= 0 && ::fsync(dir.fd) != 0) fail("fsync the directory of", path);
}

}  // namespace ringctl
