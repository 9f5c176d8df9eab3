// The spool file format shared by `belfry fire` (writer) and belfryd (reader): what round-trips,
// and every way a corrupt or foreign file is refused with a reason instead of being half-obeyed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <set>

#include "belfry/spool/spooled_fire.h"

namespace belfry::spool {
namespace {

using ::testing::HasSubstr;

constexpr const char* kId = "0123456789abcdef0123456789abcdef";

SpooledFire scheduledFire() {
    SpooledFire fire;
    fire.id = kId;
    fire.job = "nightly-backup";
    fire.trigger = FireTrigger::Schedule;
    fire.elapsedUsec = 1767236400123456u;
    fire.spooledAt = 1767236403;  // 2026-01-01T03:00:03Z
    return fire;
}

// A valid file's text with `member` set to `json` (or removed when `json` is empty).
std::string withMember(const std::string& member, const std::string& json) {
    auto object = nlohmann::ordered_json::parse(formatSpooledFire(scheduledFire()));
    if (json.empty()) {
        object.erase(member);
    } else {
        object[member] = nlohmann::ordered_json::parse(json);
    }
    return object.dump();
}

std::string refusal(const std::string& text) {
    SpooledFire fire;
    std::string error;
    EXPECT_FALSE(parseSpooledFire(text, &fire, &error)) << text;
    return error;
}

TEST(SpooledFire, WritesOneDocumentedJsonLine) {
    EXPECT_EQ(
        formatSpooledFire(scheduledFire()),
        R"({"format":"belfry-spooled-fire","version":1,"id":"0123456789abcdef0123456789abcdef",)"
        R"("job":"nightly-backup","trigger":"schedule","elapsed_usec":1767236400123456,)"
        R"("spooled_at":"2026-01-01T03:00:03Z"})"
        "\n");
}

TEST(SpooledFire, ScheduledAndManualFiresRoundTrip) {
    SpooledFire manual = scheduledFire();
    manual.trigger = FireTrigger::Manual;
    manual.elapsedUsec.reset();
    for (const auto& original : {scheduledFire(), manual}) {
        SpooledFire parsed;
        std::string error;
        ASSERT_TRUE(parseSpooledFire(formatSpooledFire(original), &parsed, &error)) << error;
        EXPECT_EQ(parsed.id, original.id);
        EXPECT_EQ(parsed.job, original.job);
        EXPECT_EQ(parsed.trigger, original.trigger);
        EXPECT_EQ(parsed.elapsedUsec, original.elapsedUsec);
        EXPECT_EQ(parsed.spooledAt, original.spooledAt);
    }
}

TEST(SpooledFire, CorruptContentIsRefused) {
    EXPECT_EQ(refusal(""), "not JSON");
    EXPECT_EQ(refusal("{\"format\":\"belfry-spooled-fire\",\"vers"), "not JSON");  // torn write
    EXPECT_EQ(refusal(std::string("\x00\x01\x02", 3)), "not JSON");
    EXPECT_EQ(refusal("[1,2]"), "not a JSON object");
    EXPECT_THAT(refusal(std::string(kMaxFileBytes + 1, ' ')), HasSubstr("larger than 4096 bytes"));
}

TEST(SpooledFire, ForeignFormatsAndVersionsAreRefused) {
    EXPECT_EQ(refusal(R"({"job":"x"})"), "format: missing");
    EXPECT_EQ(refusal(withMember("format", R"("cron-spool")")),
              "format 'cron-spool': not belfry-spooled-fire");
    EXPECT_EQ(refusal(withMember("version", "2")), "version 2: this belfryd reads version 1 only");
    EXPECT_EQ(refusal(withMember("version", R"("1")")), "version: missing or not an integer");
    EXPECT_EQ(refusal(withMember("format", "")), "format: missing");
}

TEST(SpooledFire, WrongMembersAreRefusedWithTheirName) {
    EXPECT_EQ(refusal(withMember("id", "")), "id: missing");
    EXPECT_EQ(refusal(withMember("id", R"("ABC")")), "id: must be 32 lowercase hex digits");
    EXPECT_EQ(refusal(withMember("job", "42")), "job: must be a string");
    EXPECT_THAT(refusal(withMember("job", R"("../etc")")), HasSubstr("job: "));
    EXPECT_THAT(refusal(withMember("job", R"("Nightly")")), HasSubstr("job: "));
    EXPECT_EQ(refusal(withMember("trigger", R"("api")")),
              "trigger 'api': must be schedule or manual");
    EXPECT_EQ(refusal(withMember("elapsed_usec", "")),
              "elapsed_usec: missing (null for a manual fire)");
    for (const char* bad : {"0", "-5", "1.5", R"("1767236400000000")", "999999999999999999999"}) {
        EXPECT_THAT(refusal(withMember("elapsed_usec", bad)),
                    HasSubstr("elapsed_usec: must be null or a positive integer"))
            << bad;
    }
    EXPECT_THAT(refusal(withMember("spooled_at", R"("yesterday")")), HasSubstr("spooled_at: "));
    EXPECT_EQ(refusal(withMember("spooled_at", "")), "spooled_at: missing");
}

TEST(SpooledFire, TriggerAndElapseTimeMustAgree) {
    EXPECT_EQ(refusal(withMember("elapsed_usec", "null")), "trigger schedule needs elapsed_usec");
    EXPECT_EQ(refusal(withMember("trigger", R"("manual")")),
              "trigger manual must have elapsed_usec null");
}

TEST(SpooledFire, UnknownMembersAreRefused) {
    std::string text = formatSpooledFire(scheduledFire());
    text.insert(1, R"("priority":"high",)");
    EXPECT_EQ(refusal(text), "priority: unknown member");
}

TEST(SpooledFire, FileNamesSortBySpoolTimeAndTempNamesAreRecognised) {
    SpooledFire later = scheduledFire();
    later.spooledAt += 1;
    later.id = "f" + std::string(kId).substr(1);
    EXPECT_EQ(spoolFileName(scheduledFire()),
              "fire-20260101T030003Z-0123456789abcdef0123456789abcdef.json");
    EXPECT_LT(spoolFileName(scheduledFire()), spoolFileName(later));
    EXPECT_TRUE(isWriterTempName(".fire-20260101T030003Z-0123.json.tmp"));
    EXPECT_FALSE(isWriterTempName(spoolFileName(scheduledFire())));
}

TEST(SpooledFire, NewIdsAreValidAndDistinct) {
    std::set<std::string> ids;
    for (int i = 0; i < 1000; ++i) {
        SpooledFire fire = scheduledFire();
        fire.id = newFireId();
        SpooledFire parsed;
        std::string error;
        ASSERT_TRUE(parseSpooledFire(formatSpooledFire(fire), &parsed, &error)) << error;
        ids.insert(fire.id);
    }
    EXPECT_EQ(ids.size(), 1000u);
}

}  // namespace
}  // namespace belfry::spool
