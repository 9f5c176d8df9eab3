// The concurrency rule's bookkeeping: skip, queue, parallel, replace.
#include "concurrency_gate.h"

#include <gtest/gtest.h>

namespace belfry {
namespace {

using Kind = Admission::Kind;

TEST(ConcurrencyGate, FirstRunOfAJobStartsWhateverThePolicy) {
    for (const auto policy :
         {Concurrency::Skip, Concurrency::Queue, Concurrency::Parallel, Concurrency::Replace}) {
        ConcurrencyGate gate;
        EXPECT_EQ(gate.admit("job", policy, 1).kind, Kind::Start) << toString(policy);
    }
}

TEST(ConcurrencyGate, SkipYieldsToTheActiveRun) {
    ConcurrencyGate gate;
    gate.admit("job", Concurrency::Skip, 1);
    const auto second = gate.admit("job", Concurrency::Skip, 2);
    EXPECT_EQ(second.kind, Kind::Skip);
    EXPECT_EQ(second.blocking, 1);
    EXPECT_FALSE(gate.release(1));
    EXPECT_EQ(gate.admit("job", Concurrency::Skip, 3).kind, Kind::Start) << "free again";
}

TEST(ConcurrencyGate, OtherJobsAreNotHeldUp) {
    ConcurrencyGate gate;
    gate.admit("a", Concurrency::Skip, 1);
    EXPECT_EQ(gate.admit("b", Concurrency::Skip, 2).kind, Kind::Start);
}

TEST(ConcurrencyGate, QueueStartsWaitingRunsOneAfterAnotherInOrder) {
    ConcurrencyGate gate;
    gate.admit("job", Concurrency::Queue, 1);
    EXPECT_EQ(gate.admit("job", Concurrency::Queue, 2).kind, Kind::Wait);
    EXPECT_EQ(gate.admit("job", Concurrency::Queue, 3).kind, Kind::Wait);
    EXPECT_TRUE(gate.isWaiting(2));
    EXPECT_EQ(gate.release(1), 2);
    EXPECT_FALSE(gate.isWaiting(2));
    EXPECT_EQ(gate.admit("job", Concurrency::Queue, 2).kind, Kind::Start)
        << "the chosen run is admitted when its worker comes";
    EXPECT_EQ(gate.release(2), 3);
    EXPECT_FALSE(gate.release(3));
}

TEST(ConcurrencyGate, CancelledWaitingRunLeavesTheLine) {
    ConcurrencyGate gate;
    gate.admit("job", Concurrency::Queue, 1);
    gate.admit("job", Concurrency::Queue, 2);
    gate.admit("job", Concurrency::Queue, 3);
    EXPECT_FALSE(gate.release(2));
    EXPECT_EQ(gate.release(1), 3);
}

TEST(ConcurrencyGate, ParallelAlwaysStarts) {
    ConcurrencyGate gate;
    for (RunId id = 1; id <= 5; ++id)
        EXPECT_EQ(gate.admit("job", Concurrency::Parallel, id).kind, Kind::Start);
}

TEST(ConcurrencyGate, ReplaceNamesTheActiveRunAndSupersedesWaitingOnes) {
    ConcurrencyGate gate;
    gate.admit("job", Concurrency::Queue, 1);
    gate.admit("job", Concurrency::Queue, 2);
    const auto replacing = gate.admit("job", Concurrency::Replace, 3);
    EXPECT_EQ(replacing.kind, Kind::Wait);
    EXPECT_EQ(replacing.replace, std::vector<RunId>{1});
    EXPECT_EQ(replacing.superseded, std::vector<RunId>{2});
    EXPECT_EQ(gate.release(1), 3) << "the replacing run starts once the old one has ended";
}

}  // namespace
}  // namespace belfry
