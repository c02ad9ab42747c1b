/* C API of the thread registry (rvjit/runtime/thread_registry.h), for VMs written in C.
 *
 *   if (rvjit_thread_register("interp-1") != 0) ... rvjit_last_error_message() ...
 *   ... run JIT code ...
 *   rvjit_thread_unregister();
 *
 * Same rules as the C++ API: registrations nest, a thread that exits registered is
 * unregistered automatically, registering waits for a rendezvous in progress. */
#ifndef RVJIT_RUNTIME_THREAD_REGISTRY_C_H
#define RVJIT_RUNTIME_THREAD_REGISTRY_C_H

#ifdef __cplusplus
extern "C" {
#endif

/* Registers the calling thread under `name` (may be NULL). Returns 0 on success, else the
 * numeric rvjit::ErrorCode (see rvjit/error.h); the message is kept per thread. */
int rvjit_thread_register(const char* name);

/* Ends one level of registration of the calling thread; never blocks. */
void rvjit_thread_unregister(void);

/* Message of the calling thread's last failed rvjit_thread_register ("" if none). */
const char* rvjit_thread_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* RVJIT_RUNTIME_THREAD_REGISTRY_C_H */
