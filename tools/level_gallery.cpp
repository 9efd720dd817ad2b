// Contact sheets of levels, sprites and backgrounds as PNG (README pictures, eyeballing the
// generators and the art).
//   level_gallery --game standard --seeds 0-11 --size 512 --out docs/img/gallery_standard.png
//   options: --high (high difficulty)  --cols N  --steps N (random actions after spawn)
//            --action-seed S  --hold ACTION (repeat one action instead of random ones)
//            --run (run right, jumping every 7 ticks, instead of random actions)
//            --vel (draw the velocity squares)  --zoom Z
//            --scale N (enlarge each frame N times, nearest neighbour: for 64 x 64 sheets)
//   level_gallery --sprites --size 40 --out docs/img/sprites.png      (the whole atlas)
//   level_gallery --backgrounds --size 160 --out docs/img/backgrounds.png
#include <png.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/game_registry.h"
#include "base/rng.h"
#include "render/backgrounds.h"
#include "render/canvas.h"
#include "render/overlays.h"
#include "render/sprite_atlas.h"

using namespace coinrun;

namespace {

constexpr int kGap = 4;  // pixels between cells of a sheet
constexpr uint8_t kSheetBg = 24;

struct Sheet {
  int cols, rows, cell_w, cell_h;
  std::vector<uint8_t> rgb;
  Sheet(int n, int cols_, int cw, int ch)
      : cols(cols_),
        rows((n + cols_ - 1) / cols_),
        cell_w(cw),
        cell_h(ch),
        rgb(size_t(width()) * height() * 3, kSheetBg) {}
  int width() const { return cols * (cell_w + kGap) + kGap; }
  int height() const { return rows * (cell_h + kGap) + kGap; }
  FrameView cell(int i) {
    const int x = kGap + (i % cols) * (cell_w + kGap), y = kGap + (i / cols) * (cell_h + kGap);
    return FrameView{rgb.data() + (size_t(y) * width() + x) * 3, cell_w, cell_h, width() * 3};
  }
};

void write_png(const std::string& path, const Sheet& s) {
  FILE* fp = std::fopen(path.c_str(), "wb");
  if (!fp) throw std::runtime_error("cannot open " + path + " for writing");
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    std::fclose(fp);
    throw std::runtime_error("libpng failed writing " + path);
  }
  png_init_io(png, fp);
  png_set_IHDR(png, info, s.width(), s.height(), 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < s.height(); ++y) {
    png_write_row(png, const_cast<png_bytep>(s.rgb.data() + size_t(y) * s.width() * 3));
  }
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  std::fclose(fp);
}

std::vector<uint32_t> parse_seeds(const std::string& spec) {
  std::vector<uint32_t> out;
  size_t p = 0;
  while (p < spec.size()) {
    const size_t q = std::min(spec.find(',', p), spec.size());
    const std::string part = spec.substr(p, q - p);
    const size_t dash = part.find('-');
    if (dash == std::string::npos) {
      out.push_back(static_cast<uint32_t>(std::stoul(part)));
    } else {
      const uint32_t a = std::stoul(part.substr(0, dash)), b = std::stoul(part.substr(dash + 1));
      if (b < a || b - a > 10000) throw std::invalid_argument("bad seed range " + part);
      for (uint32_t s = a; s <= b; ++s) out.push_back(s);
    }
    p = q + 1;
  }
  if (out.empty()) throw std::invalid_argument("no seeds in '" + spec + "'");
  return out;
}

// Every sprite of the atlas at `size` px per tile on a checkerboard (shows transparency).
Sheet sprite_sheet(int size, int cols) {
  const SpriteAtlas& atlas = SpriteAtlas::get();
  const SpriteSet& cells = atlas.cells(size, size);
  const SpriteSet& agents = atlas.agents(size, 2 * size);
  std::vector<const Sprite*> all;
  for (int i = 0; i < CellIndex::kCount; ++i) all.push_back(&cells[i]);
  for (int l = 0; l < kNumAgentLooks; ++l) {
    for (int p = 0; p < static_cast<int>(AgentPose::Count); ++p)
      all.push_back(&agents[agent_index(l, AgentPose(p), false)]);
  }
  Sheet sheet(static_cast<int>(all.size()), cols, size, 2 * size);
  for (size_t i = 0; i < all.size(); ++i) {
    FrameView f = sheet.cell(static_cast<int>(i));
    for (int y = 0; y < f.height; ++y) {
      for (int x = 0; x < f.width; ++x) {
        const uint8_t v = ((x / 4 + y / 4) & 1) ? 150 : 190;
        uint8_t* p = f.pixel(x, y);
        p[0] = p[1] = p[2] = v;
      }
    }
    blit(f, *all[i], 0, f.height - all[i]->h);
  }
  return sheet;
}

