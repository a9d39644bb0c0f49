/* test-size.c - parse_mem_size (util/size.c): the --mem syntax of kiln and
 * aot-tool. */
#include <inttypes.h>
#include <stdio.h>
#include "../check.h"
#include "util/size.h"

int main(void)
{
    static const struct {
        const char *s;
        int rc;
        uint64_t bytes;
    } cases[] = {
        {"256", 0, 256ull << 20},
        {"256M", 0, 256ull << 20},
        {"256MB", 0, 256ull << 20},
        {"256MiB", 0, 256ull << 20},
        {"1G", 0, 1ull << 30},
        {"1g", 0, 1ull << 30},
        {"512k", 0, 512ull << 10},
        {"1024G", 0, 1ull << 40},
        {"1025G", -1, 0},
        {"0", -1, 0},
        {"-1", -1, 0},
        {"+1", -1, 0},
        {"", -1, 0},
        {"M", -1, 0},
        {"12X", -1, 0},
        {"12Mi", -1, 0},
        {"12MBx", -1, 0},
        {" 12", -1, 0},
        {"99999999999999999999", -1, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t v = 0;
        int rc = parse_mem_size(cases[i].s, &v);
        CHECK(rc == cases[i].rc, "'%s': rc %d, want %d", cases[i].s, rc, cases[i].rc);
        if (rc == 0 && cases[i].rc == 0)
            CHECK(v == cases[i].bytes, "'%s': %" PRIu64 " bytes, want %" PRIu64, cases[i].s, v,
                  cases[i].bytes);
    }
    if (!failures)
        printf("ok\n");
    return failures != 0;
}
