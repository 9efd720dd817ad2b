// Protocol 1.0: decoding untrusted bytes, typed field access, reply maps, and a live server
// that answers every malformed request with the right error and keeps serving.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <variant>

#include "server/protocol.h"
#include "server/server.h"

namespace coinrun {
namespace {

using Val = std::variant<int64_t, std::string>;

ErrorCode decode_error(const std::string& bytes) {
  try {
    decode_request(bytes.data(), bytes.size());
  } catch (const ProtocolError& e) {
    return e.code();
  }
  return ErrorCode::Internal;
}

TEST(Protocol, GarbageIsBadMessage) {
  EXPECT_EQ(decode_error(""), ErrorCode::BadMessage);
  EXPECT_EQ(decode_error("\xc1"), ErrorCode::BadMessage);
  EXPECT_EQ(decode_error("\x93\x01\x02\x03"), ErrorCode::BadMessage) << "an array is not a map";
  // Forged sizes must not allocate: array32 / map32 / bin32 claiming 4 G entries.
  EXPECT_EQ(decode_error(std::string("\xdd\xff\xff\xff\xff", 5)), ErrorCode::BadMessage);
  EXPECT_EQ(decode_error(std::string("\xdf\xff\xff\xff\xff", 5)), ErrorCode::BadMessage);
  EXPECT_EQ(decode_error(std::string("\xc6\xff\xff\xff\xff", 5)), ErrorCode::BadMessage);
  // Deep nesting is refused.
  EXPECT_EQ(decode_error(std::string(64, '\x91') + "\x01"), ErrorCode::BadMessage);
}

TEST(Protocol, FieldsAreTypeChecked) {
  msgpack::sbuffer b;
  msgpack::packer<msgpack::sbuffer> pk(&b);
  pk.pack_map(5);
  pk.pack("seq").pack(3);
  pk.pack("type").pack("step");
  pk.pack("neg").pack(-4);
  pk.pack("f").pack(2.5);
  pk.pack("bin").pack_bin(2);
  pk.pack_bin_body("\x01\x02", 2);
  auto oh = decode_request(b.data(), b.size());
  Fields f(oh.get());
  EXPECT_EQ(f.get_int("seq"), 3);
  EXPECT_EQ(f.get_int("neg"), -4);
  EXPECT_EQ(f.get_string("type"), "step");
  EXPECT_DOUBLE_EQ(f.get_number("f"), 2.5);
  EXPECT_DOUBLE_EQ(f.get_number("seq"), 3.0);
  EXPECT_EQ(f.opt_bin("bin")->size(), 2u);
  EXPECT_FALSE(f.opt_int("absent").has_value());
  EXPECT_THROW(f.get_int("absent"), ProtocolError);
  EXPECT_THROW(f.get_int("type"), ProtocolError);
  EXPECT_THROW(f.get_string("seq"), ProtocolError);
  EXPECT_THROW(f.get_int("f"), ProtocolError);
  EXPECT_THROW(f.opt_map("seq"), ProtocolError);
}

TEST(Protocol, MapWriterCountsEntries) {
  msgpack::sbuffer body, out;
  MapWriter w(body, out);
  w.add("a", 1).add("b", std::string("x"));
  w.key("c").pack_array(2).pack(1).pack(2);
  const msgpack::sbuffer& m = w.finish();
  auto oh = msgpack::unpack(m.data(), m.size());
  ASSERT_EQ(oh.get().type, msgpack::type::MAP);
  EXPECT_EQ(oh.get().via.map.size, 3u);
  Fields f(oh.get());
  EXPECT_EQ(f.get_int("a"), 1);
  EXPECT_EQ(f.get_string("b"), "x");
}

TEST(Protocol, ErrorCodeNames) {
  EXPECT_EQ(error_code_name(ErrorCode::BadMessage), "BAD_MESSAGE");
  EXPECT_EQ(error_code_name(ErrorCode::BadAction), "BAD_ACTION");
  EXPECT_EQ(error_code_name(ErrorCode::VersionMismatch), "VERSION_MISMATCH");
  EXPECT_EQ(error_code_name(ErrorCode::NoSession), "NO_SESSION");
}

TEST(Protocol, BindEndpoints) {
  EXPECT_EQ(resolve_bind_endpoint("tcp://*:5555", false), "tcp://127.0.0.1:5555");
  EXPECT_EQ(resolve_bind_endpoint("tcp://*:5555", true), "tcp://*:5555");
  EXPECT_EQ(resolve_bind_endpoint("tcp://10.0.0.2:1", false), "tcp://10.0.0.2:1");
  EXPECT_EQ(resolve_bind_endpoint("ipc:///tmp/x", false), "ipc:///tmp/x");
  EXPECT_THROW(resolve_bind_endpoint("udp://x:1", false), std::invalid_argument);
  EXPECT_THROW(resolve_bind_endpoint("tcp://nohost", false), std::invalid_argument);
}

// A live server on a private ipc endpoint, driven by a DEALER socket.
class LiveServer : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("coinrun-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    ServerOptions o;
    o.bind = "ipc://" + (dir_ / "s.sock").string();
    o.log_level = 0;
    o.default_threads = 1;
    server_ = std::make_unique<Server>(o);
    thread_ = std::thread([this] { server_->run(); });
    sock_.set(zmq::sockopt::linger, 0);
    sock_.connect(server_->endpoint());
  }
  void TearDown() override {
    auto r = ask(R"({"v":1,"type":"shutdown"})");
    thread_.join();
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Sends frames; returns the reply map (frame 0) and the extra frames.
  msgpack::object_handle send(const std::vector<std::string>& frames, std::vector<std::string>* extra = nullptr) {
    for (size_t i = 0; i < frames.size(); ++i) {
      sock_.send(zmq::buffer(frames[i]), i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    }
    zmq::pollitem_t item{sock_.handle(), 0, ZMQ_POLLIN, 0};
    EXPECT_EQ(zmq::poll(&item, 1, std::chrono::milliseconds(10000)), 1) << "no reply";
    std::vector<zmq::message_t> parts;
    zmq::message_t m;
    do {
      (void)sock_.recv(m);
      parts.emplace_back(std::move(m));
    } while (parts.back().more());
    if (extra) {
      for (size_t i = 1; i < parts.size(); ++i) extra->emplace_back(parts[i].to_string());
    }
    return msgpack::unpack(static_cast<const char*>(parts[0].data()), parts[0].size());
  }
  // A request written as JSON-like shorthand is awkward in C++; build maps with a packer.
  msgpack::object_handle ask(const std::string& kind) {
    if (kind.find("shutdown") != std::string::npos) return send({map({{"type", std::string("shutdown")}})});
    return send({kind});
  }
  static std::string map(const std::vector<std::pair<std::string, Val>>& kv,
                         int v = kProtocolMajor) {
    msgpack::sbuffer b;
    msgpack::packer<msgpack::sbuffer> pk(&b);
    pk.pack_map(static_cast<uint32_t>(kv.size() + 1));
    pk.pack("v").pack(v);
    for (const auto& [k, val] : kv) {
      pk.pack(k);
      std::visit([&](const auto& x) { pk.pack(x); }, val);
    }
    return std::string(b.data(), b.size());
  }
  static std::string code_of(const msgpack::object_handle& oh) {
    Fields f(oh.get());
    return f.opt_string("code").value_or(f.get_string("type"));
  }

  std::filesystem::path dir_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  zmq::context_t ctx_;
  zmq::socket_t sock_{ctx_, zmq::socket_type::dealer};
};

TEST_F(LiveServer, MalformedRequestsGetErrorsAndTheServerKeepsServing) {
  EXPECT_EQ(code_of(send({"garbage"})), "BAD_MESSAGE");
  EXPECT_EQ(code_of(send({std::string("\x92\x01\x02")})), "BAD_MESSAGE");
  EXPECT_EQ(code_of(send({map({{"type", std::string("nope")}})})), "UNKNOWN_TYPE");
  EXPECT_EQ(code_of(send({map({{"type", std::string("ping")}}, 7)})), "VERSION_MISMATCH");
  EXPECT_EQ(code_of(send({map({{"type", std::string("step")}, {"session", int64_t{99}}, {"seq", int64_t{1}},
                               {"slot", int64_t{0}}})})),
            "NO_SESSION");
  EXPECT_EQ(code_of(send({map({{"type", std::string("create")}, {"game", std::string("nope")}})})), "UNKNOWN_GAME");
  EXPECT_EQ(code_of(send({map({{"type", std::string("create")}, {"num_envs", int64_t{-1}}})})), "BAD_OPTION");
  EXPECT_EQ(code_of(send({map({{"type", std::string("ping")}})})), "pong");
}

TEST_F(LiveServer, StepValidatesBeforeAnythingChanges) {
  auto created = send({map({{"type", std::string("create")}, {"num_envs", int64_t{2}}, {"transport", std::string("inline")}})});
  Fields c(created.get());
  ASSERT_EQ(c.get_string("type"), "create_ok");
  const auto sid = static_cast<int64_t>(c.find("session")->via.u64);
  auto step = [&](int64_t seq, int64_t slot, std::vector<int32_t> acts, std::vector<std::string>* extra) {
    std::string a(reinterpret_cast<const char*>(acts.data()), acts.size() * 4);
    return send({map({{"type", std::string("step")}, {"session", sid}, {"seq", seq}, {"slot", slot}}), a}, extra);
  };
  std::vector<std::string> first, again;
  EXPECT_EQ(code_of(step(1, 1, {1, 2}, &first)), "step_ok");
  EXPECT_EQ(code_of(step(1, 1, {1, 2}, &again)), "step_ok") << "a retry is answered";
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first, again);
  EXPECT_EQ(code_of(step(2, 0, {1, 7}, nullptr)), "BAD_ACTION");
  EXPECT_EQ(code_of(step(3, 1, {1, 1}, nullptr)), "BAD_SEQUENCE");
  EXPECT_EQ(code_of(step(2, 5, {1, 1}, nullptr)), "BAD_SEQUENCE");
  EXPECT_EQ(code_of(step(2, 0, {1}, nullptr)), "BAD_MESSAGE");
  EXPECT_EQ(code_of(step(2, 0, {1, 1}, nullptr)), "step_ok") << "seq 2 is still free";
}

}  // namespace
}  // namespace coinrun
