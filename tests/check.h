/* check.h - the CHECK macro of Kiln's C test programs: when cond is false,
 * print "FAIL file:line: " and a printf-style message, and count it in
 * `failures`; a test's main returns failures != 0. */
#ifndef KILN_TEST_CHECK_H
#define KILN_TEST_CHECK_H
#include <stdio.h>

static int failures;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                            \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

#endif
