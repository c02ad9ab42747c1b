/* rvjit hooks, C API: ftrace-style entry and exit hooks on JIT'd functions, for VMs
 * written in C. The C++ API (rvjit/hooks/hook_manager.h) is the same manager; these are
 * thin wrappers, and the types below are shared by both.
 *
 *   rvjit_hook_manager* m = rvjit_hook_manager_create(cache, RVJIT_SYNC_AUTO, err, sizeof err);
 *   rvjit_hook_ops ops = { .entry = on_entry, .exit = on_exit, .user_data = &counters,
 *                          .flags = RVJIT_HOOK_ENTRY | RVJIT_HOOK_EXIT };
 *   uint64_t id = rvjit_hook_register(m, &ops, "fib*", err, sizeof err);   // a glob
 *   rvjit_hook_enable(m, id, err, sizeof err);
 *   ...
 *   rvjit_hook_unregister(m, id, err, sizeof err);  // afterwards no thread enters on_entry
 *                                                   // or on_exit again: free &counters
 *
 * Threads that run JIT code register with rvjit/runtime/thread_registry_c.h.
 * Every function returns 0 (or a non-zero id / pointer) on success; on failure it writes
 * "<ErrorCode>: <message>" into err (when err != NULL) and returns -1 (or 0 / NULL).
 */
#ifndef RVJIT_HOOKS_H
#define RVJIT_HOOKS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a callback sees of the hooked call. Valid only during the callback. */
typedef struct rvjit_hook_ctx {
  uintptr_t function;        /* entry address of the hooked function */
  const char* name;          /* its name, as installed (NUL-terminated) */
  uintptr_t return_address;  /* where the function returns to (the caller) */
  uint64_t* args;            /* a0..a7 as the function received them; writable (and the
                                function sees the change) only with RVJIT_HOOK_MODIFY_REGS */
  uint64_t* fp_args;         /* fa0..fa7 raw bits, same rule */
  uint64_t return_value;     /* exit hooks: a0 as returned */
  uint64_t return_value2;    /* exit hooks: a1 */
  uint64_t fp_return_bits;   /* exit hooks: fa0 raw bits */
} rvjit_hook_ctx;

typedef void (*rvjit_hook_fn)(const rvjit_hook_ctx* ctx, void* user_data);

/* The cheap entry callback (RVJIT_HOOK_ENTRY_ARGS): the first two integer arguments by
 * value (changes are not seen by the function; meaningless beyond the function's own
 * argument count) and what identifies the call. On a function installed with a declared
 * signature (<= 2 integer, no FP arguments) whose only ops asks for nothing else, the
 * JIT'd trampoline calls it directly: docs/hooks.md, "The fast path". */
typedef struct rvjit_hook_args_info {
  void* user_data;     /* the ops' user_data */
  uintptr_t function;  /* entry address of the hooked function */
  const char* name;    /* its name, as installed */
} rvjit_hook_args_info;
typedef void (*rvjit_hook_args_fn)(uint64_t a0, uint64_t a1, const rvjit_hook_args_info* info);

/* The cheap exit callback (RVJIT_HOOK_EXIT_RET): the function's return registers a0, a1
 * by value (changes are not seen by the caller) and what identifies the call. On a
 * function with a declared signature (as above) whose only ops has ENTRY_ARGS|EXIT_RET or
 * EXIT_RET alone, a JIT'd return trampoline calls it directly. Contract of this kind
 * (docs/hooks.md, "The fast exit path"): the callback must leave errno as it found it
 * (the fast return trampoline does not save it; the general path does); a0, a1 and fa0
 * are restored for the caller, fa1 is not (a function with a declared signature must not
 * return a value in fa1). */
typedef void (*rvjit_hook_ret_fn)(uint64_t a0, uint64_t a1, const rvjit_hook_args_info* info);

enum {
  RVJIT_HOOK_ENTRY = 1,        /* call .entry when a selected function is entered */
  RVJIT_HOOK_EXIT = 2,         /* call .exit when it returns (function graph) */
  RVJIT_HOOK_MODIFY_REGS = 4,  /* the callback may change ctx->args / fp_args */
  RVJIT_HOOK_ENTRY_ARGS = 8,   /* call .entry_args when a selected function is entered:
                                  the cheap kind, instead of ENTRY (docs/hooks.md) */
  RVJIT_HOOK_EXIT_RET = 16,    /* call .exit_ret when it returns: the cheap kind, instead
                                  of EXIT (never both flags) */
};

typedef struct rvjit_hook_ops {
  union {                          /* same size and layout as before issue 15 */
    rvjit_hook_fn entry;           /* with RVJIT_HOOK_ENTRY */
    rvjit_hook_args_fn entry_args; /* with RVJIT_HOOK_ENTRY_ARGS (never both flags) */
  };
  union {                          /* same size and layout as before issue 15 */
    rvjit_hook_fn exit;            /* with RVJIT_HOOK_EXIT */
    rvjit_hook_ret_fn exit_ret;    /* with RVJIT_HOOK_EXIT_RET (never both flags) */
  };
  void* user_data;
  uint32_t flags;
} rvjit_hook_ops;

