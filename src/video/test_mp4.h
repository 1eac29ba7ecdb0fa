// The delivered video's format, as the tests check it: H.264 in yuv420p at 512x910 and 25
// fps with AAC at 48 kHz, the index (moov) before the media data so that a phone starts
// playing at once. Tests only.
#pragma once

#include <gtest/gtest.h>

#include "video/mp4_probe.h"

namespace vmsg::video::testing {

inline void ExpectPhoneMp4(const Mp4Info& info) {
  EXPECT_EQ(info.video_codec, "h264");
  EXPECT_EQ(info.pixel_format, "yuv420p");
  EXPECT_EQ(info.width, 512);
  EXPECT_EQ(info.height, 910);
  EXPECT_DOUBLE_EQ(info.fps, 25.0);
  EXPECT_EQ(info.audio_codec, "aac");
  EXPECT_EQ(info.sample_rate, 48000);
  EXPECT_TRUE(info.moov_before_mdat()) << ::testing::PrintToString(info.boxes);
}

}  // namespace vmsg::video::testing
