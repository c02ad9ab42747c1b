// The C API (rvjit/hooks.h), driven from C (hooks_c_api_use.c).
#include <gtest/gtest.h>

#include "hooked_code.h"
#include "rvjit/hooks.h"
#include "rvjit/runtime/thread_registry_c.h"

extern "C" int c_api_trace(rvjit_hook_manager* m, const char* glob, long (*fn)(long), long arg,
                           int calls, long out[3], char* err, size_t err_size);

extern "C" int c_api_fast_trace(rvjit_hook_manager* m, const char* glob, long (*fn)(long),
                                long arg, int calls, long out[2], char* err, size_t err_size);

extern "C" int c_api_fast_exit_trace(rvjit_hook_manager* m, const char* glob, long (*fn)(long),
                                     long arg, int calls, long out[3], char* err, size_t err_size);

namespace {

using namespace rvjit;

TEST(HooksCApi, InstallsTracesAndStopsAfterUnregister) {
  ASSERT_EQ(rvjit_thread_register("c-api-main"), 0);
  auto cache = CodeCache::create();
  ASSERT_TRUE(cache.ok());
  char err[256] = "";
  rvjit_hook_manager* m = rvjit_hook_manager_create(
      reinterpret_cast<rvjit_code_cache*>(cache->get()), RVJIT_SYNC_AUTO, err, sizeof err);
  ASSERT_NE(m, nullptr) << err;

  AssembledCode code = rvjit::testing::add_k_function(SiteLayout::kOneWord, 3);
  ASSERT_EQ(code.patch_sites.size(), 1u);
  uintptr_t entry = rvjit_hook_install(m, code.code.data(), code.code.size(),
                                       code.patch_sites[0].offset, RVJIT_SITE_ONE_WORD, "c_fn",
                                       err, sizeof err);
  ASSERT_NE(entry, 0u) << err;
  long out[3] = {0, 0, 0};
  ASSERT_EQ(c_api_trace(m, "c_*", reinterpret_cast<long (*)(long)>(entry), 4, 7, out, err,
                        sizeof err),
            0)
      << err;
  EXPECT_EQ(out[0], 7);  // entries
  EXPECT_EQ(out[1], 7);  // exits
  EXPECT_EQ(out[2], 7);  // 4 + 3

  EXPECT_EQ(rvjit_hook_enable(m, 999, err, sizeof err), -1);
  EXPECT_NE(std::string(err).find("NotFound"), std::string::npos) << err;
  EXPECT_EQ(rvjit_hook_install(m, code.code.data(), code.code.size(), 4, RVJIT_SITE_ONE_WORD,
                               "misplaced", err, sizeof err),
            0u);
  EXPECT_NE(std::string(err).find("InvalidArgument"), std::string::npos) << err;
  rvjit_hook_manager_destroy(m);
  rvjit_thread_unregister();
}

TEST(HooksCApi, DeclaredSignatureAndEntryArgsFromC) {
  ASSERT_EQ(rvjit_thread_register("c-api-fast"), 0);
  auto cache = CodeCache::create();
  ASSERT_TRUE(cache.ok());
  char err[256] = "";
  rvjit_hook_manager* m = rvjit_hook_manager_create(
      reinterpret_cast<rvjit_code_cache*>(cache->get()), RVJIT_SYNC_AUTO, err, sizeof err);
  ASSERT_NE(m, nullptr) << err;
  for (SiteLayout l : {SiteLayout::kOneWord, SiteLayout::kTwoWord}) {
    AssembledCode code = rvjit::testing::add_k_function(l, 3);
    const std::string name = std::string("cf_") + site_layout_name(l);
    uintptr_t entry = rvjit_hook_install_sig(m, code.code.data(), code.code.size(),
                                             code.patch_sites[0].offset,
                                             static_cast<rvjit_site_layout>(l), name.c_str(), 1, 0,
                                             err, sizeof err);
    ASSERT_NE(entry, 0u) << err;
    long out[2] = {0, 0};
    ASSERT_EQ(c_api_fast_trace(m, name.c_str(), reinterpret_cast<long (*)(long)>(entry), 10, 5,
                               out, err, sizeof err),
              0)
        << err;
    EXPECT_EQ(out[0], 5);   // entries, none after unregister
    EXPECT_EQ(out[1], 14);  // the last call's argument: 10 + 4
    EXPECT_EQ(reinterpret_cast<long (*)(long)>(entry)(1), 4);
    long both[3] = {0, 0, 0};
    ASSERT_EQ(c_api_fast_exit_trace(m, name.c_str(), reinterpret_cast<long (*)(long)>(entry), 20,
                                    4, both, err, sizeof err),
              0)
        << err;
    EXPECT_EQ(both[0], 4);   // entries
    EXPECT_EQ(both[1], 4);   // exits, none after unregister
    EXPECT_EQ(both[2], 26);  // the last call's return value: 23 + 3
  }
  rvjit_hook_manager_destroy(m);
  rvjit_thread_unregister();
}

}  // namespace
