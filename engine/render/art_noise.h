#pragma once
// Integer hashing and value noise for the procedural art. Pure functions of their arguments:
// the art is the same on every run and thread.
#include <cmath>
#include <cstdint>

namespace coinrun {

inline uint32_t art_hash(uint32_t x, uint32_t y, uint32_t seed) {
  uint32_t h = x * 0x8da6b343u ^ y * 0xd8163841u ^ seed * 0xcb1ab31fu;
  h ^= h >> 15;
  h *= 0x2c1b3c6du;
  h ^= h >> 12;
  h *= 0x297a2d39u;
  h ^= h >> 15;
  return h;
}
inline float art_hash01(uint32_t x, uint32_t y, uint32_t seed) {
  return static_cast<float>(art_hash(x, y, seed) >> 8) / 16777216.0f;
}

// Smooth value noise in [0, 1] on a lattice of period (px, py) cells: tileable.
inline float periodic_noise(float x, float y, int px, int py, uint32_t seed) {
  const float fx = std::floor(x), fy = std::floor(y);
  const float tx = x - fx, ty = y - fy;
  const float sx = tx * tx * (3 - 2 * tx), sy = ty * ty * (3 - 2 * ty);
  auto wrap = [](int v, int p) { return static_cast<uint32_t>(((v % p) + p) % p); };
  const int ix = static_cast<int>(fx), iy = static_cast<int>(fy);
  const float a = art_hash01(wrap(ix, px), wrap(iy, py), seed);
  const float b = art_hash01(wrap(ix + 1, px), wrap(iy, py), seed);
  const float c = art_hash01(wrap(ix, px), wrap(iy + 1, py), seed);
  const float d = art_hash01(wrap(ix + 1, px), wrap(iy + 1, py), seed);
  return (a + (b - a) * sx) + ((c + (d - c) * sx) - (a + (b - a) * sx)) * sy;
}

// Fractal sum of periodic noise (period px cells horizontally at the base octave).
inline float fbm(float x, float y, int px, int py, uint32_t seed, int octaves = 4) {
  float sum = 0, amp = 0.5f, norm = 0;
  for (int o = 0; o < octaves; ++o) {
    sum += amp * periodic_noise(x, y, px, py, seed + 17u * o);
    norm += amp;
    x *= 2, y *= 2, px *= 2, py *= 2, amp *= 0.5f;
  }
  return sum / norm;
}

}  // namespace coinrun
