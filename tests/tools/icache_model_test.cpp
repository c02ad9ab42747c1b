// The fetch model of rvjit-icache-check (tools/icache-check/model.h), driven directly: each
// rule on a small scripted history, and the interleavings of a fetch with another hart's
// sync that the plugin meets on a real run (any vCPU thread runs any callback at any time).
#include <gtest/gtest.h>

#include <array>
#include <cstring>

#include "../../tools/icache-check/model.h"

namespace icache_check {
namespace {

constexpr uint32_t kNop = 0x00000013;     // addi x0, x0, 0
constexpr uint32_t kJal = 0x0000106f;     // jal x0, +4096
constexpr uint32_t kLiA0 = 0x02a00513;    // addi a0, x0, 42
constexpr uint64_t kCode = 0x10000;       // a page of nops, tracked from the start
constexpr unsigned kWriter = 0, kReader = 1;

class ModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    nops_.fill(kNop);
    Model::PageInit init;
    init.content = nops_.data();
    page_ = model_.page(kCode, init);
    model_.hart_start(kWriter);
    model_.hart_start(kReader);
  }
  void store_word(uint64_t key, uint32_t w) {
    uint8_t b[4];
    std::memcpy(b, &w, 4);
    model_.store(page_, key, 4, b, /*pc=*/0x1234, kWriter);
  }
  // The reader's fetch of one 4-byte instruction at key; true for a hazard (in *h).
  bool reader_fetch(uint64_t key, Hazard* h) { return model_.fetch(kReader, key, 4, page_, h); }

  Model model_;
  Page* page_ = nullptr;
  std::array<uint32_t, kWordsPerPage> nops_{};
};

TEST_F(ModelTest, UnsyncedZiccifReplacementIsTheAllowedWindow) {
  store_word(kCode, kJal);
  Hazard h{};
  EXPECT_FALSE(reader_fetch(kCode, &h));
}

TEST_F(ModelTest, UnsyncedNonInstructionBytesAreFresh) {
  uint8_t half[2] = {0x13, 0x05};   // a 2-byte store: never one atomic instruction word
  model_.store(page_, kCode + 8, 2, half, 0x1234, kWriter);
  Hazard h{};
  ASSERT_TRUE(reader_fetch(kCode + 8, &h));
  EXPECT_EQ(h.kind, HazardKind::kFresh);
}

TEST_F(ModelTest, LocalFlushIsStaleAfterSyncOnOtherHarts) {
  store_word(kCode, kJal);
  model_.sync_local(kWriter);   // riscv_flush_icache(..., SYS_RISCV_FLUSH_ICACHE_LOCAL)
  Hazard h{};
  ASSERT_TRUE(reader_fetch(kCode, &h));
  EXPECT_EQ(h.kind, HazardKind::kStaleAfterSync);
  EXPECT_EQ(h.hart, kReader);
}

TEST_F(ModelTest, GlobalSyncReachesEveryHart) {
  store_word(kCode, kLiA0);
  model_.sync_all(kWriter);
  Hazard h{};
  EXPECT_FALSE(reader_fetch(kCode, &h));
}

// Pins CI's false "stale-after-sync" in icache_seeded_trampoline_link_bug: the reader's
// vCPU read its fence point, then the writer's membarrier SYNC_CORE completed (fences
// raised, sync point set), then the reader's fetch was judged. The fetch overlapped the
// sync, so it may see the old or the new word: the Ziccif window, not a hazard.
TEST_F(ModelTest, FetchOverlappingAGlobalSyncIsNotStaleAfterSync) {
  store_word(kCode, kJal);
  const uint64_t fence_read_before_sync = 0;   // the reader has not synced since the start
  model_.sync_all(kWriter);
  Hazard h{};
  EXPECT_FALSE(model_.fetch_as_of(kReader, kCode, 4, page_, fence_read_before_sync, &h))
      << "reported " << hazard_name(h.kind);
}

// The same interleaving with a local flush: the writer's sync point did not reach the
// reader whenever its fence was read, so the hazard stays.
TEST_F(ModelTest, FetchOverlappingALocalFlushIsStillStaleAfterSync) {
  store_word(kCode, kJal);
  model_.sync_local(kWriter);
  Hazard h{};
  ASSERT_TRUE(model_.fetch_as_of(kReader, kCode, 4, page_, 0, &h));
  EXPECT_EQ(h.kind, HazardKind::kStaleAfterSync);
}

// The emulator's coherence (QEMU's multi-threaded TCG, docs/testing.md): after the reader
// synced a rewritten word, running the old bytes is the emulator running a stale
// translation; before it synced, the old bytes are the program's allowed window.
TEST_F(ModelTest, OldBytesAfterTheHartSyncedAreAStaleTranslation) {
  store_word(kCode, kJal);
  StoreInfo st{};
  EXPECT_FALSE(model_.ran_stale_translation(kCode, kNop, page_, model_.fence_of(kReader), &st))
      << "the reader has not synced: old bytes are the Ziccif window";
  EXPECT_FALSE(model_.ran_stale_translation(kCode, kJal, page_, model_.fence_of(kReader), &st));
  model_.sync_all(kWriter);
  const uint64_t fence = model_.fence_of(kReader);
  EXPECT_FALSE(model_.ran_stale_translation(kCode, kJal, page_, fence, &st)) << "current bytes";
  ASSERT_TRUE(model_.ran_stale_translation(kCode, kNop, page_, fence, &st));
  EXPECT_EQ(st.hart, kWriter);
  EXPECT_EQ(st.pc, 0x1234u);
  Hazard h{};
  EXPECT_FALSE(model_.fetch_as_of(kReader, kCode, 4, page_, fence, &h))
      << "the program synced: no hazard of the program";
}

// A fetch that began before a sync (its fence point read then) may run the old bytes.
TEST_F(ModelTest, OldBytesDuringASyncAreNotAStaleTranslation) {
  store_word(kCode, kJal);
  const uint64_t fence_read_before_sync = model_.fence_of(kReader);
  model_.sync_all(kWriter);
  StoreInfo st{};
  EXPECT_FALSE(model_.ran_stale_translation(kCode, kNop, page_, fence_read_before_sync, &st));
}

// Words the model never saw stored (content read when the page was first tracked) and
// unknown words give no verdict.
TEST_F(ModelTest, NoVerdictWithoutARecordedStore) {
  model_.sync_all(kWriter);
  StoreInfo st{};
  EXPECT_FALSE(model_.ran_stale_translation(kCode + 4, kJal, page_, model_.fence_of(kReader), &st));
  uint8_t half[2] = {0x13, 0x05};
  model_.store(page_, kCode + 8, 2, half, 0x1234, kWriter);  // keeps the word known
  model_.sync_all(kWriter);
  EXPECT_FALSE(model_.ran_stale_translation(kCode + 8, 0x00000513, page_,
                                            model_.fence_of(kReader), &st))
      << "the bytes it holds now";
}

}  // namespace
}  // namespace icache_check
