/*
 * sanitizer.h - what AddressSanitizer and Valgrind must be told about fiber
 * stacks.  Everything here compiles to nothing in a plain build.
 */
#ifndef URT_SANITIZER_H
#define URT_SANITIZER_H

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#define URT__ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define URT__ASAN 1
#endif
#endif

#ifdef URT__ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#define URT__ASAN_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define URT__ASAN_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#ifdef URT_HAVE_VALGRIND
#include <valgrind/memcheck.h>
#include <valgrind/valgrind.h>
#define URT__VALGRIND_STACK_REGISTER(lo, hi) VALGRIND_STACK_REGISTER(lo, hi)
#define URT__VALGRIND_STACK_DEREGISTER(id) VALGRIND_STACK_DEREGISTER(id)
/* The kernel fills read buffers behind Valgrind's back (no system call of
 * the process touches them), so memcheck must be told they are defined. */
#define URT__VALGRIND_DEFINED(p, n) VALGRIND_MAKE_MEM_DEFINED(p, n)
#define URT__ON_VALGRIND() RUNNING_ON_VALGRIND
#else
#define URT__ON_VALGRIND() 0
#define URT__VALGRIND_DEFINED(p, n) ((void)(p), (void)(n))
#define URT__VALGRIND_STACK_REGISTER(lo, hi) ((void)(lo), (void)(hi), 0u)
#define URT__VALGRIND_STACK_DEREGISTER(id) ((void)(id))
#endif

#endif
