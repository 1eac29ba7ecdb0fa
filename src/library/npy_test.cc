// The .npy writer's bytes against the format by hand, NumPy itself reading them when the
// machine's Python has it, the reader's refusals, and the embedding layout round trip.
#include "library/npy.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "library/embedding.h"

namespace vmsg::library {
namespace {

TEST(NpyTest, HeaderIsVersionOneWithTheDictPaddedTo64Bytes) {
  const std::vector<float> v = {1.5f, -2.0f, 0.25f};
  const std::string npy = EncodeNpyFloat32(v);
  ASSERT_GE(npy.size(), 10u);
  EXPECT_EQ(npy.substr(0, 6), std::string("\x93NUMPY"));
  EXPECT_EQ(npy[6], '\x01');
  EXPECT_EQ(npy[7], '\x00');
  const size_t header_len =
      static_cast<uint8_t>(npy[8]) | (static_cast<size_t>(static_cast<uint8_t>(npy[9])) << 8);
  EXPECT_EQ((10 + header_len) % 64, 0u);
  const std::string header = npy.substr(10, header_len);
  EXPECT_EQ(header.rfind("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", 0), 0u)
      << header;
  EXPECT_EQ(header.back(), '\n');
  EXPECT_EQ(header.find_first_not_of(' ', header.find('}') + 1), header.size() - 1);
  ASSERT_EQ(npy.size(), 10 + header_len + 12);
  // Little-endian IEEE 754: 1.5f is 0x3FC00000.
  EXPECT_EQ(npy.substr(10 + header_len, 4), std::string("\x00\x00\xc0\x3f", 4));
  EXPECT_EQ(DecodeNpyFloat32(npy).value(), v);
}

TEST(NpyTest, EmptyVectorRoundTrips) {
  const std::string npy = EncodeNpyFloat32({});
  EXPECT_TRUE(DecodeNpyFloat32(npy).value().empty());
}

TEST(NpyTest, NumPyLoadsTheFile) {
  // scripts/setup.sh installs python3-numpy: its absence is a broken set-up, not a skip.
  ASSERT_EQ(std::system("/usr/bin/python3 -c 'import numpy' 2>/dev/null"), 0)
      << "python3-numpy is not installed for /usr/bin/python3";
  VoiceEmbedding e;
  e.params = {"nitech_m001", "", 4.25, 1.1, 0.52};
  e.features = {.median_pitch_hz = 160.5,
                .p10_pitch_hz = 120,
                .p90_pitch_hz = 210,
                .formant_scale = 1.05,
                .speaking_rate = 6.5,
                .duration_seconds = 12.5,
                .sample_rate = 24000};
  e.engine_median_pitch_hz = 128;
  e.matched_median_pitch_hz = 161;
  e.params.pitch_range = 1.25;
  const auto path =
      std::filesystem::temp_directory_path() / ("vmsg_npy_" + std::to_string(::getpid()) + ".npy");
  std::ofstream(path, std::ios::binary) << e.ToNpy();
  const std::string command =
      "/usr/bin/python3 -c \"import numpy, sys; a = numpy.load(sys.argv[1]); "
      "print(a.dtype, a.shape, ' '.join('%g' % x for x in a))\" " +
      path.string();
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char line[1024] = {};
  const bool read = std::fgets(line, sizeof(line), pipe) != nullptr;
  EXPECT_EQ(::pclose(pipe), 0);
  std::filesystem::remove(path);
  ASSERT_TRUE(read);
  EXPECT_EQ(std::string(line),
            "float32 (17,) 2 0 -1 4.25 1.1 0.52 160.5 120 210 9.68826 1.05 6.5 128 161 12.5 "
            "24000 1.25\n");
}

TEST(NpyTest, RefusesOtherFiles) {
  const std::string good = EncodeNpyFloat32(std::vector<float>{1, 2});
  EXPECT_EQ(DecodeNpyFloat32("").status().reason(), "invalid_npy");
  EXPECT_EQ(DecodeNpyFloat32("RIFF....WAVE").status().reason(), "invalid_npy");
  EXPECT_EQ(DecodeNpyFloat32(good.substr(0, good.size() - 1)).status().reason(), "invalid_npy");
  std::string f8 = good;
  f8.replace(f8.find("<f4"), 3, "<f8");
  EXPECT_EQ(DecodeNpyFloat32(f8).status().reason(), "invalid_npy");
  std::string fortran = good;
  fortran.replace(fortran.find("False"), 5, "True ");
  EXPECT_EQ(DecodeNpyFloat32(fortran).status().reason(), "invalid_npy");
  std::string two_d = good;
  two_d.replace(two_d.find("(2,)"), 4, "(1,2)");
  EXPECT_FALSE(DecodeNpyFloat32(two_d).ok());
}

TEST(EmbeddingTest, RoundTripsAndRefusesBadVectors) {
  VoiceEmbedding e;
  e.params = {"", "rms", -2.5, 0.9, std::nullopt};
  e.features.median_pitch_hz = 100;
  const VoiceEmbedding back = VoiceEmbedding::FromNpy(e.ToNpy()).value();
  EXPECT_EQ(back.params.english_voice, "rms");
  EXPECT_TRUE(back.params.japanese_voice.empty());
  EXPECT_FLOAT_EQ(back.params.pitch_semitones, -2.5);
  EXPECT_FLOAT_EQ(back.params.speed, 0.9);
  EXPECT_FALSE(back.params.all_pass.has_value());

  e.params.pitch_range = 1.25;
  EXPECT_FLOAT_EQ(VoiceEmbedding::FromNpy(e.ToNpy()).value().params.pitch_range.value(), 1.25);
  e.params.pitch_range.reset();

  std::vector<float> v = e.ToVector();
  ASSERT_EQ(v.size(), kEmbeddingSize);
  v[0] = 3;
  EXPECT_EQ(VoiceEmbedding::FromVector(v).status().reason(), "invalid_embedding");
  v = e.ToVector();
  v[16] = 2.5;  // pitch-range weight out of range
  EXPECT_EQ(VoiceEmbedding::FromVector(v).status().reason(), "invalid_embedding");
  v = e.ToVector();
  v.pop_back();  // a layout version 1 vector: still read, without a pitch-range weight
  v[0] = 1;
  EXPECT_EQ(VoiceEmbedding::FromVector(v).value().params.english_voice, "rms");
  v[0] = 2;  // but version 2 needs all 17
  EXPECT_EQ(VoiceEmbedding::FromVector(v).status().reason(), "invalid_embedding");
  v = e.ToVector();
  v[2] = 9;  // no such flite voice
  EXPECT_EQ(VoiceEmbedding::FromVector(v).status().reason(), "invalid_embedding");
  v = e.ToVector();
  v[4] = 0;  // speed
  EXPECT_EQ(VoiceEmbedding::FromVector(v).status().reason(), "invalid_embedding");
  v = e.ToVector();
  v.pop_back();
  EXPECT_EQ(VoiceEmbedding::FromVector(v).status().reason(), "invalid_embedding");
}

}  // namespace
}  // namespace vmsg::library
