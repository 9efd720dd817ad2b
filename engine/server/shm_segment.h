#pragma once
// RAII around one POSIX shared-memory segment: created exclusively with mode 0600, sized,
// mapped read-write; unmapped and unlinked by the destructor (a client that already
// unlinked the name is fine).
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace coinrun {

class ShmError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ShmSegment {
 public:
  // Throws ShmError with the size and errno text.
  ShmSegment(std::string name, size_t bytes);
  ~ShmSegment();
  ShmSegment(const ShmSegment&) = delete;
  ShmSegment& operator=(const ShmSegment&) = delete;

  const std::string& name() const { return name_; }
  size_t size() const { return bytes_; }
  uint8_t* data() const { return data_; }
  // Removes the name now; the mapping stays valid.
  void unlink();

 private:
  std::string name_;
  size_t bytes_;
  uint8_t* data_ = nullptr;
  bool linked_ = false;
};

}  // namespace coinrun
