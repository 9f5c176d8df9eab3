// The systemd reconcile plan: which jobs are created, updated, removed, left unchanged or reported
// as drift, and which batched operations carry that out (reconcile_plan.h).
#include "reconcile_plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace belfry::systemd {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const schedule::Instant kNow{std::chrono::seconds(1'780'000'000)};  // 2026-05-28

DesiredJobUnits desired(const std::string& name, const std::string& cron, bool enabled = true,
                        schedule::Instant from = kNow, const std::string& timezone = "") {
    ScheduledJob job;
    job.name = name;
    job.enabled = enabled;
    schedule::ScheduleFields fields;
    fields.cron = cron;
    if (!timezone.empty()) fields.timezone = timezone;
    std::string error;
    job.schedule = *schedule::Schedule::fromFields(fields, &error);
    DesiredJobUnits units;
    units.job = name;
    units.enabled = enabled;
    units.units = renderJobUnits(job, {"/usr/bin/belfry", "", ""}, from, &units.error);
    EXPECT_TRUE(units.units) << units.error;
    return units;
}

// The units of `job` as Belfry wrote them, timer enabled and active.
ObservedJobUnits installed(const DesiredJobUnits& job) {
    ObservedJobUnits seen;
    seen.timerFile = job.units->timer;
    seen.serviceFile = job.units->service;
    seen.timerUnitFileState = job.enabled ? "enabled" : "disabled";
    seen.timerActiveState = job.enabled ? "active" : "inactive";
    return seen;
}

ReconcileEntry onlyEntry(const ReconcilePlan& plan) {
    EXPECT_EQ(plan.entries.size(), 1u);
    return plan.entries.empty() ? ReconcileEntry{} : plan.entries.front();
}

TEST(ReconcilePlan, MissingUnitsAreCreatedEnabledAndStarted) {
    const auto plan = planReconcile({desired("nightly", "0 3 * * *")}, {});
    EXPECT_EQ(onlyEntry(plan).action, ReconcileAction::Created);
    EXPECT_EQ(plan.writes.size(), 2u);
    EXPECT_TRUE(plan.writes.count("belfry-nightly.timer"));
    EXPECT_TRUE(plan.writes.count("belfry-nightly.service"));
    EXPECT_THAT(plan.enable, ElementsAre("belfry-nightly.timer"));
    EXPECT_THAT(plan.start, ElementsAre("belfry-nightly.timer"));
}

TEST(ReconcilePlan, DisabledJobIsCreatedWithoutEnablingItsTimer) {
    const auto plan = planReconcile({desired("paused", "0 3 * * *", false)}, {});
    EXPECT_EQ(onlyEntry(plan).action, ReconcileAction::Created);
    EXPECT_EQ(plan.writes.size(), 2u);
    EXPECT_THAT(plan.enable, IsEmpty());
    EXPECT_THAT(plan.start, IsEmpty());
}

TEST(ReconcilePlan, UnitsAsBelfryWouldWriteThemAreUnchanged) {
    const auto job = desired("nightly", "0 3 * * *");
    const auto plan = planReconcile({job}, {{"nightly", installed(job)}});
    EXPECT_EQ(onlyEntry(plan).action, ReconcileAction::Unchanged);
    EXPECT_TRUE(plan.empty());
}

TEST(ReconcilePlan, OwnUnitsOfAChangedDefinitionAreRewritten) {
    const auto before = desired("nightly", "0 3 * * *");
    const auto after = desired("nightly", "30 4 * * *");
    const auto plan = planReconcile({after}, {{"nightly", installed(before)}});
    const auto entry = onlyEntry(plan);
    EXPECT_EQ(entry.action, ReconcileAction::Updated);
    EXPECT_THAT(entry.detail, HasSubstr("belfry-nightly.timer re-written"));
    ASSERT_EQ(plan.writes.size(), 1u) << "the service did not change";
    EXPECT_EQ(plan.writes.at("belfry-nightly.timer"), after.units->timer);
    EXPECT_THAT(plan.enable, IsEmpty()) << "already enabled";
    EXPECT_THAT(plan.start, ElementsAre("belfry-nightly.timer"));
}

