/* version.c - ccgc_version(): the version of the library that runs
 * (ccgc-version.h, generated from the project's VERSION). */
#include "ccgc-version.h"

const char *ccgc_version(void) { return CCGC_VERSION_STRING; }
