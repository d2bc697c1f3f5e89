/* ccgc-export.h - CCGC_API, the mark of the public API.
 *
 * The library is compiled with -fvisibility=hidden (CMakeLists.txt): the
 * shared library, libccgc.so, exports exactly the functions whose
 * declaration in a public header carries CCGC_API, and nothing of the
 * collector's internals (docs/embedding.md, "Symbols"). The static library
 * holds the same objects; visibility does not matter when linking them.
 */
#ifndef CCGC_EXPORT_H
#define CCGC_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define CCGC_API __attribute__((visibility("default")))
#else
#define CCGC_API
#endif

#endif /* CCGC_EXPORT_H */
