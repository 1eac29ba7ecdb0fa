// The delivered video's format, as the tests check it: H.264 in yuv420p at 25 fps (512x910,
// the default format's size, unless the test says another) at the level its size needs, with
// AAC at 48 kHz, the index (moov) before the media data so that a phone starts playing at
// once. Tests only.
#pragma once

#include <gtest/gtest.h>

#include "video/mp4_probe.h"
#include "video/mp4_writer.h"

namespace vmsg::test {

inline void ExpectPhoneMp4(const video::Mp4Info& info, int width = 512, int height = 910) {
  EXPECT_EQ(info.video_codec, "h264");
  EXPECT_EQ(info.pixel_format, "yuv420p");
  EXPECT_EQ(info.width, width);
  EXPECT_EQ(info.height, height);
  EXPECT_DOUBLE_EQ(info.fps, 25.0);
  EXPECT_EQ(info.level, video::H264LevelFor(width, height, 25));
  EXPECT_EQ(info.audio_codec, "aac");
  EXPECT_EQ(info.sample_rate, 48000);
  EXPECT_TRUE(info.moov_before_mdat()) << ::testing::PrintToString(info.boxes);
}

}  // namespace vmsg::test
