/* check.h - the one CHECK of Kiln's C test programs.
 *
 *   CHECK(cond)                  CHECK(cond, fmt, args...)
 *   CHECK_EQ(a, b)               (compared as uint64_t, both printed in hex)
 *
 * Every CHECK counts in `checks`; a false cond counts in `failures` and,
 * for the first CHECK_MAX_PRINTED failures, prints "FAIL file:line: cond"
 * and ": " plus the printf-style message if one is given.  A test's main
 * returns failures != 0. */
#ifndef KILN_TEST_CHECK_H
#define KILN_TEST_CHECK_H
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

static int failures, checks;

#define CHECK_MAX_PRINTED 50

/* The rest of a FAIL line: fmt is "\n" followed by the message format (if
 * any); prints ": message" when there is one, then the newline. */
static inline __attribute__((format(printf, 1, 2))) void check_note(const char *fmt, ...)
{
    if (fmt[1]) {
        va_list ap;
        printf(": ");
        va_start(ap, fmt);
        vprintf(fmt + 1, ap);
        va_end(ap);
    }
    printf("\n");
}

/* fmt must be a string literal: "\n" fmt is the message, "\n" alone none.
 * (CHECK(cond) passes no variadic argument: fine for GCC and Clang without
 * -pedantic, which Kiln's warning level does not use.) */
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        checks++;                                                                                  \
        if (!(cond) && failures++ < CHECK_MAX_PRINTED) {                                           \
            printf("FAIL %s:%d: %s", __FILE__, __LINE__, #cond);                                   \
            check_note("\n" __VA_ARGS__);                                                          \
        }                                                                                          \
    } while (0)

#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                                           \
        CHECK(a_ == b_, "%s == %s: 0x%llx != 0x%llx", #a, #b, (unsigned long long)a_,              \
              (unsigned long long)b_);                                                             \
    } while (0)

#endif