TEST(ReconcilePlan, TranslationNearingItsValidUntilIsRedone) {
    // 02:30 Berlin time falls in the spring-forward gap: the translation carries dated lines for
    // the changes within its horizon and must be re-done before validUntil.
    const auto yearAgo = kNow - std::chrono::hours(24 * 380);
    const auto old = desired("berlin", "30 2 * * *", true, yearAgo, "Europe/Berlin");
    ASSERT_TRUE(old.units->validUntil);
    const auto now = desired("berlin", "30 2 * * *", true, kNow, "Europe/Berlin");
    ASSERT_NE(old.units->timer, now.units->timer);
    const auto plan = planReconcile({now}, {{"berlin", installed(old)}});
    EXPECT_EQ(onlyEntry(plan).action, ReconcileAction::Updated);
    EXPECT_EQ(plan.writes.at("belfry-berlin.timer"), now.units->timer);
}

TEST(ReconcilePlan, EditedUnitIsDriftAndNotWritten) {
    const auto before = desired("nightly", "0 3 * * *");
    auto seen = installed(before);
    seen.timerFile->replace(seen.timerFile->find("03:00:00"), 8, "05:00:00");
    const auto plan = planReconcile({desired("nightly", "30 4 * * *")}, {{"nightly", seen}});
    const auto entry = onlyEntry(plan);
    EXPECT_EQ(entry.action, ReconcileAction::Drift);
    EXPECT_THAT(entry.detail, HasSubstr("belfry-nightly.timer was edited outside Belfry"));
    EXPECT_TRUE(plan.empty());
}

TEST(ReconcilePlan, DropInIsDrift) {
    const auto job = desired("nightly", "0 3 * * *");
    auto seen = installed(job);
    seen.serviceDropIns = "/etc/systemd/system/belfry-nightly.service.d/override.conf";
    const auto entry = onlyEntry(planReconcile({job}, {{"nightly", seen}}));
    EXPECT_EQ(entry.action, ReconcileAction::Drift);
    EXPECT_THAT(entry.detail, HasSubstr("belfry-nightly.service is changed by drop-ins: /etc/"));
}

TEST(ReconcilePlan, TimerDisabledBehindBelfrysBackIsDriftEvenWhenStale) {
    const auto before = desired("nightly", "0 3 * * *");
    auto seen = installed(before);
    seen.timerUnitFileState = "disabled";
    const auto plan = planReconcile({desired("nightly", "30 4 * * *")}, {{"nightly", seen}});
    const auto entry = onlyEntry(plan);
    EXPECT_EQ(entry.action, ReconcileAction::Drift);
    EXPECT_THAT(entry.detail, HasSubstr("timer disabled in systemd (systemctl disable)"));
    EXPECT_TRUE(plan.empty()) << "the admin's timer is left as it is";
}

TEST(ReconcilePlan, TimerEnabledForADisabledJobIsDrift) {
    auto job = desired("paused", "0 3 * * *", false);
    auto seen = installed(job);
    seen.timerUnitFileState = "enabled";
    seen.timerActiveState = "active";
    const auto entry = onlyEntry(planReconcile({job}, {{"paused", seen}}));
    EXPECT_EQ(entry.action, ReconcileAction::Drift);
    EXPECT_THAT(entry.detail, HasSubstr("timer enabled in systemd while the job is disabled"));
}

TEST(ReconcilePlan, OrphanIsStoppedAndDeleted) {
    const auto ghost = desired("ghost", "0 3 * * *");
    const auto plan = planReconcile({}, {{"ghost", installed(ghost)}});
    const auto entry = onlyEntry(plan);
    EXPECT_EQ(entry.action, ReconcileAction::Removed);
    EXPECT_EQ(entry.detail, "no such job");
    EXPECT_THAT(plan.disable, ElementsAre("belfry-ghost.timer"));
    EXPECT_THAT(plan.deletes, ElementsAre("belfry-ghost.timer", "belfry-ghost.service"));
}

