#include "reply_encoding.h"

#include <cstring>
#include <new>
#include <string>

#include "core/game.h"
#include "core/game_registry.h"
#include "core/option_table.h"
#include "core/options.h"
#include "render/observation.h"
#include "shm_layout.h"
#include "shm_segment.h"

namespace coinrun {
namespace {

// Bounded so that an error always fits the doorbell block's reply area.
constexpr size_t kMaxErrorMessage = 1200;

using Packer = msgpack::packer<msgpack::sbuffer>;

void pack_option_value(Packer& pk, const OptionValue& v) {
  std::visit([&](const auto& x) { pk.pack(x); }, v);
}

// One entry of the hello reply's option schema: name, type, default, doc, and the valid
// range or values where the option has them.
void pack_option_schema(Packer& pk, const OptionSpec& spec, const PoolOptions& defaults) {
  const bool numeric = spec.type == OptionType::Int || spec.type == OptionType::Float;
  pk.pack_map(4 + (numeric ? 1 : 0) + (spec.zero_also ? 1 : 0) + (spec.choices.empty() ? 0 : 1));
  pk.pack("name").pack(spec.name).pack("type").pack(option_type_name(spec.type));
  pk.pack("default");
  pack_option_value(pk, spec.get(defaults));
  pk.pack("doc").pack(spec.doc);
  if (spec.type == OptionType::Int) {
    pk.pack("range").pack_array(2).pack(static_cast<int64_t>(spec.min)).pack(static_cast<int64_t>(spec.max));
  } else if (spec.type == OptionType::Float) {
    pk.pack("range").pack_array(2).pack(spec.min).pack(spec.max);
  }
  if (spec.zero_also) pk.pack("zero_allowed").pack(true);
  if (!spec.choices.empty()) {
    pk.pack("choices").pack_array(static_cast<uint32_t>(spec.choices.size()));
    for (const auto& c : spec.choices) pk.pack(c);
  }
}

void pack_action_names(Packer& pk) {
  pk.pack_array(kNumActions);
  for (const auto& a : kActionNames) pk.pack(a);
}

}  // namespace

MapWriter ReplyEncoder::begin(int64_t id, std::string_view type) {
  MapWriter w(body_, out_);
  w.add("v", kProtocolMajor).add("type", type).add("id", id);
  return w;
}

const msgpack::sbuffer& ReplyEncoder::error(int64_t id, const ProtocolError& e) {
  std::string_view msg(e.what());
  if (msg.size() > kMaxErrorMessage) msg = msg.substr(0, kMaxErrorMessage);
  MapWriter w = begin(id, "error");
  w.add("code", error_code_name(e.code())).add("message", msg);
  w.add("hint", e.hint());
  auto pk = w.key("details");
  pk.pack_map(static_cast<uint32_t>(e.details().size()));
  for (const auto& d : e.details()) {
    pk.pack(d.key);
    if (d.int_value) {
      pk.pack(*d.int_value);
    } else {
      pk.pack(d.str_value);
    }
  }
  return w.finish();
}

const char* transport_name(Transport t) { return t == Transport::Inline ? "inline" : "shm"; }

void write_hello(MapWriter& w, uint32_t engine_pid) {
  w.add("engine_version", std::string_view(COINRUN_VERSION));
  w.add("build", std::string("coinrun-engine ") + COINRUN_VERSION + " (" + __DATE__ + ")");
  w.key("protocol").pack_array(2).pack(kProtocolMajor).pack(kProtocolMinor);
  w.add("layout_version", kLayoutVersion);
  w.add("pid", engine_pid);
  auto pk = w.key("games");
  const auto games = all_games();
  pk.pack_array(static_cast<uint32_t>(games.size()));
  for (const Game* g : games) {
    const GameInfo& gi = g->info();
    pk.pack_map(8);
    pk.pack("name").pack(gi.name);
    pk.pack("title").pack(gi.title);
    pk.pack("env_id").pack(gi.env_id);
    pk.pack("engine_id").pack(gi.engine_id);
    pk.pack("max_episode_steps").pack(gi.max_age);
    pk.pack("action_names");
    pack_action_names(pk);
    pk.pack("obs_shape").pack_array(3).pack(kObsSide).pack(kObsSide).pack(3);
    pk.pack("obs_dtype").pack("uint8");
  }
  auto po = w.key("options");
  const PoolOptions defaults;
  po.pack_array(static_cast<uint32_t>(option_table().size()));
  for (const OptionSpec& spec : option_table()) pack_option_schema(po, spec, defaults);
  w.key("limits").pack_map(3).pack("max_envs").pack(kMaxEnvs).pack("max_ring_depth")
      .pack(kMaxRingDepth).pack("max_render_size").pack(kMaxRenderSide);
  w.key("features").pack_array(5).pack("inline_transport").pack("step_subset")
      .pack("list_sessions").pack("spectator_render").pack("env_state");
}

void write_create(MapWriter& w, const Session& s) {
  const PoolOptions& o = s.pool().options();
  w.add("session", s.id());
  if (const ShmSegment* seg = s.segment()) {
    w.key("shm").pack_map(4).pack("name").pack(seg->name()).pack("bytes").pack(seg->size())
        .pack("layout_version").pack(kLayoutVersion).pack("session_id").pack(s.id());
  }
  w.add("transport", transport_name(s.transport()));
  if (s.has_doorbell()) {
    w.key("doorbell").pack_map(3).pack("offset").pack(kDoorbellOffset).pack("bytes").pack(kDoorbellBytes)
        .pack("depth").pack(kDoorbellDepth);
  }
  w.add("slot_bytes", s.layout().slot_bytes);
  // The region table again, so that an inline client (no header) builds the same views.
  auto rg = w.key("regions");
  rg.pack_array(static_cast<uint32_t>(kNumRegions));
  for (const RegionEntry& e : s.layout().regions) {
    rg.pack_map(5).pack("name").pack(std::string_view(e.name, strnlen(e.name, sizeof(e.name))));
    rg.pack("dtype").pack(e.dtype).pack("env_stride").pack(e.env_stride);
    rg.pack("offset").pack(e.offset).pack("bytes").pack(e.bytes);
  }
  w.add("ring_depth", s.params().ring_depth);
  w.add("num_envs", s.num_envs());
  auto sp = w.key("spaces");
  sp.pack_map(4).pack("obs_shape").pack_array(3).pack(kObsSide).pack(kObsSide).pack(s.pool().obs_channels());
  sp.pack("obs_dtype").pack("uint8").pack("n_actions").pack(kNumActions);
  sp.pack("action_names");
  pack_action_names(sp);
  // Every option with the value the session uses: paint_vel_info resolved for the game,
  // num_threads as started.
  PoolOptions used = effective_options(o);
  used.num_threads = s.pool().num_threads();
  auto op = w.key("options");
  op.pack_map(static_cast<uint32_t>(option_table().size()));
  for (const OptionSpec& spec : option_table()) {
    op.pack(spec.name);
    pack_option_value(op, spec.get(used));
  }
  w.add("autoreset_mode", std::get<std::string>(find_option("autoreset_mode")->get(o)));
  w.add("max_episode_steps", s.pool().game().info().max_age);
}

void write_sessions(MapWriter& w, const SessionRegistry& sessions, Clock::time_point engine_start) {
  auto pk = w.key("sessions");
  pk.pack_array(static_cast<uint32_t>(sessions.size()));
  for (const auto& [id, s] : sessions) {
    const double created_s = std::chrono::duration<double>(s->created() - engine_start).count();
    pk.pack_map(7);
    pk.pack("session").pack(id);
    pk.pack("game").pack(s->pool().options().game);
    pk.pack("num_envs").pack(s->num_envs());
    pk.pack("label").pack(s->params().label);
    pk.pack("client_pid").pack(s->params().client_pid);
    pk.pack("steps").pack(s->steps());
    pk.pack("created_s").pack(created_s);
  }
}

// The error reply for whatever a request threw: its own ProtocolError, or the code that
// fits the exception.
ProtocolError as_protocol_error(std::exception_ptr thrown) {
  try {
    std::rethrow_exception(thrown);
  } catch (const ProtocolError& e) {
    return e;
  } catch (const OptionError& e) {
    return ProtocolError(ErrorCode::BadOption, e.what(), "see the option schema in the hello reply");
  } catch (const ShmError& e) {
    return ProtocolError(ErrorCode::Resource, e.what(),
                         "free space in /dev/shm or use fewer envs / a smaller ring_depth");
  } catch (const std::bad_alloc&) {
    return ProtocolError(ErrorCode::Resource, "out of memory", "use fewer envs or a smaller ring_depth");
  } catch (const std::exception& e) {
    return ProtocolError(ErrorCode::Internal, std::string("internal error: ") + e.what(),
                         "please report this with the request that caused it");
  } catch (...) {
    return ProtocolError(ErrorCode::Internal, "internal error: unknown exception",
                         "please report this with the request that caused it");
  }
}

}  // namespace coinrun
