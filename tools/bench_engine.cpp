// Engine-only benchmark: env-steps/s of an EnvPool with random actions, no IPC.
//   bench_engine [--game standard] [--envs 64] [--threads 2] [--seconds 3] [--repeats 3]
//                [--no-render]
// Prints one JSON line per (envs, threads) with the median of the repeats, and the floor:
// the cost of writing 12,288 bytes per frame (memset of the obs buffer) per env-step.
// --no-render steps the same Envs (same options, levels and autoreset) in this thread only,
// without drawing observations: the game's own logic, the other half of the floor
// (docs/performance.md). Threads are ignored there; the line says "threads": 1.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/env_pool.h"
#include "core/game_registry.h"
#include "core/level_sampler.h"
#include "base/rng.h"

using namespace coinrun;
using Clock = std::chrono::steady_clock;
// One 64x64 RGB observation (docs/rules.md §7.1): the bytes a frame write costs.
constexpr size_t kFrameBytes = 64 * 64 * 3;

struct Buffers {
  std::vector<uint8_t> obs;
  std::vector<float> reward, ep_ret;
  std::vector<uint8_t> term, trunc, complete;
  std::vector<uint32_t> seed;
  std::vector<int32_t> ep_len;
  BatchView view;
  Buffers(int n, size_t obs_bytes)
      : obs(n * obs_bytes), reward(n), ep_ret(n), term(n), trunc(n), complete(n), seed(n),
        ep_len(n) {
    view = BatchView{obs.data(), obs_bytes, reward.data(), term.data(), trunc.data(),
                     seed.data(), complete.data(), ep_ret.data(), ep_len.data()};
  }
};

static double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int main(int argc, char** argv) {
  std::string game = "standard";
  std::vector<int> envs = {64, 256};
  std::vector<int> threads = {1, 2};
  double seconds = 3.0;
  int repeats = 3;
  bool no_render = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return std::string(i + 1 < argc ? argv[++i] : ""); };
    auto list = [&](const std::string& s) {
      std::vector<int> out;
      size_t p = 0;
      while (p < s.size()) {
        size_t q = s.find(',', p);
        out.push_back(std::stoi(s.substr(p, q - p)));
        p = q == std::string::npos ? s.size() : q + 1;
      }
      return out;
    };
    if (a == "--game") game = next();
    else if (a == "--envs") envs = list(next());
    else if (a == "--threads") threads = list(next());
    else if (a == "--seconds") seconds = std::stod(next());
    else if (a == "--repeats") repeats = std::stoi(next());
    else if (a == "--no-render") no_render = true;
    else {
      std::fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  if (no_render) {
    for (int n : envs) {
      PoolOptions o;
      o.game = game;
      o.num_envs = n;
      o.seed = 1;
      validate(o);
      const Game* g = find_game(o.game);
      auto table = make_level_table(o.num_levels, o.set_seed);
      std::vector<std::unique_ptr<Env>> pool;
      for (int i = 0; i < n; ++i) {
        pool.push_back(std::make_unique<Env>(*g, o, table, i));
        pool.back()->reseed(o.seed);
        pool.back()->start_episode();
      }
      Rng rng(7);
      std::vector<double> rates;
      double checksum = 0;
      long episodes = 0, total = 0;
      for (int r = 0; r < repeats; ++r) {
        long steps = 0;
        const auto t0 = Clock::now();
        double el = 0;
        while (el < seconds) {
          for (auto& e : pool) {
            const StepResult res = e->step(static_cast<int>(rng.randn(kNumActions)));
            checksum += res.reward;
            episodes += res.terminated || res.truncated;
          }
          steps += n;
          el = std::chrono::duration<double>(Clock::now() - t0).count();
        }
        rates.push_back(steps / el);
        total += steps;
      }
      std::vector<uint8_t> obs(static_cast<size_t>(n) * kFrameBytes);
      long fsteps = 0;
      const auto f0 = Clock::now();
      double fel = 0;
      while (fel < 0.5) {
        for (int i = 0; i < n; ++i)
          std::memset(obs.data() + static_cast<size_t>(i) * kFrameBytes, i & 0xff,
                      kFrameBytes);
        fsteps += n;
        fel = std::chrono::duration<double>(Clock::now() - f0).count();
        checksum += obs[static_cast<size_t>(fsteps) % obs.size()];  // keeps the writes live
      }
      std::printf(
          "{\"game\": \"%s\", \"envs\": %d, \"threads\": 1, \"render\": false, "
          "\"steps_per_s\": %.0f, \"frame_write_floor_steps_per_s\": %.0f, \"reward_sum\": %.0f, \"mean_episode_len\": %.1f}\n",
          game.c_str(), n, median(rates), fsteps / fel, checksum,
          episodes ? static_cast<double>(total) / episodes : 0.0);
      std::fflush(stdout);
    }
    return 0;
  }
  for (int n : envs) {
    for (int t : threads) {
      PoolOptions o;
      o.game = game;
      o.num_envs = n;
      o.num_threads = t;
      o.seed = 1;
      EnvPool pool(o);
      Buffers b(n, pool.obs_bytes());
      pool.reset(b.view);
      std::vector<int32_t> actions(n);
      Rng rng(7);
      std::vector<double> rates;
      for (int r = 0; r < repeats; ++r) {
        long steps = 0;
        const auto t0 = Clock::now();
        double el = 0;
        while (el < seconds) {
          for (int i = 0; i < n; ++i) actions[i] = rng.randn(kNumActions);
          pool.step(actions, b.view);
          steps += n;
          el = std::chrono::duration<double>(Clock::now() - t0).count();
        }
        rates.push_back(steps / el);
      }
      // Floor: writing every frame once (12,288 bytes per env-step), single thread.
      long fsteps = 0;
      const auto f0 = Clock::now();
      double fel = 0;
      while (fel < 0.5) {
        for (int i = 0; i < n; ++i) std::memset(b.obs.data() + i * pool.obs_bytes(), i & 0xff, pool.obs_bytes());
        fsteps += n;
        fel = std::chrono::duration<double>(Clock::now() - f0).count();
      }
      std::printf(
          "{\"game\": \"%s\", \"envs\": %d, \"threads\": %d, \"steps_per_s\": %.0f, "
          "\"runs\": [%s], \"frame_write_floor_steps_per_s\": %.0f}\n",
          game.c_str(), n, t, median(rates),
          [&] {
            std::string s;
            for (double x : rates) s += (s.empty() ? "" : ", ") + std::to_string(static_cast<long>(x));
            return s;
          }().c_str(),
          fsteps / fel);
      std::fflush(stdout);
    }
  }
  return 0;
}
