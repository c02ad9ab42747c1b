/* Written in C on purpose: proves rvjit/hooks.h is a valid C header and drives the C API
 * the way a VM written in C would. */
#include "rvjit/hooks.h"

#include <string.h>

struct c_counter {
  long entries;
  long exits;
  long last_ret;
};

static void c_entry(const rvjit_hook_ctx* ctx, void* data) {
  struct c_counter* c = (struct c_counter*)data;
  (void)ctx;
  c->entries++;
}

static void c_exit(const rvjit_hook_ctx* ctx, void* data) {
  struct c_counter* c = (struct c_counter*)data;
  c->exits++;
  c->last_ret = (long)ctx->return_value;
}

/* Calls fn(arg) `calls` times with an entry+exit ops on functions matching `glob`;
 * returns 0 and fills out[0..2] = entries, exits, last return value; or -1 with err. */
int c_api_trace(rvjit_hook_manager* m, const char* glob, long (*fn)(long), long arg, int calls,
                long out[3], char* err, size_t err_size) {
  struct c_counter counter;
  rvjit_hook_ops ops;
  uint64_t id;
  int i;
  memset(&counter, 0, sizeof counter);
  ops.entry = c_entry;
  ops.exit = c_exit;
  ops.user_data = &counter;
  ops.flags = RVJIT_HOOK_ENTRY | RVJIT_HOOK_EXIT;
  id = rvjit_hook_register(m, &ops, glob, err, err_size);
  if (id == 0) return -1;
  if (rvjit_hook_enable(m, id, err, err_size) != 0) return -1;
  for (i = 0; i < calls; i++) fn(arg);
  if (rvjit_hook_unregister(m, id, err, err_size) != 0) return -1;
  if (rvjit_hook_synchronize(m, err, err_size) != 0) return -1; /* nothing left to wait for */
  fn(arg); /* after unregister: must not count */
  out[0] = counter.entries;
  out[1] = counter.exits;
  out[2] = counter.last_ret;
  return 0;
}

static void c_args(uint64_t a0, uint64_t a1, const rvjit_hook_args_info* info) {
  struct c_counter* c = (struct c_counter*)info->user_data;
  (void)a1;
  c->entries++;
  c->last_ret = (long)a0; /* here: the last first argument */
}

/* The fast path from C: an entry_args ops (designated initialisers reach the union
 * member) on functions matching `glob`; out[0] = entries, out[1] = last first argument. */
int c_api_fast_trace(rvjit_hook_manager* m, const char* glob, long (*fn)(long), long arg,
                     int calls, long out[2], char* err, size_t err_size) {
  struct c_counter counter;
  rvjit_hook_ops ops = {.entry_args = c_args, .flags = RVJIT_HOOK_ENTRY_ARGS};
  uint64_t id;
  int i;
  memset(&counter, 0, sizeof counter);
  ops.user_data = &counter;
  id = rvjit_hook_register(m, &ops, glob, err, err_size);
  if (id == 0) return -1;
  if (rvjit_hook_enable(m, id, err, err_size) != 0) return -1;
  for (i = 0; i < calls; i++) fn(arg + i);
  if (rvjit_hook_unregister(m, id, err, err_size) != 0) return -1;
  fn(arg); /* after unregister: must not count */
  out[0] = counter.entries;
  out[1] = counter.last_ret;
  return 0;
}

static void c_ret(uint64_t a0, uint64_t a1, const rvjit_hook_args_info* info) {
  struct c_counter* c = (struct c_counter*)info->user_data;
  (void)a1;
  c->exits++;
  c->last_ret = (long)a0; /* the return value */
}

/* The fast exit path from C: an entry_args + exit_ret ops (designated initialisers reach
 * both union members); out[0] = entries, out[1] = exits, out[2] = last return value. */
int c_api_fast_exit_trace(rvjit_hook_manager* m, const char* glob, long (*fn)(long), long arg,
                          int calls, long out[3], char* err, size_t err_size) {
  struct c_counter counter;
  rvjit_hook_ops ops = {.entry_args = c_args, .exit_ret = c_ret,
                        .flags = RVJIT_HOOK_ENTRY_ARGS | RVJIT_HOOK_EXIT_RET};
  uint64_t id;
  int i;
  memset(&counter, 0, sizeof counter);
  ops.user_data = &counter;
  id = rvjit_hook_register(m, &ops, glob, err, err_size);
  if (id == 0) return -1;
  if (rvjit_hook_enable(m, id, err, err_size) != 0) return -1;
  for (i = 0; i < calls; i++) fn(arg + i);
  if (rvjit_hook_unregister(m, id, err, err_size) != 0) return -1;
  fn(arg); /* after unregister: must not count */
  out[0] = counter.entries;
  out[1] = counter.exits;
  out[2] = counter.last_ret;
  return 0;
}