/* How patched sites are made visible to every thread (see docs/hooks.md). */
typedef enum rvjit_sync_strategy {
  RVJIT_SYNC_AUTO = 0,          /* membarrier, else flush syscall, else stop-the-world */
  RVJIT_SYNC_STOP_THE_WORLD = 1,/* the seed's rendezvous: every thread runs FENCE.I */
  RVJIT_SYNC_MEMBARRIER = 2,    /* membarrier(PRIVATE_EXPEDITED_SYNC_CORE) */
  RVJIT_SYNC_FLUSH_SYSCALL = 3, /* riscv_flush_icache(..., 0): every hart */
} rvjit_sync_strategy;

/* Patch-site layouts a function can be compiled with. */
typedef enum rvjit_site_layout {
  RVJIT_SITE_ONE_WORD = 0,  /* jal t0, trampoline <-> nop: one atomic store, no stop */
  RVJIT_SITE_TWO_WORD = 1,  /* auipc t0; jalr t0 <-> j .+8: the seed's stop-the-world */
} rvjit_site_layout;

typedef struct rvjit_code_cache rvjit_code_cache;     /* a rvjit::CodeCache */
typedef struct rvjit_hook_manager rvjit_hook_manager; /* a rvjit::HookManager */

rvjit_hook_manager* rvjit_hook_manager_create(rvjit_code_cache* cache,
                                              rvjit_sync_strategy sync, char* err,
                                              size_t err_size);
void rvjit_hook_manager_destroy(rvjit_hook_manager* m);

/* Installs position-independent code of `size` bytes whose hook prologue starts at
 * site_offset: 8 bytes of hook word at site_offset-8 (8-byte aligned), then the disabled
 * site - one_word: `nop` (0x00000013); two_word: `j .+8` (0x0080006f), `nop` - what
 * rvjit::emit_hook_prologue emits. The code must not need relocations. Returns the entry
 * (the site's address; call it), 0 on error: InvalidArgument for an unknown layout, a site
 * that does not lie inside the code, or other bytes at the site; nothing is installed. */
uintptr_t rvjit_hook_install(rvjit_hook_manager* m, const uint8_t* code, size_t size,
                             size_t site_offset, rvjit_site_layout layout, const char* name,
                             char* err, size_t err_size);

/* The same with the function's declared signature: integer and FP argument counts, -1 =
 * unknown (what rvjit_hook_install declares). <= 2 integer and 0 FP arguments link the
 * site to a fast entry (rvjit::HookSignature, docs/hooks.md "The fast path"); the
 * declaration must be true. */
uintptr_t rvjit_hook_install_sig(rvjit_hook_manager* m, const uint8_t* code, size_t size,
                                 size_t site_offset, rvjit_site_layout layout, const char* name,
                                 int int_args, int fp_args, char* err, size_t err_size);

/* filter: a glob over function names ("*" = all; NULL = all). Returns an ops id, 0 on
 * error. The ops is registered disabled. */
uint64_t rvjit_hook_register(rvjit_hook_manager* m, const rvjit_hook_ops* ops,
                             const char* filter, char* err, size_t err_size);
/* names: an explicit list of function names. */
uint64_t rvjit_hook_register_list(rvjit_hook_manager* m, const rvjit_hook_ops* ops,
                                  const char* const* names, size_t count, char* err,
                                  size_t err_size);
int rvjit_hook_enable(rvjit_hook_manager* m, uint64_t id, char* err, size_t err_size);
int rvjit_hook_disable(rvjit_hook_manager* m, uint64_t id, char* err, size_t err_size);
int rvjit_hook_set_filter(rvjit_hook_manager* m, uint64_t id, const char* filter, char* err,
                          size_t err_size);
/* Hot swap: after it returns 0 no thread enters the old callbacks again. -1 with "Busy":
 * the new callbacks are live but a thread is still inside the old ones: free the old
 * user_data only after rvjit_hook_synchronize returned 0. */
int rvjit_hook_swap(rvjit_hook_manager* m, uint64_t id, rvjit_hook_fn entry,
                    rvjit_hook_fn exit, void* user_data, char* err, size_t err_size);
/* After it returns no thread enters the ops' callbacks again; its user_data may be freed.
 * -1 with "Busy": detached, but a thread is still inside a callback: call it again (or
 * rvjit_hook_synchronize) until it returns 0 before freeing user_data. */
int rvjit_hook_unregister(rvjit_hook_manager* m, uint64_t id, char* err, size_t err_size);
/* Waits for one grace period over what earlier swaps / unregisters replaced: 0 = their old
 * callbacks are no longer running (free their user_data); -1 "Busy" = try again. */
int rvjit_hook_synchronize(rvjit_hook_manager* m, char* err, size_t err_size);

#ifdef __cplusplus
}
#endif
#endif /* RVJIT_HOOKS_H */
