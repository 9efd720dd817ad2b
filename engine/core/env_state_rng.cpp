// Portable MT19937 state for env states (format in docs/state.md).
// A generator is described by its next 624 untempered words, read off its outputs, so the
// description does not depend on how a standard library lays the engine out; it is loaded
// back through std::mt19937::seed(seed_seq&), which the standard defines word for word.
#include <algorithm>
#include <array>
#include <optional>

#include "env_state.h"

namespace coinrun {
namespace {

// ---- MT19937 internals (the constants of std::mt19937, [rand.predef]) ----------------------
constexpr int kMtN = 624, kMtM = 397;
constexpr uint32_t kMtMatrixA = 0x9908B0DFu;
constexpr uint32_t kMtInitMult = 1812433253u;
constexpr uint32_t kUpper = 0x80000000u, kLower = 0x7FFFFFFFu;

uint32_t untemper(uint32_t y) {
  y ^= y >> 18;
  y ^= (y << 15) & 0xEFC60000u;
  uint32_t x = y;
  for (int i = 0; i < 5; ++i) x = y ^ ((x << 7) & 0x9D2C5680u);
  y = x;
  for (int i = 0; i < 3; ++i) x = y ^ (x >> 11);
  return x;
}

// Inverse of kMtInitMult modulo 2^32 (odd, so it exists), by Newton's iteration.
constexpr uint32_t inverse_mod_2_32(uint32_t a) {
  uint32_t x = a;
  for (int i = 0; i < 5; ++i) x *= 2u - a * x;
  return x;
}
constexpr uint32_t kMtInitMultInv = inverse_mod_2_32(kMtInitMult);
// p[1] and p[2] must still be seeding words for the search to find the draw count.
static_assert(kMtMaxSeededDraws == kMtN - 3);
static_assert(kMtInitMult * kMtInitMultInv == 1u);

// The 624 words before `next` in the generator's sequence, recovered by running the twist
// x[k+624] = x[k+397] ^ twist(upper(x[k]) | lower(x[k+1])) backwards. The low 31 bits of the
// oldest word never reach an output and cannot be recovered; they are left 0.
MtWords previous_words(const MtWords& next) {
  MtWords p{};
  auto solve = [&](int j, uint32_t x397) {
    uint32_t t = next[static_cast<size_t>(j)] ^ x397;
    const uint32_t odd = t >> 31;  // twist's top bit is set only by the matrix term
    if (odd) t ^= kMtMatrixA;
    const uint32_t y = (t << 1) | odd;
    p[static_cast<size_t>(j)] = (p[static_cast<size_t>(j)] & kLower) | (y & kUpper);
    if (j + 1 < kMtN) {
      p[static_cast<size_t>(j + 1)] = (p[static_cast<size_t>(j + 1)] & kUpper) | (y & kLower);
    }
  };
  // Equations j >= 227 involve only `next`; the rest need p[397 + j], complete by then.
  for (int j = kMtN - 1; j >= kMtN - kMtM; --j) solve(j, next[static_cast<size_t>(j - (kMtN - kMtM))]);
  for (int j = kMtN - kMtM - 1; j >= 0; --j) solve(j, p[static_cast<size_t>(j + kMtM)]);
  return p;
}

}  // namespace

std::optional<MtSeedOrigin> mt_seed_origin(const MtWords& next) {
  const MtWords p = previous_words(next);
  // Seeding fills init[j] = kMtInitMult * (init[j-1] ^ (init[j-1] >> 30)) + j; after k draws
  // p[t] = init[k + t] for t <= 623 - k, so p[1] and p[2] give k.
  auto f = [](uint32_t x) { return kMtInitMult * (x ^ (x >> 30)); };
  const uint32_t k = p[2] - f(p[1]) - 2u;
  if (k > kMtMaxSeededDraws) return std::nullopt;
  uint32_t x = p[1];  // init[k + 1]
  for (uint32_t j = k + 1; j >= 1; --j) {
    const uint32_t y = (x - j) * kMtInitMultInv;  // init[j-1] ^ (init[j-1] >> 30)
    x = y ^ (y >> 30);
  }
  // Check: regenerate x[0 .. 623 + k] from that seed and compare with the window p = x[k ..]
  // (only the top bit of p[0] is known). The window decides every future output.
  std::array<uint32_t, 2 * kMtN> seq;
  seq[0] = x;
  for (uint32_t i = 1; i < kMtN; ++i) seq[i] = f(seq[i - 1]) + i;
  for (uint32_t j = 0; j < k; ++j) {
    const uint32_t y = (seq[j] & kUpper) | (seq[j + 1] & kLower);
    seq[kMtN + j] = seq[kMtM + j] ^ (y >> 1) ^ ((y & 1) ? kMtMatrixA : 0u);
  }
  if ((seq[k] ^ p[0]) & kUpper) return std::nullopt;
  for (uint32_t t = 1; t < kMtN; ++t) {
    if (seq[k + t] != p[t]) return std::nullopt;
  }
  return MtSeedOrigin{x, k};
}

MtWords mt_next_words(const std::mt19937& gen) {
  std::mt19937 copy = gen;
  MtWords w;
  for (uint32_t& x : w) x = untemper(static_cast<uint32_t>(copy()));
  return w;
}

namespace {

// A seed sequence that hands the engine a given state. std::mt19937::seed(q) sets its 624
// words X[-n..-1] straight from q.generate() ([rand.eng.mers]): the standard's own way to set
// the whole state, with no text and nothing library-specific.
class StateWordsSeq {
 public:
  using result_type = uint32_t;
  explicit StateWordsSeq(const MtWords& words) : words_(words) {}
  template <class It>
  void generate(It begin, It end) const {
    size_t i = 0;
    for (It it = begin; it != end; ++it, ++i) *it = words_[i % words_.size()];
  }
  size_t size() const { return words_.size(); }
  template <class It>
  void param(It out) const {
    std::copy(words_.begin(), words_.end(), out);
  }

 private:
  const MtWords& words_;
};

}  // namespace

std::mt19937 mt_from_next_words(const MtWords& words) {
  // seed(q) takes the previous 624 words (oldest first) and twists before the next output.
  const MtWords prev = previous_words(words);
  StateWordsSeq seq(prev);
  return std::mt19937(seq);
}

}  // namespace coinrun