Sheet background_sheet(int size, int cols) {
  Sheet sheet(kNumBackgrounds, cols, size, size);
  std::vector<uint8_t> img(size_t(size) * size * 3);
  for (int i = 0; i < kNumBackgrounds; ++i) {
    paint_background(i, size, img.data());
    FrameView f = sheet.cell(i);
    for (int y = 0; y < size; ++y) std::copy_n(&img[size_t(y) * size * 3], size * 3, f.row(y));
  }
  return sheet;
}

int usage(const char* msg) {
  std::fprintf(stderr,
               "level_gallery: %s\nusage: level_gallery [--game standard|platform|maze] "
               "[--seeds 0-11] [--size 512] [--cols 4] [--high] [--steps N] [--action-seed S] "
               "[--hold A] [--vel] [--zoom Z] [--sprites] [--backgrounds] --out FILE.png\n",
               msg);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string game_name = "standard", seeds_spec = "0-11", out;
  int size = 512, cols = 4, steps = 0, hold = -1, scale = 1;
  uint32_t action_seed = 1;
  bool high = false, vel = false, sprites = false, backgrounds = false, run = false;
  float zoom = 0;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      auto next = [&]() -> std::string {
        if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
        return argv[++i];
      };
      if (a == "--game")
        game_name = next();
      else if (a == "--seeds")
        seeds_spec = next();
      else if (a == "--size")
        size = std::stoi(next());
      else if (a == "--cols")
        cols = std::stoi(next());
      else if (a == "--steps")
        steps = std::stoi(next());
      else if (a == "--action-seed")
        action_seed = static_cast<uint32_t>(std::stoul(next()));
      else if (a == "--hold")
        hold = std::stoi(next());
      else if (a == "--zoom")
        zoom = std::stof(next());
      else if (a == "--scale")
        scale = std::stoi(next());
      else if (a == "--high")
        high = true;
      else if (a == "--vel")
        vel = true;
      else if (a == "--run")
        run = true;
      else if (a == "--sprites")
        sprites = true;
      else if (a == "--backgrounds")
        backgrounds = true;
      else if (a == "--out")
        out = next();
      else
        return usage(("unknown argument " + a).c_str());
    }
    if (out.empty()) return usage("--out is required");
    if (size < 4 || size > 4096) return usage("--size must be in [4, 4096]");
    if (cols < 1 || cols > 64) return usage("--cols must be in [1, 64]");
    if (scale < 1 || scale > 16) return usage("--scale must be in [1, 16]");
    if (hold >= kNumActions) return usage("--hold must be an action in [0, 6]");
    if (sprites) {
      write_png(out, sprite_sheet(size, cols));
      return 0;
    }
    if (backgrounds) {
      write_png(out, background_sheet(size, cols));
      return 0;
    }
    const Game* game = find_game(game_name);
    if (!game) return usage(("unknown game " + game_name).c_str());
    const std::vector<uint32_t> seeds = parse_seeds(seeds_spec);
    Sheet sheet(static_cast<int>(seeds.size()), std::min<int>(cols, static_cast<int>(seeds.size())),
                size * scale, size * scale);
    std::vector<uint8_t> frame(size_t(size) * size * 3);
    auto state = std::make_unique<GameState>();
    for (size_t i = 0; i < seeds.size(); ++i) {
      GameState& s = *state;
      game->generate(seeds[i], high, s);
      s.zoom = zoom > 0 ? zoom : game->info().zoom;
      Rng actions(action_seed + static_cast<uint32_t>(i));
      for (int t = 0; t < steps && !s.level_over; ++t) {
        s.clock += 1;
        s.age += 1;
        const int action = run         ? (t % 7 == 3 ? 4 : 1)
                           : hold >= 0 ? hold
                                       : actions.randn(kNumActions);
        game->step(s, action);
      }
      FrameView f = FrameView::packed(frame.data(), size, size);
      game->draw(s, f);
      if (vel) draw_velocity_squares(f, s.agent.vx, s.agent.vy);
      FrameView dst = sheet.cell(static_cast<int>(i));
      for (int y = 0; y < dst.height; ++y) {
        for (int x = 0; x < dst.width; ++x)
          std::copy_n(f.pixel(x / scale, y / scale), 3, dst.pixel(x, y));
      }
    }
    write_png(out, sheet);
  } catch (const std::exception& e) {
    return usage(e.what());
  }
  return 0;
}
