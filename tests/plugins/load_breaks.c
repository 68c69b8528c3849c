/* Fixtures for issue 11 item 3 (tests/integration/issues/
 * issue_0011_isolation_test.cpp): plugins that break the process loading
 * them, in a static constructor (as the dynamic loader opens them) or in
 * chimp_plugin_entry. chimp must refuse each, naming the file and what
 * happened, and apply nothing.
 *   FIXTURE_CTOR_EXIT       the constructor calls exit(0)
 *   FIXTURE_CTOR_UNDER_EXIT the constructor calls _exit(0)
 *   FIXTURE_CTOR_ABORT      the constructor calls abort()
 *   FIXTURE_CTOR_HANG       the constructor never returns
 *   FIXTURE_ENTRY_EXIT      the entry calls exit(0)
 *   FIXTURE_ENTRY_SEGV      the entry writes through a null pointer
 *   FIXTURE_ENTRY_HANG      the entry never returns
 *   FIXTURE_ENTRY_GARBAGE   the entry returns CHIMP_OK and a "descriptor"
 *                           of garbage bytes */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chimp/plugin_abi.h"

__attribute__((unused)) static void Hang(void) {
  for (;;) pause();
}

#if defined(FIXTURE_CTOR_EXIT) || defined(FIXTURE_CTOR_UNDER_EXIT) || defined(FIXTURE_CTOR_ABORT) || \
    defined(FIXTURE_CTOR_HANG)
__attribute__((constructor)) static void BreakOnLoad(void) {
#if defined(FIXTURE_CTOR_EXIT)
  exit(0);
#elif defined(FIXTURE_CTOR_UNDER_EXIT)
  _exit(0);
#elif defined(FIXTURE_CTOR_ABORT)
  abort();
#else
  Hang();
#endif
}
#endif

static unsigned char garbage[512];

CHIMP_PLUGIN_EXPORT chimp_status chimp_plugin_entry(const chimp_host* host, const chimp_plugin** out) {
  (void)host;
#if defined(FIXTURE_ENTRY_EXIT)
  exit(0);
#elif defined(FIXTURE_ENTRY_SEGV)
  *(volatile int*)(uintptr_t)0 = 1; /* SIGSEGV */
  raise(SIGSEGV);
#elif defined(FIXTURE_ENTRY_HANG)
  Hang();
#elif defined(FIXTURE_ENTRY_GARBAGE)
  memset(garbage, 0x5a, sizeof garbage);
  *out = (const chimp_plugin*)(const void*)garbage;
  return CHIMP_OK;
#endif
  (void)out;
  (void)garbage;
  return CHIMP_ERROR; /* not reached by the variants that break */
}
