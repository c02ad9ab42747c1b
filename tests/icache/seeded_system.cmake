# System-mode seeded bug (docs/icache-check.md): a static /init for the real kernel under
# the system-mode plugin. Not a ctest entry: scripts/icache-system-seeded.sh boots it
# (bug and twin) from scripts/test.sh, like the system tests.
add_executable(icache_seeded_migration_guest ${CMAKE_CURRENT_LIST_DIR}/seeded_migration_guest.cpp)
target_link_options(icache_seeded_migration_guest PRIVATE -static)
rvjit_warnings(icache_seeded_migration_guest)
