#include "canvas.h"

#include <cstring>

namespace coinrun {
namespace {

struct Tap {
  int src;
  float w;
};

// 1-D resampling weights from n_src to n_dst samples: area average when shrinking (each
// output pixel is the mean of the source interval it covers, so 40 -> 5 is an exact 8-pixel
// box), linear interpolation when enlarging.
std::vector<std::vector<Tap>> taps_1d(int n_src, int n_dst) {
  std::vector<std::vector<Tap>> out(n_dst);
  const double scale = static_cast<double>(n_src) / n_dst;
  for (int i = 0; i < n_dst; ++i) {
    if (n_dst <= n_src) {
      const double a = i * scale, b = (i + 1) * scale;
      for (int j = static_cast<int>(a); j < n_src && j < b; ++j) {
        const double ov = std::min<double>(b, j + 1) - std::max<double>(a, j);
        if (ov > 1e-9) out[i].push_back({j, static_cast<float>(ov / scale)});
      }
    } else {
      const double c = (i + 0.5) * scale - 0.5;
      const int j0 = static_cast<int>(std::floor(c));
      const float t = static_cast<float>(c - j0);
      out[i].push_back({std::clamp(j0, 0, n_src - 1), 1 - t});
      out[i].push_back({std::clamp(j0 + 1, 0, n_src - 1), t});
    }
  }
  return out;
}

constexpr uint8_t kSnapOpaque = 251, kSnapClear = 4;

inline uint8_t to_u8(float v) {
  return static_cast<uint8_t>(std::clamp(static_cast<int>(std::lround(v * 255.0f)), 0, 255));
}

// round(x / 255) for x in [0, 255 * 255], exact at both ends (x = 0 and a = 0 / 255 cases).
inline uint32_t div255(uint32_t x) { return ((x + 128) * 257) >> 16; }

}  // namespace

float sd_triangle(float x, float y, float ax, float ay, float bx, float by, float cx, float cy) {
  // Exact distance to the three edges, sign from the edge-side tests (Inigo Quilez's form).
  const float e0x = bx - ax, e0y = by - ay, e1x = cx - bx, e1y = cy - by, e2x = ax - cx,
              e2y = ay - cy;
  const float v0x = x - ax, v0y = y - ay, v1x = x - bx, v1y = y - by, v2x = x - cx, v2y = y - cy;
  auto seg = [](float vx, float vy, float ex, float ey) {
    const float h = std::clamp((vx * ex + vy * ey) / (ex * ex + ey * ey), 0.0f, 1.0f);
    const float dx = vx - ex * h, dy = vy - ey * h;
    return dx * dx + dy * dy;
  };
  const float d =
      std::min({seg(v0x, v0y, e0x, e0y), seg(v1x, v1y, e1x, e1y), seg(v2x, v2y, e2x, e2y)});
  const float s = e0x * e2y - e0y * e2x;
  const float c0 = s * (v0x * e0y - v0y * e0x), c1 = s * (v1x * e1y - v1y * e1x),
              c2 = s * (v2x * e2y - v2y * e2x);
  const bool inside = c0 >= 0 && c1 >= 0 && c2 >= 0;
  return inside ? -std::sqrt(d) : std::sqrt(d);
}

void Canvas::mirror_x() {
  for (int y = 0; y < h_; ++y)
    std::reverse(px_.begin() + size_t(y) * w_, px_.begin() + size_t(y + 1) * w_);
}

void Canvas::shift_left_wrapped(int dx) {
  dx = ((dx % w_) + w_) % w_;
  for (int y = 0; y < h_; ++y) {
    auto row = px_.begin() + size_t(y) * w_;
    std::rotate(row, row + dx, row + w_);
  }
}

Sprite make_sprite(const Canvas& c, int w, int h) {
  const auto tx = taps_1d(c.width(), w);
  const auto ty = taps_1d(c.height(), h);
  // Horizontal pass into a w x src_h float image, then vertical.
  std::vector<Rgba> tmp(size_t(w) * c.height());
  for (int y = 0; y < c.height(); ++y) {
    for (int x = 0; x < w; ++x) {
      Rgba acc{0, 0, 0, 0};
      for (const Tap& t : tx[x]) {
        const Rgba& p = c.at(t.src, y);
        acc.r += p.r * t.w, acc.g += p.g * t.w, acc.b += p.b * t.w, acc.a += p.a * t.w;
      }
      tmp[size_t(y) * w + x] = acc;
    }
  }
  Sprite s;
  s.w = w, s.h = h;
  s.rgb.resize(size_t(w) * h * 3);
  s.inv_alpha.resize(size_t(w) * h);
  s.row_lo.assign(h, 0);
  s.row_hi.assign(h, 0);
  s.row_opaque.assign(h, 0);
  s.opaque = true;
  for (int y = 0; y < h; ++y) {
    int lo = w, hi = 0;
    bool all_opaque = true;
    for (int x = 0; x < w; ++x) {
      Rgba acc{0, 0, 0, 0};
      for (const Tap& t : ty[y]) {
        const Rgba& p = tmp[size_t(t.src) * w + x];
        acc.r += p.r * t.w, acc.g += p.g * t.w, acc.b += p.b * t.w, acc.a += p.a * t.w;
      }
      uint8_t a = to_u8(acc.a);
      // Snap nearly opaque and nearly clear pixels (antialiased corners averaged down) so that
      // more rows and tiles take the plain-copy path; the change is below 2 % of one pixel.
      if (a >= kSnapOpaque) a = 255;
      if (a <= kSnapClear) a = 0;
      uint8_t* d = &s.rgb[(size_t(y) * w + x) * 3];
      // Premultiplied colour can never exceed alpha; clamping keeps the blend in range.
      d[0] = std::min(to_u8(acc.r), a);
      d[1] = std::min(to_u8(acc.g), a);
      d[2] = std::min(to_u8(acc.b), a);
      s.inv_alpha[size_t(y) * w + x] = static_cast<uint8_t>(255 - a);
      if (a != 255) s.opaque = false;
      if (a != 0) lo = std::min(lo, x), hi = x + 1;
    }
    for (int x = lo; x < hi; ++x) all_opaque = all_opaque && s.inv_alpha[size_t(y) * w + x] == 0;
    if (lo >= hi) lo = hi = 0;
    s.row_lo[y] = static_cast<uint16_t>(lo);
    s.row_hi[y] = static_cast<uint16_t>(hi);
    s.row_opaque[y] = lo < hi && all_opaque;
  }
  return s;
}

Sprite make_disc(float diameter, float opacity) {
  const int n = std::max(1, static_cast<int>(std::ceil(diameter)));
  Canvas c(n, n, 1.0f);
  const float r = diameter / 2, ctr = n / 2.0f;
  c.fill([&](float u, float v) { return sd_circle(u, v, ctr, ctr, r); }, Rgba{1, 1, 1, 1}, opacity);
  return make_sprite(c, n, n);
}

void blit(FrameView f, const Sprite& s, int x0, int y0) {
  const int ya = std::max(0, -y0), yb = std::min(s.h, f.height - y0);
  const int xa = std::max(0, -x0), xb = std::min(s.w, f.width - x0);
  if (ya >= yb || xa >= xb) return;
  if (s.opaque) {
    if (xb - xa == 5) {  // the 64 x 64 observation's tiles: fixed-size copies, inlined
      for (int y = ya; y < yb; ++y) {
        std::memcpy(f.pixel(x0 + xa, y0 + y), &s.rgb[(size_t(y) * s.w + xa) * 3], 15);
      }
      return;
    }
    const size_t bytes = size_t(xb - xa) * 3;
    for (int y = ya; y < yb; ++y) {
      std::memcpy(f.pixel(x0 + xa, y0 + y), &s.rgb[(size_t(y) * s.w + xa) * 3], bytes);
    }
    return;
  }
  for (int y = ya; y < yb; ++y) {
    const int lo = std::max<int>(xa, s.row_lo[y]), hi = std::min<int>(xb, s.row_hi[y]);
    if (lo >= hi) continue;
    uint8_t* d = f.pixel(x0 + lo, y0 + y);
    const uint8_t* src = &s.rgb[(size_t(y) * s.w + lo) * 3];
    if (s.row_opaque[y]) {
      std::memcpy(d, src, size_t(hi - lo) * 3);
      continue;
    }
    const uint8_t* ia = &s.inv_alpha[size_t(y) * s.w + lo];
    for (int x = lo; x < hi; ++x, d += 3, src += 3, ++ia) {
      d[0] = static_cast<uint8_t>(src[0] + div255(d[0] * uint32_t(*ia)));
      d[1] = static_cast<uint8_t>(src[1] + div255(d[1] * uint32_t(*ia)));
      d[2] = static_cast<uint8_t>(src[2] + div255(d[2] * uint32_t(*ia)));
    }
  }
}

void fill_rect(FrameView f, int x0, int y0, int x1, int y1, uint8_t r, uint8_t g, uint8_t b) {
  x0 = std::max(x0, 0), y0 = std::max(y0, 0);
  x1 = std::min(x1, f.width), y1 = std::min(y1, f.height);
  if (x0 >= x1 || y0 >= y1) return;
  uint8_t* first = f.pixel(x0, y0);
  for (int x = x0; x < x1; ++x) {
    first[3 * (x - x0)] = r, first[3 * (x - x0) + 1] = g, first[3 * (x - x0) + 2] = b;
  }
  const size_t bytes = size_t(x1 - x0) * 3;
  for (int y = y0 + 1; y < y1; ++y) std::memcpy(f.pixel(x0, y), first, bytes);
}

void fill_rect_aa(FrameView f, double x0, double y0, double x1, double y1, uint8_t r, uint8_t g,
                  uint8_t b) {
  x0 = std::max(x0, 0.0), y0 = std::max(y0, 0.0);
  x1 = std::min(x1, static_cast<double>(f.width)), y1 = std::min(y1, static_cast<double>(f.height));
  if (x0 >= x1 || y0 >= y1) return;
  const int ix0 = static_cast<int>(std::floor(x0)), ix1 = static_cast<int>(std::ceil(x1));
  const int iy0 = static_cast<int>(std::floor(y0)), iy1 = static_cast<int>(std::ceil(y1));
  // Coverage of pixel p by [a, b) in 1/256 steps: integers keep the blend exact and identical
  // on every machine. Only the first and last pixel of each axis can be partial.
  auto cover = [](int p, double a, double b) {
    const double c = std::min<double>(p + 1, b) - std::max<double>(p, a);
    return static_cast<int>(std::floor(std::max(0.0, c) * 256 + 0.5));
  };
  const int cx_first = cover(ix0, x0, x1), cx_last = cover(ix1 - 1, x0, x1);
  auto blend = [&](uint8_t* d, int c) {
    d[0] = static_cast<uint8_t>((r * c + d[0] * (256 - c) + 128) >> 8);
    d[1] = static_cast<uint8_t>((g * c + d[1] * (256 - c) + 128) >> 8);
    d[2] = static_cast<uint8_t>((b * c + d[2] * (256 - c) + 128) >> 8);
  };
  const bool grey = r == g && g == b;
  for (int y = iy0; y < iy1; ++y) {
    const int cy = (y == iy0 || y == iy1 - 1) ? cover(y, y0, y1) : 256;
    uint8_t* row = f.pixel(0, y);
    if (ix1 - ix0 == 1) {
      blend(row + 3 * ix0, (cx_first * cy + 128) >> 8);
      continue;
    }
    blend(row + 3 * ix0, (cx_first * cy + 128) >> 8);
    blend(row + 3 * (ix1 - 1), (cx_last * cy + 128) >> 8);
    uint8_t* d = row + 3 * (ix0 + 1);
    const int n = ix1 - ix0 - 2;
    if (cy < 256) {
      for (int x = 0; x < n; ++x, d += 3) blend(d, cy);
    } else if (grey) {
      std::memset(d, r, size_t(n) * 3);
    } else {
      for (int x = 0; x < n; ++x, d += 3) d[0] = r, d[1] = g, d[2] = b;
    }
  }
}

}  // namespace coinrun
