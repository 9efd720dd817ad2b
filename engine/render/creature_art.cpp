// The agent and the monsters. Monster art faces left and the agent faces right, as in the
// original (§7.4, §7.5); the renderer mirrors them.
#include <array>
#include <numbers>

#include "sprite_art.h"

namespace coinrun {
namespace {

constexpr float kPi = std::numbers::pi_v<float>;
constexpr float kLine = 0.04f;  // outline width, tiles
const Rgba kEyeWhite = rgb8(250, 250, 250), kPupil = rgb8(24, 24, 32);

void eye(Canvas& c, float x, float y, float r, float look_dx = -0.3f) {
  c.fill([&](float u, float v) { return sd_circle(u, v, x, y, r); }, kEyeWhite);
  c.fill([&](float u, float v) { return sd_circle(u, v, x + look_dx * r, y, r * 0.55f); }, kPupil);
}

// Slime species: body colour, and whether it is the square "block" slime.
struct Slime {
  Rgba body;
  bool block;
};

void paint_slime(Canvas& c, Slime s, int frame) {
  const float squash = frame == 0 ? 0.0f : 0.08f;
  const Rgba line = shade(s.body, 0.55f);
  const float top = 0.3f + squash, rx = 0.4f + squash * 0.8f;
  const auto body = [&](float u, float v) {
    if (s.block) return sd_box(u, v, 0.5f, (top + 1.0f) / 2, rx, (1.0f - top) / 2, 0.1f);
    return std::max(sd_ellipse(u, v, 0.5f, 1.0f, rx + 0.04f, 1.0f - top), v - 0.98f);
  };
  c.outlined(body, s.body, line, kLine);
  c.paint([&](float u, float v) { return body(u, v) + 0.08f; },
          [&](float u, float v) {
            return with_alpha(shade(s.body, 1.25f),
                              std::max(0.0f, 0.6f - (v - top) * 2 - std::abs(u - 0.45f)));
          });
  eye(c, 0.33f, top + 0.22f, 0.1f);
  c.fill([&](float u,
             float v) { return sd_capsule(u, v, 0.2f, top + 0.45f, 0.36f, top + 0.45f, 0.025f); },
         line);
}

void paint_mouse(Canvas& c, int frame) {
  const Rgba fur = rgb8(150, 150, 164), line = rgb8(70, 70, 84), pink = rgb8(240, 150, 170);
  c.fill(
      [&](float u, float v) {
        return sd_capsule(u, v, 0.82f, 0.86f, 0.98f, 0.6f - 0.06f * frame, 0.025f);
      },
      pink);
  for (int i = 0; i < 2; ++i) {
    const float x = 0.38f + 0.26f * i + (frame ? (i ? -0.05f : 0.05f) : 0);
    c.fill([&](float u, float v) { return sd_capsule(u, v, x, 0.85f, x - 0.04f, 0.97f, 0.04f); },
           line);
  }
  c.outlined([](float u, float v) { return sd_ellipse(u, v, 0.55f, 0.74f, 0.34f, 0.2f); }, fur,
             line, kLine);
  c.outlined([](float u, float v) { return sd_circle(u, v, 0.26f, 0.66f, 0.17f); }, fur, line,
             kLine);
  c.outlined([](float u, float v) { return sd_circle(u, v, 0.34f, 0.46f, 0.11f); }, pink, line,
             kLine);
  c.fill([](float u, float v) { return sd_circle(u, v, 0.09f, 0.7f, 0.04f); }, pink);
  eye(c, 0.2f, 0.62f, 0.055f);
}

void paint_snail(Canvas& c, int frame) {
  const Rgba foot = rgb8(206, 214, 110), line = rgb8(110, 100, 50), shell = rgb8(210, 120, 60);
  const float stretch = frame ? 0.06f : 0.0f;
  c.outlined(
      [&](float u, float v) { return sd_capsule(u, v, 0.12f - stretch, 0.88f, 0.9f, 0.88f, 0.1f); },
      foot, line, kLine);
  c.fill(
      [&](float u, float v) {
        return sd_capsule(u, v, 0.16f - stretch, 0.82f, 0.1f - stretch, 0.52f, 0.025f);
      },
      line);
  c.fill([&](float u, float v) { return sd_circle(u, v, 0.1f - stretch, 0.52f, 0.05f); }, kPupil);
  c.outlined([](float u, float v) { return sd_circle(u, v, 0.58f, 0.58f, 0.3f); }, shell,
             shade(shell, 0.5f), kLine);
  c.fill([](float u, float v) { return std::abs(sd_circle(u, v, 0.6f, 0.6f, 0.16f)) - 0.03f; },
         shade(shell, 0.65f));
  c.fill([](float u, float v) { return sd_circle(u, v, 0.62f, 0.62f, 0.05f); },
         shade(shell, 0.65f));
}

void paint_ladybug(Canvas& c, int frame) {
  const Rgba red = rgb8(222, 44, 40), black = rgb8(28, 28, 34);
  for (int i = 0; i < 3; ++i) {
    const float x = 0.35f + 0.2f * i + (frame && i == 1 ? 0.05f : 0);
    c.fill([&](float u, float v) { return sd_capsule(u, v, x, 0.86f, x - 0.06f, 0.98f, 0.025f); },
           black);
  }
  c.outlined(
      [](float u, float v) {
        return std::max(sd_ellipse(u, v, 0.56f, 0.88f, 0.4f, 0.44f), v - 0.9f);
      },
      red, black, kLine);
  c.fill(
      [](float u, float v) {
        return std::max(std::abs(u - 0.56f) - 0.015f, sd_ellipse(u, v, 0.56f, 0.88f, 0.4f, 0.44f));
      },
      black);
  const float spots[4][2] = {{0.4f, 0.62f}, {0.7f, 0.6f}, {0.5f, 0.78f}, {0.8f, 0.78f}};
  for (const auto& p : spots)
    c.fill([&](float u, float v) { return sd_circle(u, v, p[0], p[1], 0.07f); }, black);
  c.fill([](float u, float v) { return sd_circle(u, v, 0.16f, 0.78f, 0.14f); }, black);
  eye(c, 0.11f, 0.74f, 0.045f, 0.0f);
}

void paint_worm(Canvas& c, Rgba body, int frame) {
  const Rgba line = shade(body, 0.5f);
  std::array<std::array<float, 2>, 4> seg = {
      {{0.84f, 0.86f}, {0.66f, 0.84f}, {0.48f, 0.84f}, {0.26f, 0.8f}}};
  if (frame) seg[1][1] = 0.74f, seg[2][1] = 0.72f, seg[0][0] = 0.78f;
  for (const auto& s : seg) {
    c.outlined([&](float u, float v) { return sd_circle(u, v, s[0], s[1], 0.14f); }, body, line,
               kLine);
  }
  c.outlined([](float u, float v) { return sd_circle(u, v, 0.2f, 0.72f, 0.18f); }, body, line,
             kLine);
  eye(c, 0.15f, 0.67f, 0.07f);
  c.fill([](float u, float v) { return sd_circle(u, v, 0.28f, 0.78f, 0.04f); }, shade(body, 1.3f));
}

const Rgba kAgentColours[kNumAgentLooks] = {rgb8(232, 200, 156), rgb8(96, 168, 236),
                                            rgb8(112, 204, 100), rgb8(244, 146, 184),
                                            rgb8(248, 214, 72)};

}  // namespace

void paint_saw(Canvas& c, int frame) {
  const Rgba steel = rgb8(204, 208, 218), dark = rgb8(84, 88, 104), hub = rgb8(150, 154, 170);
  constexpr int kTeeth = 12;
  const float phase = frame * kPi / kTeeth;
  const float cx = 0.5f, cy = 0.98f, r = 0.5f;
  const auto blade = [&](float u, float v) {
    const float a = std::atan2(v - cy, u - cx) + phase;
    const float t = a * kTeeth / (2 * kPi);
    const float saw = t - std::floor(t);  // sawtooth profile: the teeth lean one way
    return std::max(std::hypot(u - cx, v - cy) - r * (0.8f + 0.2f * saw), v - 1.0f);
  };
  c.outlined(blade, steel, dark, kLine);
  c.fill([&](float u, float v) { return std::max(sd_circle(u, v, cx, cy, 0.24f), v - 1.0f); }, hub);
  c.fill([&](float u, float v) { return sd_circle(u, v, cx, cy, 0.08f); }, dark);
}

void paint_walker(Canvas& c, int species, int frame) {
  switch (species) {
    case 0:
      paint_slime(c, {rgb8(112, 178, 196), true}, frame);
      break;
    case 1:
      paint_slime(c, {rgb8(170, 96, 214), false}, frame);
      break;
    case 2:
      paint_slime(c, {rgb8(72, 134, 236), false}, frame);
      break;
    case 3:
      paint_slime(c, {rgb8(96, 206, 86), false}, frame);
      break;
    case 4:
      paint_mouse(c, frame);
      break;
    case 5:
      paint_snail(c, frame);
      break;
    case 6:
      paint_ladybug(c, frame);
      break;
    case 7:
      paint_worm(c, rgb8(120, 206, 76), frame);
      break;
    default:
      paint_worm(c, rgb8(244, 128, 172), frame);
      break;
  }
}

void paint_flyer(Canvas& c, int frame) {
  const Rgba yellow = rgb8(252, 206, 40), black = rgb8(32, 28, 30),
             wing = rgb8(230, 244, 255, 0.85f);
  c.fill([](float u, float v) { return sd_triangle(u, v, 0.8f, 0.52f, 0.8f, 0.66f, 0.96f, 0.6f); },
         black);
  c.outlined([](float u, float v) { return sd_ellipse(u, v, 0.52f, 0.6f, 0.32f, 0.22f); }, yellow,
             black, kLine);
  for (float x : {0.5f, 0.66f}) {
    c.fill(
        [&](float u, float v) {
          return std::max(std::abs(u - x) - 0.045f, sd_ellipse(u, v, 0.52f, 0.6f, 0.32f, 0.22f));
        },
        black);
  }
  c.fill([](float u, float v) { return sd_circle(u, v, 0.22f, 0.58f, 0.14f); }, black);
  eye(c, 0.17f, 0.54f, 0.05f, 0.0f);
  const float wy = frame == 0 ? 0.3f : 0.4f, wr = frame == 0 ? 0.16f : 0.1f;
  c.outlined([&](float u, float v) { return sd_ellipse(u, v, 0.5f, wy, 0.13f, wr); }, wing,
             rgb8(120, 140, 170), 0.03f);
  c.outlined(
      [&](float u, float v) { return sd_ellipse(u, v, 0.66f, wy + 0.02f, 0.11f, wr * 0.85f); },
      wing, rgb8(120, 140, 170), 0.03f);
}

void paint_agent(Canvas& c, int look, AgentPose pose) {
  const Rgba body = kAgentColours[look], line = shade(body, 0.5f), dark = shade(body, 0.78f);
  // Layout on the 1 x 2 box (v = 2 is the feet): the character fills the lower ~58 %.
  float dy = 0, head_y = 1.16f, body_y = 1.58f, body_h = 0.17f;
  struct Limb {
    float ax, ay, bx, by;
  };
  Limb back_leg{0.38f, 1.74f, 0.38f, 1.92f}, front_leg{0.62f, 1.74f, 0.62f, 1.92f};
  Limb back_arm{0.27f, 1.5f, 0.18f, 1.66f}, front_arm{0.73f, 1.5f, 0.82f, 1.66f};
  bool climbing = false;
  switch (pose) {
    case AgentPose::Stand:
      break;
    case AgentPose::WalkA:
      back_leg = {0.42f, 1.74f, 0.28f, 1.92f}, front_leg = {0.58f, 1.74f, 0.72f, 1.92f};
      back_arm = {0.36f, 1.5f, 0.44f, 1.66f}, front_arm = {0.64f, 1.5f, 0.56f, 1.66f};
      break;
    case AgentPose::WalkB:
      back_leg = {0.46f, 1.74f, 0.5f, 1.93f}, front_leg = {0.56f, 1.74f, 0.66f, 1.84f};
      back_arm = {0.34f, 1.5f, 0.24f, 1.64f}, front_arm = {0.66f, 1.5f, 0.76f, 1.64f};
      break;
    case AgentPose::Jump:
      dy = -0.05f;
      back_leg = {0.4f, 1.72f, 0.3f, 1.84f}, front_leg = {0.6f, 1.72f, 0.72f, 1.8f};
      back_arm = {0.34f, 1.48f, 0.18f, 1.32f}, front_arm = {0.66f, 1.48f, 0.82f, 1.32f};
      break;
    case AgentPose::Crouch:
      head_y = 1.34f, body_y = 1.72f, body_h = 0.13f;
      back_leg = {0.38f, 1.84f, 0.32f, 1.95f}, front_leg = {0.62f, 1.84f, 0.68f, 1.95f};
      back_arm = {0.34f, 1.66f, 0.26f, 1.8f}, front_arm = {0.66f, 1.66f, 0.74f, 1.8f};
      break;
    case AgentPose::ClimbA:
    case AgentPose::ClimbB: {
      climbing = true;
      const bool a = pose == AgentPose::ClimbA;
      back_arm = {0.32f, 1.5f, 0.26f, a ? 1.24f : 1.6f},
      front_arm = {0.68f, 1.5f, 0.74f, a ? 1.6f : 1.24f};
      back_leg = {0.4f, 1.74f, 0.38f, a ? 1.84f : 1.94f},
      front_leg = {0.6f, 1.74f, 0.62f, a ? 1.94f : 1.84f};
      break;
    }
    case AgentPose::Count:
      break;
  }
  const auto limb = [&](const Limb& l, float r, Rgba col) {
    c.outlined(
        [&](float u, float v) { return sd_capsule(u, v, l.ax, l.ay + dy, l.bx, l.by + dy, r); },
        col, line, kLine);
  };
  limb(back_arm, 0.06f, dark);
  limb(back_leg, 0.08f, dark);
  c.outlined([&](float u, float v) { return sd_box(u, v, 0.5f, body_y + dy, 0.27f, body_h, 0.1f); },
             body, line, kLine);
  limb(front_leg, 0.08f, body);
  c.outlined([&](float u, float v) { return sd_circle(u, v, 0.5f, head_y + dy, 0.34f); }, body,
             line, kLine);
  // Antenna: the look's one playful detail, and a cue for the facing direction.
  c.fill(
      [&](float u, float v) {
        return sd_capsule(u, v, 0.5f, head_y + dy - 0.32f, 0.6f, head_y + dy - 0.44f, 0.022f);
      },
      line);
  c.outlined([&](float u, float v) { return sd_circle(u, v, 0.61f, head_y + dy - 0.46f, 0.055f); },
             shade(body, 1.3f), line, 0.025f);
  if (climbing) {
    c.fill(
        [&](float u, float v) { return sd_ellipse(u, v, 0.5f, head_y + dy + 0.05f, 0.16f, 0.12f); },
        dark);
  } else {
    c.fill([&](float u,
               float v) { return sd_ellipse(u, v, 0.64f, head_y + dy - 0.02f, 0.15f, 0.13f); },
           kEyeWhite);
    c.fill([&](float u, float v) { return sd_circle(u, v, 0.7f, head_y + dy - 0.02f, 0.065f); },
           kPupil);
    c.fill(
        [&](float u, float v) {
          return sd_capsule(u, v, 0.6f, head_y + dy + 0.14f, 0.72f, head_y + dy + 0.12f, 0.02f);
        },
        line);
  }
  limb(front_arm, 0.06f, body);
}

}  // namespace coinrun
