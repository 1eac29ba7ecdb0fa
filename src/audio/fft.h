// The radix-2 FFT the audio analyses share (the voice matcher's spectrum, the tempo
// estimator's onsets): small, exact and fast enough for a few thousand frames.
#pragma once

#include <complex>
#include <vector>

namespace vmsg::audio {

// Transforms `a` in place (forward, unnormalised). Its size must be a power of two.
void Fft(std::vector<std::complex<double>>& a);

}  // namespace vmsg::audio
