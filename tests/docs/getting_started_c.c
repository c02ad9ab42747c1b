/* The C API part of docs/getting-started.md (region [c-api]), in C on purpose: it proves
 * the page's C code compiles as C. Called by getting_started.cpp with a CodeCache and the
 * code of a hookable fib(n); returns 0 when every value is as the page says. */
#include <stdio.h>

/* [c-api] */
#include "rvjit/hooks.h"
#include "rvjit/runtime/thread_registry_c.h"

struct c_counts {
  long entries, exits;
};

static void c_on_entry(const rvjit_hook_ctx* ctx, void* user_data) {
  ((struct c_counts*)user_data)->entries++;
}

static void c_on_exit(const rvjit_hook_ctx* ctx, void* user_data) {
  ((struct c_counts*)user_data)->exits++;
}

/* cache: a rvjit::CodeCache; code: position-independent code with a hook prologue whose
 * site is at site_offset (what emit_hook_prologue produces). */
int getting_started_c(rvjit_code_cache* cache, const uint8_t* code, size_t size,
                      size_t site_offset) {
  char err[256];
  struct c_counts counts = {0, 0};
  if (rvjit_thread_register("c-main") != 0) {
    printf("register: %s\n", rvjit_thread_last_error());
    return 1;
  }
  rvjit_hook_manager* m = rvjit_hook_manager_create(cache, RVJIT_SYNC_AUTO, err, sizeof err);
  if (m == NULL) {
    printf("manager: %s\n", err);
    return 1;
  }
  uintptr_t entry = rvjit_hook_install(m, code, size, site_offset, RVJIT_SITE_ONE_WORD,
                                       "c_fib", err, sizeof err);
  if (entry == 0) {
    printf("install: %s\n", err);
    return 1;
  }
  long (*fib)(long) = (long (*)(long))entry;

  rvjit_hook_ops ops = {{c_on_entry}, {c_on_exit}, &counts, RVJIT_HOOK_ENTRY | RVJIT_HOOK_EXIT};
  uint64_t id = rvjit_hook_register(m, &ops, "c_*", err, sizeof err); /* a glob */
  if (id == 0 || rvjit_hook_enable(m, id, err, sizeof err) != 0) {
    printf("register/enable: %s\n", err);
    return 1;
  }
  long result = fib(10); /* 55, and 177 entries and exits */
  if (rvjit_hook_unregister(m, id, err, sizeof err) != 0) {
    printf("unregister: %s\n", err);
    return 1;
  }
  fib(10); /* not counted */
  printf("C API: fib(10) = %ld, %ld entries, %ld exits\n", result, counts.entries,
         counts.exits);
  rvjit_hook_manager_destroy(m); /* releases c_fib */
  rvjit_thread_unregister();
  return result == 55 && counts.entries == 177 && counts.exits == 177 ? 0 : 1;
}
/* [c-api-end] */
