// libFuzzer target: the session state machine, through a real Server on a private ipc
// endpoint (served by a background thread), driven by a DEALER socket.
//
// An input is a list of records: u16 header length H, u16 payload length P (little
// endian), H bytes of request frame, P bytes of payload frame (none when P == 0). Before a
// record is sent, a `session` field holding a small integer k is rewritten to the id of the
// k-th session created by this input (ids have random high bits, which a fuzzer cannot
// guess), so that reset/step/render/close reach real sessions. Every request must get a
// reply within kReplyTimeoutMs (a hang aborts); at the end of the input every session it
// created is closed, so inputs do not leak state into each other.
//
// Records skipped to keep executions fast and memory bounded, not to hide bugs: `shutdown`
// (it ends the server), creates of more than kMaxFuzzEnvs envs (the limits themselves are
// covered by tests/python/test_bad_input.py), and renders at sizes that are not multiples of
// 64 (each new size grows the renderer's sprite cache, a known unbounded cache reported in
// docs/reliability.md).
#include <stdlib.h>
#include <errno.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "server/protocol.h"
#include "server/server.h"

namespace {

constexpr int kReplyTimeoutMs = 10000;
constexpr int64_t kMaxFuzzEnvs = 64;
constexpr size_t kMaxRecords = 32;

struct Harness {
  zmq::context_t ctx{1};
  zmq::socket_t sock{ctx, zmq::socket_type::dealer};
  std::unique_ptr<coinrun::Server> server;
  std::thread serving;
  std::string dir = "/tmp/coinrun-fuzz-XXXXXX";

  Harness() {
    if (::mkdtemp(dir.data()) == nullptr) std::abort();
    coinrun::ServerOptions opts;
    opts.bind = "ipc://" + dir + "/e.sock";
    opts.default_threads = 1;
    opts.log_level = 0;
    server = std::make_unique<coinrun::Server>(opts);
    serving = std::thread([this] { server->run(); });
    sock.set(zmq::sockopt::linger, 0);
    sock.connect(server->endpoint());
  }
  // At process exit: stop the serving thread before the server goes away.
  ~Harness() {
    coinrun::Server::request_stop();
    serving.join();
    server.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  // Sends one request; returns the decoded reply frame 0 (empty handle if not a map).
  msgpack::object_handle ask(std::string_view head, std::string_view payload) {
    if (payload.empty()) {
      sock.send(zmq::buffer(head.data(), head.size()), zmq::send_flags::none);
    } else {
      sock.send(zmq::buffer(head.data(), head.size()), zmq::send_flags::sndmore);
      sock.send(zmq::buffer(payload.data(), payload.size()), zmq::send_flags::none);
    }
    zmq::pollitem_t item{static_cast<void*>(sock), 0, ZMQ_POLLIN, 0};
    // libFuzzer's -timeout alarm (SIGALRM) interrupts waits: retry them.
    int ready = 0;
    for (;;) {
      try {
        ready = zmq::poll(&item, 1, std::chrono::milliseconds(kReplyTimeoutMs));
        break;
      } catch (const zmq::error_t& e) {
        if (e.num() != EINTR) throw;
      }
    }
    if (ready <= 0) {
      std::fprintf(stderr, "fuzz_session: no reply within %d ms (hang)\n", kReplyTimeoutMs);
      std::abort();
    }
    std::vector<zmq::message_t> parts;
    for (;;) {
      zmq::message_t m;
      zmq::recv_result_t got;
      for (;;) {
        try {
          got = sock.recv(m);
          break;
        } catch (const zmq::error_t& e) {
          if (e.num() != EINTR) throw;
        }
      }
      if (!got) std::abort();
      const bool more = m.more();
      parts.push_back(std::move(m));
      if (!more) break;
    }
    size_t i = 0;
    if (parts[0].size() == 0 && parts.size() > 1) i = 1;  // echoed REQ delimiter
    msgpack::object_handle oh = msgpack::unpack(static_cast<const char*>(parts[i].data()), parts[i].size());
    if (oh.get().type != msgpack::type::MAP) std::abort();  // every reply is a map
    return oh;
  }
};

Harness& harness() {
  static Harness h;
  return h;
}

uint16_t read_u16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }

std::string_view str_of(const msgpack::object& o) {
  return o.type == msgpack::type::STR ? std::string_view(o.via.str.ptr, o.via.str.size) : std::string_view();
}

// Rewrites the request (see the header comment); returns false to skip it.
bool rewrite(const msgpack::object& map, const std::vector<uint64_t>& sessions, msgpack::sbuffer& out) {
  msgpack::packer<msgpack::sbuffer> pk(out);
  pk.pack_map(map.via.map.size);
  for (uint32_t i = 0; i < map.via.map.size; ++i) {
    const msgpack::object_kv& kv = map.via.map.ptr[i];
    const std::string_view key = str_of(kv.key);
    const msgpack::object& v = kv.val;
    if (key == "type" && str_of(v) == "shutdown") return false;
    if ((key == "width" || key == "height") && v.type == msgpack::type::POSITIVE_INTEGER &&
        v.via.u64 % 64 != 0) {
      return false;
    }
    if (key == "options" && v.type == msgpack::type::MAP) {
      for (uint32_t j = 0; j < v.via.map.size; ++j) {
        const msgpack::object_kv& o = v.via.map.ptr[j];
        if (str_of(o.key) == "num_envs" && o.val.type == msgpack::type::POSITIVE_INTEGER &&
            o.val.via.u64 > static_cast<uint64_t>(kMaxFuzzEnvs)) {
          return false;
        }
      }
    }
    pk.pack(kv.key);
    if (key == "session" && v.type == msgpack::type::POSITIVE_INTEGER && v.via.u64 < sessions.size()) {
      pk.pack(sessions[v.via.u64]);
    } else {
      pk.pack(v);
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Harness& h = harness();
  std::vector<uint64_t> sessions;
  msgpack::sbuffer buf;
  size_t pos = 0;
  for (size_t rec = 0; rec < kMaxRecords && pos + 4 <= size; ++rec) {
    const size_t hl = read_u16(data + pos), pl = read_u16(data + pos + 2);
    pos += 4;
    if (pos + hl + pl > size) break;
    std::string_view head(reinterpret_cast<const char*>(data + pos), hl);
    std::string_view payload(reinterpret_cast<const char*>(data + pos + hl), pl);
    pos += hl + pl;
    // Frames that are not maps go to the engine as they are (it must answer BAD_MESSAGE).
    msgpack::object_handle req;
    bool is_map = false;
    try {
      req = coinrun::decode_request(head.data(), head.size());
      is_map = true;
    } catch (const coinrun::ProtocolError&) {
    }
    if (is_map) {
      buf.clear();
      if (!rewrite(req.get(), sessions, buf)) continue;
      head = std::string_view(buf.data(), buf.size());
    }
    msgpack::object_handle reply = h.ask(head, payload);
    coinrun::Fields f(reply.get());
    if (std::getenv("COINRUN_FUZZ_TRACE") != nullptr) {
      std::fprintf(stderr, "%s %s\n", f.get_string("type").c_str(), f.opt_string("message").value_or("").c_str());
    }
    if (f.get_string("type") == "create_ok") sessions.push_back(static_cast<uint64_t>(f.get_int("session")));
  }
  for (uint64_t id : sessions) {
    msgpack::sbuffer close;
    msgpack::packer<msgpack::sbuffer> pk(close);
    pk.pack_map(4).pack("v").pack(1).pack("id").pack(1).pack("type").pack("close").pack("session").pack(id);
    h.ask(std::string_view(close.data(), close.size()), {});
  }
  return 0;
}
