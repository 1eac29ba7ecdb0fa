// XML escaping: the five markup characters and nothing else.
#include "base/xml.h"

#include <gtest/gtest.h>

namespace vmsg {
namespace {

TEST(XmlEscapeTest, ReplacesTheFiveMarkupCharactersOnly) {
  EXPECT_EQ(XmlEscape(R"(<a href="x">Tom & 'Jerry'</a>)"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &apos;Jerry&apos;&lt;/a&gt;");
  EXPECT_EQ(XmlEscape("AI で作った動画"), "AI で作った動画");
  EXPECT_EQ(XmlEscape(""), "");
}

}  // namespace
}  // namespace vmsg
