#include "belfry/utf8.h"

#include <gtest/gtest.h>

namespace belfry {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

TEST(Utf8, ValidTextPassesThroughUnchanged) {
    for (const std::string text : {"", "plain ascii\n", "caf\xC3\xA9", "\xE2\x82\xAC 5",
                                   "\xF0\x9F\x94\x94 belfry", "\xF4\x8F\xBF\xBF"}) {
        EXPECT_EQ(sanitizeUtf8(text), text);
    }
}

TEST(Utf8, InvalidBytesBecomeReplacementCharacters) {
    EXPECT_EQ(sanitizeUtf8("a\xFF"
                           "b"),
              "a" + kFffd + "b");
    EXPECT_EQ(sanitizeUtf8(std::string("a\0b", 3)), "a" + kFffd + "b");
    EXPECT_EQ(sanitizeUtf8("\xC0\xAF"), kFffd + kFffd) << "overlong";
    EXPECT_EQ(sanitizeUtf8("\xED\xA0\x80"), kFffd + kFffd + kFffd) << "surrogate";
    EXPECT_EQ(sanitizeUtf8("\xF4\x90\x80\x80"), kFffd + kFffd + kFffd + kFffd) << "above U+10FFFF";
}

TEST(Utf8, SequenceCutByTheOutputTailIsReplaced) {
    EXPECT_EQ(sanitizeUtf8("end \xE2\x82"), "end " + kFffd + kFffd);
    EXPECT_EQ(sanitizeUtf8("\x82\xAC tail"), kFffd + kFffd + " tail");
}

}  // namespace
}  // namespace belfry
