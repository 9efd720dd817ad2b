// libFuzzer target: the request decoder (decode_request + every typed field accessor).
// Whatever the bytes, decoding either yields a map or throws ProtocolError; no other
// exception, crash, leak or sanitizer report is acceptable. Built by `make fuzz` (clang,
// -fsanitize=fuzzer,address,undefined) and replayed over its corpus by ctest
// (fuzz_corpus_replay, gcc, no libFuzzer) through fuzz_replay_main.cpp.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/protocol.h"

namespace {

constexpr std::string_view kKeys[] = {"v",     "id",    "type",  "session", "seq",  "slot",
                                      "n",     "env",   "width", "height",  "seed", "mask",
                                      "level_seeds", "options", "protocol", "lease_s", "label",
                                      "env_ids", "ring_depth", "transport", "token"};

void touch_fields(const coinrun::Fields& f) {
  for (std::string_view k : kKeys) {
    // Each accessor either returns a value or throws ProtocolError: try them all.
    try { (void)f.opt_int(k); } catch (const coinrun::ProtocolError&) {}
    try { (void)f.opt_number(k); } catch (const coinrun::ProtocolError&) {}
    try { (void)f.opt_string(k); } catch (const coinrun::ProtocolError&) {}
    try { (void)f.opt_bool(k); } catch (const coinrun::ProtocolError&) {}
    try { (void)f.opt_bin(k); } catch (const coinrun::ProtocolError&) {}
    try { (void)f.opt_map(k); } catch (const coinrun::ProtocolError&) {}
    try { (void)f.opt_array(k); } catch (const coinrun::ProtocolError&) {}
    try { (void)f.get_int(k); } catch (const coinrun::ProtocolError&) {}
    try { (void)f.get_string(k); } catch (const coinrun::ProtocolError&) {}
  }
  if (const msgpack::object* o = f.opt_map("options")) {
    coinrun::Fields inner(*o);
    try { (void)inner.opt_int("num_envs"); } catch (const coinrun::ProtocolError&) {}
    try { (void)inner.opt_string("game"); } catch (const coinrun::ProtocolError&) {}
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    msgpack::object_handle oh = coinrun::decode_request(data, size);
    touch_fields(coinrun::Fields(oh.get()));
  } catch (const coinrun::ProtocolError&) {
    // the expected outcome for most inputs
  }
  return 0;
}
