// Tiles and items. Style: flat cartoon colours with soft shading and a darker rim, chosen so
// that each kind keeps a distinct colour and silhouette when averaged down to 5 x 5 pixels.
#include "sprite_art.h"

#include <numbers>

#include "art_noise.h"

namespace coinrun {
namespace {

constexpr float kPi = std::numbers::pi_v<float>;

struct GroundColours {
  Rgba body, speck, top, top_light, top_dark;
};

// One row per theme, in the §4.7 draw order.
const GroundColours kGround[kNumGroundThemes] = {
    // Dirt: brown earth with a darker crust.
    {rgb8(160, 104, 62), rgb8(128, 80, 46), rgb8(122, 80, 46), rgb8(176, 124, 80),
     rgb8(92, 58, 32)},
    // Grass: earth under a bright green turf.
    {rgb8(156, 102, 64), rgb8(126, 80, 48), rgb8(86, 180, 58), rgb8(146, 222, 92),
     rgb8(52, 128, 40)},
    // Planet: violet rock under a pink alien crust.
    {rgb8(104, 78, 150), rgb8(80, 58, 122), rgb8(226, 110, 184), rgb8(250, 166, 218),
     rgb8(164, 66, 130)},
    // Sand: pale sand with a light rippled top.
    {rgb8(222, 188, 116), rgb8(196, 158, 92), rgb8(244, 220, 152), rgb8(255, 240, 196),
     rgb8(200, 164, 96)},
    // Snow: icy blue stone under a white snow cap.
    {rgb8(112, 146, 186), rgb8(90, 120, 160), rgb8(242, 248, 255), rgb8(255, 255, 255),
     rgb8(176, 204, 232)},
    // Stone: grey bricks under a light slab.
    {rgb8(128, 128, 138), rgb8(100, 100, 110), rgb8(178, 178, 190), rgb8(212, 212, 222),
     rgb8(120, 120, 132)},
};

constexpr float kTopBand = 0.34f;  // thickness of the surface band, in tiles

void paint_body(Canvas& c, int theme) {
  const GroundColours& g = kGround[theme];
  c.fill([](float, float) { return -1.0f; }, g.body);
  // Soft mottling plus a few darker pebbles; periodic in both axes so tiles join seamlessly.
  c.paint([](float, float) { return -1.0f; },
          [&](float u, float v) {
            const float n = periodic_noise(u * 4, v * 4, 4, 4, 11 + theme);
            return with_alpha(n > 0.5f ? shade(g.body, 1.12f) : g.speck, std::abs(n - 0.5f) * 0.9f);
          });
  if (theme == 5) {  // Stone: brick courses.
    c.fill(
        [](float u, float v) {
          const float row = std::abs(v - std::round(v * 2) / 2);
          const float off = (static_cast<int>(v * 2) % 2) ? 0.25f : 0.75f;
          const float col = std::abs(u - off);
          return std::min(row, v > 0.02f && v < 0.98f ? col : 1.0f) - 0.025f;
        },
        g.speck);
  } else {
    const float pebbles[3][3] = {{0.22f, 0.35f, 0.07f}, {0.7f, 0.6f, 0.06f}, {0.4f, 0.82f, 0.05f}};
    for (const auto& p : pebbles) {
      c.fill([&](float u, float v) { return sd_ellipse(u, v, p[0], p[1], p[2] * 1.4f, p[2]); },
             g.speck);
    }
  }
}

void paint_top(Canvas& c, int theme) {
  const GroundColours& g = kGround[theme];
  const auto edge = [theme](float u) {  // lower edge of the surface band, wavy per theme
    const float wave = theme == 3 ? 0.05f : 0.035f;
    return kTopBand + wave * std::sin(2 * kPi * u * (theme == 1 ? 3 : 2) + theme);
  };
  c.fill([&](float u, float v) { return v - edge(u) - 0.05f; }, g.top_dark);
  c.paint([&](float u, float v) { return v - edge(u); },
          [&](float, float v) { return mix(g.top_light, g.top, std::min(1.0f, v / 0.2f)); });
  if (theme == 1) {  // grass tufts along the lower edge
    for (int i = 0; i < 4; ++i) {
      const float x = 0.125f + 0.25f * i;
      c.fill(
          [&](float u, float v) {
            return sd_triangle(u, v, x - 0.07f, edge(x) - 0.02f, x + 0.07f, edge(x) - 0.02f, x,
                               edge(x) + 0.09f);
          },
          g.top);
    }
  } else if (theme == 4) {  // snow drips
    for (int i = 0; i < 3; ++i) {
      const float x = 0.18f + 0.32f * i;
      c.fill(
          [&](float u, float v) {
            return sd_capsule(u, v, x, edge(x) - 0.05f, x, edge(x) + 0.08f, 0.05f);
          },
          g.top);
    }
  }
  // Thin bright rim on the very top.
  c.fill([](float, float v) { return v - 0.05f; }, g.top_light, 0.8f);
}

}  // namespace

void paint_ground(Canvas& c, int theme, GroundPart part) {
  paint_body(c, theme);
  if (part == GroundPart::Centre) return;
  paint_top(c, theme);
  if (part == GroundPart::Surface) return;
  // Platform ends: the outer lower corner is rounded away (§12.2), with a darker rim.
  const bool left = part == GroundPart::LeftEnd;
  const auto shape = [left](float u, float v) {
    const float x = left ? u : 1 - u;
    if (x < 0.5f && v > 0.45f) return std::hypot(x - 0.5f, (v - 0.45f) * 0.9f) - 0.5f;
    return std::max(-x, v - 1.0f);
  };
  c.fill([&](float u, float v) { return -(shape(u, v) + 0.06f); },
         shade(kGround[theme].speck, 0.8f), 0.7f);
  c.mask(shape);
}

void paint_crate(Canvas& c, int look) {
  const Rgba wood = rgb8(198, 136, 64), dark = rgb8(112, 68, 28), light = rgb8(226, 172, 96);
  const Rgba face = look == 3 ? rgb8(236, 186, 40) : wood;
  c.outlined([](float u, float v) { return sd_box(u, v, 0.5f, 0.5f, 0.5f, 0.5f, 0.04f); }, face,
             dark, 0.06f);
  c.fill([](float u, float v) { return -(sd_box(u, v, 0.5f, 0.5f, 0.5f, 0.5f) + 0.16f); }, dark);
  c.paint([](float u, float v) { return sd_box(u, v, 0.5f, 0.5f, 0.34f, 0.34f); },
          [&](float, float v) { return mix(shade(face, 1.12f), face, v); });
  switch (look) {
    case 0:  // plain: two plank joints
      for (float y : {0.39f, 0.61f}) {
        c.fill([y](float u, float v) { return sd_box(u, v, 0.5f, y, 0.34f, 0.018f); }, dark);
      }
      break;
    case 1:  // double: an X brace
      c.fill([](float u, float v) { return sd_capsule(u, v, 0.2f, 0.2f, 0.8f, 0.8f, 0.06f); },
             light);
      c.fill([](float u, float v) { return sd_capsule(u, v, 0.2f, 0.8f, 0.8f, 0.2f, 0.06f); },
             light);
      c.fill(
          [](float u, float v) {
            return std::abs(sd_capsule(u, v, 0.2f, 0.8f, 0.8f, 0.2f, 0.06f)) - 0.012f;
          },
          dark);
      break;
    case 2:  // single: one diagonal brace
      c.fill([](float u, float v) { return sd_capsule(u, v, 0.2f, 0.8f, 0.8f, 0.2f, 0.08f); },
             light);
      c.fill(
          [](float u, float v) {
            return std::abs(sd_capsule(u, v, 0.2f, 0.8f, 0.8f, 0.2f, 0.08f)) - 0.014f;
          },
          dark);
      break;
    default:  // warning: black triangle with a yellow exclamation mark
      c.fill(
          [](float u, float v) {
            return sd_triangle(u, v, 0.5f, 0.2f, 0.8f, 0.76f, 0.2f, 0.76f) - 0.02f;
          },
          rgb8(30, 30, 30));
      c.fill([](float u, float v) { return sd_capsule(u, v, 0.5f, 0.38f, 0.5f, 0.56f, 0.035f); },
             face);
      c.fill([](float u, float v) { return sd_circle(u, v, 0.5f, 0.67f, 0.04f); }, face);
      break;
  }
}

void paint_lava(Canvas& c, bool surface) {
  const Rgba deep = rgb8(196, 36, 12), hot = rgb8(255, 112, 16), glow = rgb8(255, 220, 90);
  const auto wave = [](float u) { return 0.22f + 0.05f * std::sin(2 * kPi * 2 * u); };
  const auto area = [&](float u, float v) { return surface ? wave(u) - v : -1.0f; };
  // Molten body: hot at the top, deep red below, with slow darker swirls.
  c.paint(area, [&](float u, float v) {
    const float n = periodic_noise(u * 3, v * 3, 3, 3, 5);
    return mix(hot, deep, std::clamp(0.25f + v * 0.6f + (n - 0.5f) * 0.7f, 0.0f, 1.0f));
  });
  // Round glowing bubbles; the picture wraps horizontally, so each bubble is drawn at u and
  // u - 1 to cross the tile edge seamlessly when it scrolls (§7.7).
  const float bubbles[4][3] = {
      {0.2f, 0.62f, 0.08f}, {0.62f, 0.45f, 0.06f}, {0.8f, 0.82f, 0.07f}, {0.42f, 0.9f, 0.05f}};
  for (const auto& b : bubbles) {
    for (float off : {0.0f, -1.0f, 1.0f}) {
      c.fill([&](float u,
                 float v) { return std::max(sd_circle(u, v, b[0] + off, b[1], b[2]), area(u, v)); },
             glow, 0.9f);
      c.fill(
          [&](float u, float v) {
            return sd_circle(u, v, b[0] + off - b[2] * 0.3f, b[1] - b[2] * 0.3f, b[2] * 0.35f);
          },
          rgb8(255, 250, 210), 0.8f);
    }
  }
  if (surface) {
    c.fill([&](float u, float v) { return std::abs(v - wave(u) - 0.035f) - 0.035f; }, glow);
  }
}

void paint_item(Canvas& c, Item item) {
  switch (item) {
    case Item::Ladder: {
      const Rgba wood = rgb8(176, 118, 60), dark = rgb8(96, 60, 26);
      for (float y : {0.18f, 0.5f, 0.82f}) {
        c.outlined([y](float u, float v) { return sd_box(u, v, 0.5f, y, 0.3f, 0.055f, 0.02f); },
                   wood, dark, 0.03f);
      }
      for (float x : {0.2f, 0.8f}) {
        c.outlined([x](float u, float v) { return sd_box(u, v, x, 0.5f, 0.07f, 0.52f); }, wood,
                   dark, 0.03f);
      }
      break;
    }
    case Item::Coin: {
      const Rgba rim = rgb8(196, 128, 12), gold = rgb8(255, 206, 40), shine = rgb8(255, 244, 160);
      c.outlined([](float u, float v) { return sd_circle(u, v, 0.5f, 0.5f, 0.4f); }, gold, rim,
                 0.07f);
      c.fill([](float u, float v) { return std::abs(sd_circle(u, v, 0.5f, 0.5f, 0.25f)) - 0.025f; },
             rgb8(226, 160, 24));
      c.fill([](float u, float v) { return sd_box(u, v, 0.5f, 0.5f, 0.05f, 0.15f, 0.03f); }, rim);
      c.fill([](float u, float v) { return sd_ellipse(u, v, 0.36f, 0.32f, 0.07f, 0.05f); }, shine);
      break;
    }
    case Item::Gem: {
      const Rgba red = rgb8(228, 40, 64), dark = rgb8(140, 16, 40), light = rgb8(255, 140, 150);
      c.fill(
          [](float u, float v) { return sd_triangle(u, v, 0.15f, 0.4f, 0.85f, 0.4f, 0.5f, 0.88f); },
          dark);
      c.fill([](float u, float v) { return sd_box(u, v, 0.5f, 0.3f, 0.25f, 0.1f); }, red);
      c.fill(
          [](float u, float v) { return sd_triangle(u, v, 0.25f, 0.2f, 0.15f, 0.4f, 0.32f, 0.4f); },
          red);
      c.fill(
          [](float u, float v) { return sd_triangle(u, v, 0.75f, 0.2f, 0.85f, 0.4f, 0.68f, 0.4f); },
          red);
      c.fill([](float u,
                float v) { return sd_triangle(u, v, 0.22f, 0.42f, 0.78f, 0.42f, 0.5f, 0.8f); },
             red);
      c.fill([](float u,
                float v) { return sd_triangle(u, v, 0.32f, 0.24f, 0.46f, 0.24f, 0.36f, 0.38f); },
             light);
      break;
    }
    case Item::Spikes: {
      const Rgba steel = rgb8(200, 204, 214), dark = rgb8(90, 94, 110);
      for (int i = 0; i < 3; ++i) {
        const float x = 0.17f + 0.33f * i;
        c.fill(
            [x](float u, float v) {
              return sd_triangle(u, v, x - 0.16f, 1.0f, x + 0.16f, 1.0f, x, 0.42f);
            },
            dark);
        c.fill(
            [x](float u, float v) {
              return sd_triangle(u, v, x - 0.11f, 0.98f, x + 0.04f, 0.98f, x, 0.5f);
            },
            steel);
      }
      break;
    }
    case Item::Star: {
      const auto star = [](float u, float v) {
        float d = 1e9f;
        for (int i = 0; i < 5; ++i) {
          const float a = -kPi / 2 + i * 2 * kPi / 5;
          const float b0 = a - kPi / 5, b1 = a + kPi / 5;
          d = std::min(d, sd_triangle(u, v, 0.5f + 0.42f * std::cos(a), 0.53f + 0.42f * std::sin(a),
                                      0.5f + 0.18f * std::cos(b0), 0.53f + 0.18f * std::sin(b0),
                                      0.5f + 0.18f * std::cos(b1), 0.53f + 0.18f * std::sin(b1)));
        }
        return std::min(d, sd_circle(u, v, 0.5f, 0.53f, 0.19f));
      };
      c.outlined(star, rgb8(255, 220, 50), rgb8(210, 140, 20), 0.05f);
      break;
    }
    case Item::Count:
      break;
  }
}

}  // namespace coinrun
