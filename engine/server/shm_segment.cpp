#include "shm_segment.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace coinrun {
namespace {

std::string errno_text(const char* what, const std::string& name, size_t bytes, int err) {
  return std::string(what) + " for shared-memory segment '" + name + "' (" +
         std::to_string(bytes) + " bytes) failed: " + std::strerror(err);
}

}  // namespace

ShmSegment::ShmSegment(std::string name, size_t bytes) : name_(std::move(name)), bytes_(bytes) {
  const int fd = ::shm_open(name_.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
  if (fd < 0) throw ShmError(errno_text("shm_open", name_, bytes_, errno));
  linked_ = true;
  if (::ftruncate(fd, static_cast<off_t>(bytes_)) != 0) {
    const int err = errno;
    ::close(fd);
    unlink();
    throw ShmError(errno_text("ftruncate", name_, bytes_, err));
  }
  // Reserve every page now: a /dev/shm that is too small fails here with a clear error
  // rather than with SIGBUS in the middle of a step.
  if (const int err = ::posix_fallocate(fd, 0, static_cast<off_t>(bytes_)); err != 0) {
    ::close(fd);
    unlink();
    throw ShmError(errno_text("posix_fallocate", name_, bytes_, err));
  }
  void* p = ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  const int err = errno;
  ::close(fd);
  if (p == MAP_FAILED) {
    unlink();
    throw ShmError(errno_text("mmap", name_, bytes_, err));
  }
  data_ = static_cast<uint8_t*>(p);
}

ShmSegment::~ShmSegment() {
  if (data_) ::munmap(data_, bytes_);
  unlink();
}

void ShmSegment::unlink() {
  if (linked_) {
    ::shm_unlink(name_.c_str());  // ENOENT when the client already unlinked it: fine
    linked_ = false;
  }
}

}  // namespace coinrun
