// NumPy .npy files holding one float32 vector: the voice embeddings (the spec's .pkl becomes
// .npy so any tool with NumPy can read it: numpy.load("voices/embeddings/{id}.npy")).
// Format version 1.0: magic "\x93NUMPY", version bytes 1 0, a little-endian uint16 header
// length, an ASCII dict {'descr': '<f4', 'fortran_order': False, 'shape': (N,), } padded with
// spaces and ended by '\n' so the data starts at a multiple of 64 bytes, then N little-endian
// float32 values.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vmsg::library {

// The .npy bytes of `values` as a 1-D little-endian float32 array.
std::string EncodeNpyFloat32(std::span<const float> values);

// The vector in a 1-D '<f4' (C order) .npy of version 1.0 or 2.0. Anything else, or a
// truncated or inconsistent file, is InvalidArgument with reason "invalid_npy".
Result<std::vector<float>> DecodeNpyFloat32(std::string_view bytes);

}  // namespace vmsg::library