TEST(ReconcilePlan, EditedOrphanIsDriftAndKept) {
    auto seen = installed(desired("ghost", "0 3 * * *"));
    *seen.serviceFile += "# mine now\n";
    const auto plan = planReconcile({}, {{"ghost", seen}});
    const auto entry = onlyEntry(plan);
    EXPECT_EQ(entry.action, ReconcileAction::Drift);
    EXPECT_THAT(entry.detail, HasSubstr("no such job, but belfry-ghost.service was edited"));
    EXPECT_TRUE(plan.empty());
}

TEST(ReconcilePlan, JobWithoutScheduleLosesItsUnits) {
    const auto old = desired("manual", "0 3 * * *");
    DesiredJobUnits manual;
    manual.job = "manual";
    manual.hasSchedule = false;
    const auto plan = planReconcile({manual}, {{"manual", installed(old)}});
    const auto entry = onlyEntry(plan);
    EXPECT_EQ(entry.action, ReconcileAction::Removed);
    EXPECT_EQ(entry.detail, "the job has no schedule");
    EXPECT_EQ(plan.deletes.size(), 2u);
    EXPECT_THAT(planReconcile({manual}, {}).entries, IsEmpty()) << "nothing to say about it";
}

TEST(ReconcilePlan, UnrenderableJobFailsWithoutTouchingItsUnits) {
    DesiredJobUnits broken;
    broken.job = "broken";
    broken.error = "cannot translate the schedule";
    const auto plan =
        planReconcile({broken}, {{"broken", installed(desired("broken", "0 3 * * *"))}});
    const auto entry = onlyEntry(plan);
    EXPECT_EQ(entry.action, ReconcileAction::Failed);
    EXPECT_EQ(entry.detail, "cannot translate the schedule");
    EXPECT_TRUE(plan.empty());
}

TEST(ReconcilePlan, EntriesAreSortedByJob) {
    const auto plan = planReconcile({desired("b", "0 3 * * *"), desired("a", "0 3 * * *")},
                                    {{"c", installed(desired("c", "0 3 * * *"))}});
    ASSERT_EQ(plan.entries.size(), 3u);
    EXPECT_EQ(plan.entries[0].job, "a");
    EXPECT_EQ(plan.entries[1].job, "b");
    EXPECT_EQ(plan.entries[2].job, "c");
}

TEST(ReconcilePlan, JobOfUnitFileAcceptsOnlyBelfryUnitsOfValidNames) {
    EXPECT_EQ(jobOfUnitFile("belfry-nightly.timer"), "nightly");
    EXPECT_EQ(jobOfUnitFile("belfry-a.b-c.service"), "a.b-c");
    EXPECT_EQ(jobOfUnitFile("belfry-x.timer.belfry-tmp"), std::nullopt);
    EXPECT_EQ(jobOfUnitFile("belfry-x.timer.d"), std::nullopt);
    EXPECT_EQ(jobOfUnitFile("belfry-.timer"), std::nullopt);
    EXPECT_EQ(jobOfUnitFile("belfry-Upper.timer"), std::nullopt);
    EXPECT_EQ(jobOfUnitFile("other.timer"), std::nullopt);
}

TEST(ReconcileReport, SummaryCountsEveryAction) {
    ReconcileReport report;
    report.dryRun = true;
    report.entries = {{"a", ReconcileAction::Created, ""},
                      {"b", ReconcileAction::Created, ""},
                      {"c", ReconcileAction::Drift, "x"}};
    report.managerReloads = 1;
    report.managerCalls = 3;
    report.elapsed = std::chrono::milliseconds(42);
    EXPECT_EQ(report.summary(),
              "dry run: 2 created, 0 updated, 0 removed, 0 unchanged, 1 drift, 0 failed (1 "
              "reload, 3 calls, 42 ms)");
}

}  // namespace
}  // namespace belfry::systemd
