/* rvjit C consumer: the C API (rvjit/runtime/thread_registry_c.h) from a C program, linked
 * against the installed static C++ libraries. Prints "c result 0" when the calling thread
 * registers and unregisters. Built by tests/install/install_consumer_test.sh with CMake and
 * with pkg-config (gcc, not g++: rvjit.pc must name the C++ runtime itself). */
#include <stdio.h>

#include "rvjit/hooks.h"
#include "rvjit/runtime/thread_registry_c.h"

int main(void) {
  int rc = rvjit_thread_register("c-consumer");
  if (rc != 0) {
    fprintf(stderr, "c consumer: rvjit_thread_register: %d %s\n", rc, rvjit_thread_last_error());
    return 1;
  }
  rvjit_thread_unregister();
  printf("c layout %d\n", (int)RVJIT_SITE_ONE_WORD);
  printf("c result %d\n", rc);
  return 0;
}
