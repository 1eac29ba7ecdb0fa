// What the talking photo and its motion plan share: the smoothstep ease and a uniform draw
// that gives the same numbers on every platform (std::uniform_real_distribution does not).
#pragma once

#include <cstdint>
#include <random>

namespace vmsg::video {

// 0 at u <= 0, 1 at u >= 1, 3u^2 - 2u^3 between (no jump in slope at either end).
inline double Smooth(double u) {
  if (u <= 0) return 0;
  if (u >= 1) return 1;
  return u * u * (3 - 2 * u);
}

// A number in [lo, hi) from the generator's top 53 bits.
inline double Uniform(std::mt19937_64& rng, double lo, double hi) {
  return lo + (hi - lo) * double(rng() >> 11) * 0x1.0p-53;
}

}  // namespace vmsg::video
