#include "belfry/job_name.h"

#include <gtest/gtest.h>

namespace belfry {
namespace {

TEST(JobName, AcceptsTheDocumentedAlphabet) {
    for (const char* good : {"a", "0", "nightly-backup", "web.cache_warm-2", "x.y"}) {
        EXPECT_TRUE(isValidJobName(good)) << good;
    }
    EXPECT_TRUE(isValidJobName(std::string(63, 'a')));
}

TEST(JobName, RejectsHostileNamesBeforeTheyReachAnOsScheduler) {
    const std::string cases[] = {"",
                                 "../x",
                                 "a b",
                                 "x\n[Service]",
                                 "Upper",
                                 std::string(64, 'a'),
                                 std::string(80, 'a'),
                                 "-lead",
                                 ".hidden",
                                 "_x",
                                 "a/b",
                                 "a\\b",
                                 "a;rm -rf /",
                                 "a$(id)",
                                 std::string("a\0b", 3),
                                 "caf\xc3\xa9"};
    for (const auto& bad : cases) {
        std::string error;
        EXPECT_FALSE(isValidJobName(bad, &error)) << bad;
        EXPECT_NE(error.find("invalid job name"), std::string::npos);
        EXPECT_EQ(error.find('\n'), std::string::npos) << "control characters must not be echoed";
    }
}

TEST(JobName, MessageNamesTheLengthLimit) {
    std::string error;
    isValidJobName(std::string(80, 'a'), &error);
    EXPECT_NE(error.find("at most 63"), std::string::npos) << error;
}

TEST(JobName, SystemdHelperIsReservedForThePackagesOwnUnit) {
    std::string error;
    EXPECT_FALSE(isValidJobName("systemd-helper", &error));
    EXPECT_NE(error.find("reserved"), std::string::npos) << error;
    EXPECT_TRUE(isValidJobName("systemd-helper2"));
}

}  // namespace
}  // namespace belfry
