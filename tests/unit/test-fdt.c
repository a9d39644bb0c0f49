/* test-fdt.c - the FDT writer and the virt board's device tree.
 * Parses blobs back with a small reader (below), checks structure, string
 * dedup, alignment and sizes; then decompiles the board's DTB with dtc. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hw/fdt.h"
#include "hw/virt-dt.h"
#include "../check.h"

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Find property `prop` of the node at `path` ("/a/b"; "/" is the root).
 * Returns a pointer to its value (and *len) or NULL.  Returns NULL and
 * sets *bad on any structural error. */
static const uint8_t *fdt_get(const uint8_t *b, size_t size, const char *path, const char *prop,
                              uint32_t *len, int *bad)
{
    uint32_t off_st = be32(b + 8), off_str = be32(b + 12), size_str = be32(b + 32);
    uint32_t size_st = be32(b + 36);
    if (off_st + size_st > size || off_str + size_str > size) {
        *bad = 1;
        return NULL;
    }
    char cur[512] = "";
    size_t pos = off_st, end = off_st + size_st;
    int depth = 0;
    while (pos + 4 <= end) {
        uint32_t tok = be32(b + pos);
        pos += 4;
        if (tok == FDT_BEGIN_NODE) {
            const char *name = (const char *)b + pos;
            size_t n = strnlen(name, end - pos);
            if (depth > 0) {
                if (depth > 1 || cur[0] == 0)
                    strcat(cur, "/");
                strncat(cur, name, n);
            }
            depth++;
            pos += (n + 1 + 3) & ~(size_t)3;
        } else if (tok == FDT_END_NODE) {
            if (--depth < 0) {
                *bad = 1;
                return NULL;
            }
            char *slash = strrchr(cur, '/');
            if (slash)
                *slash = 0;
        } else if (tok == FDT_PROP) {
            uint32_t l = be32(b + pos), nameoff = be32(b + pos + 4);
            pos += 8;
            if (nameoff >= size_str || pos + l > end) {
                *bad = 1;
                return NULL;
            }
            const char *pname = (const char *)b + off_str + nameoff;
            const char *p = cur[0] ? cur : "/";
            if (strcmp(p, path) == 0 && strcmp(pname, prop) == 0) {
                *len = l;
                return b + pos;
            }
            pos += (l + 3) & ~(size_t)3;
        } else if (tok == FDT_NOP) {
        } else if (tok == FDT_END) {
            if (depth != 0)
                *bad = 1;
            return NULL;
        } else {
            *bad = 1;
            return NULL;
        }
    }
    *bad = 1;
    return NULL;
}

static void test_writer(void)
{
    FDT f;
    fdt_init(&f);
    fdt_begin_node(&f, "");
    fdt_prop_u32(&f, "#address-cells", 2);
    fdt_prop_string(&f, "compatible", "acme,board");
    fdt_begin_node(&f, "dev@1000");
    fdt_prop_string(&f, "compatible", "acme,dev"); /* same name: deduplicated */
    fdt_prop_u64(&f, "big", 0x0123456789abcdefull);
    const uint32_t cells[3] = {1, 2, 3};
    fdt_prop_cells(&f, "cells", cells, 3);
    fdt_prop_empty(&f, "flag");
    static const char *const two[] = {"a", "bc"};
    fdt_prop_strings(&f, "list", two, 2);
    fdt_end_node(&f);
    fdt_end_node(&f);
    uint8_t *b;
    size_t size;
    CHECK(fdt_finish(&f, &b, &size) == 0);
    if (failures)
        return;
    CHECK(be32(b) == FDT_MAGIC);
    CHECK(be32(b + 4) == size);
    CHECK(be32(b + 20) == 17);
    CHECK(be32(b + 24) == 16);
    uint32_t rsv = be32(b + 16), st = be32(b + 8), str = be32(b + 12);
    CHECK(rsv % 8 == 0 && st % 4 == 0);
    for (int i = 0; i < 16; i++)
        CHECK(b[rsv + i] == 0); /* empty reservation map: just the terminator */
    CHECK(st >= rsv + 16);
    CHECK(str == st + be32(b + 36));
    CHECK(str + be32(b + 32) == size);
    /* Strings block: each name exactly once. */
    const char *names = (const char *)b + str;
    uint32_t slen = be32(b + 32), ncompat = 0, nnames = 0;
    for (uint32_t o = 0; o < slen; o += (uint32_t)strlen(names + o) + 1) {
        nnames++;
        if (strcmp(names + o, "compatible") == 0)
            ncompat++;
    }
    CHECK(ncompat == 1);
    CHECK(nnames == 6); /* #address-cells compatible big cells flag list */
    /* Last token is FDT_END. */
    CHECK(be32(b + str - 4) == FDT_END);

    int bad = 0;
    uint32_t len = 0;
    const uint8_t *v = fdt_get(b, size, "/", "#address-cells", &len, &bad);
    CHECK(v && len == 4 && be32(v) == 2);
    v = fdt_get(b, size, "/dev@1000", "compatible", &len, &bad);
    CHECK(v && len == 9 && memcmp(v, "acme,dev", 9) == 0);
    v = fdt_get(b, size, "/dev@1000", "big", &len, &bad);
    CHECK(v && len == 8 && be32(v) == 0x01234567 && be32(v + 4) == 0x89abcdef);
    v = fdt_get(b, size, "/dev@1000", "cells", &len, &bad);
    CHECK(v && len == 12 && be32(v + 8) == 3);
    v = fdt_get(b, size, "/dev@1000", "flag", &len, &bad);
    CHECK(v && len == 0);
    v = fdt_get(b, size, "/dev@1000", "list", &len, &bad);
    CHECK(v && len == 5 && memcmp(v, "a\0bc", 5) == 0);
    CHECK(fdt_get(b, size, "/dev@1000", "nope", &len, &bad) == NULL);
    CHECK(!bad);
    free(b);

    /* Unbalanced trees are rejected. */
    fdt_init(&f);
    fdt_begin_node(&f, "");
    CHECK(fdt_finish(&f, &b, &size) == -1);
}

static uint8_t *board_dtb(const char *bootargs, const uint8_t *seed, size_t *size)
{
    VirtDTConfig c = {.ram_base = 0x80000000ull,
                      .ram_size = 256ull << 20,
                      .bootargs = bootargs,
                      .rng_seed = seed,
                      .rng_seed_len = seed ? 8 : 0};
    uint8_t *b = NULL;
    CHECK(virt_dt_build(&c, &b, size) == 0);
    return b;
}

static void test_board(void)
{
    size_t size;
    uint8_t *b = board_dtb("console=ttyS0", NULL, &size);
    if (!b)
        return;
    int bad = 0;
    uint32_t len;
    const uint8_t *v = fdt_get(b, size, "/chosen", "bootargs", &len, &bad);
    CHECK(v && strcmp((const char *)v, "console=ttyS0") == 0);
    v = fdt_get(b, size, "/chosen", "stdout-path", &len, &bad);
    CHECK(v && strcmp((const char *)v, "/soc/serial@10000000") == 0);
    CHECK(fdt_get(b, size, "/chosen", "rng-seed", &len, &bad) == NULL);
    v = fdt_get(b, size, "/memory@80000000", "reg", &len, &bad);
    CHECK(v && len == 16 && be32(v + 4) == 0x80000000u && be32(v + 12) == 0x10000000u);
    v = fdt_get(b, size, "/cpus/cpu@0", "riscv,isa", &len, &bad);
    CHECK(v && strcmp((const char *)v, "rv64imafdc_zicsr_zifencei") == 0);
    v = fdt_get(b, size, "/cpus", "timebase-frequency", &len, &bad);
    CHECK(v && be32(v) == 10000000);
    v = fdt_get(b, size, "/soc/plic@c000000", "interrupts-extended", &len, &bad);
    CHECK(v && len == 16 && be32(v) == 2 && be32(v + 4) == 11 && be32(v + 12) == 9);
    v = fdt_get(b, size, "/soc/serial@10000000", "interrupts", &len, &bad);
    CHECK(v && be32(v) == 10);
    v = fdt_get(b, size, "/soc/virtio_mmio@10008000", "interrupts", &len, &bad);
    CHECK(v && be32(v) == 8);
    v = fdt_get(b, size, "/soc/test@100000", "compatible", &len, &bad);
    CHECK(v && len == sizeof("sifive,test1\0sifive,test0\0syscon"));
    CHECK(!bad);
    free(b);

    /* Deterministic: two builds are byte-identical; a seed appears only if given. */
    size_t s1, s2;
    uint8_t *b1 = board_dtb(NULL, NULL, &s1), *b2 = board_dtb(NULL, NULL, &s2);
    CHECK(b1 && b2 && s1 == s2 && memcmp(b1, b2, s1) == 0);
    CHECK(b1 && fdt_get(b1, s1, "/chosen", "bootargs", &len, &bad) == NULL);
    free(b1);
    free(b2);
    const uint8_t seed[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    b = board_dtb(NULL, seed, &size);
    v = b ? fdt_get(b, size, "/chosen", "rng-seed", &len, &bad) : NULL;
    CHECK(v && len == 8 && v[7] == 8);
    free(b);
}

/* Decompile with dtc (package device-tree-compiler) and look for the nodes. */
static void test_dtc(void)
{
    if (system("dtc --version >/dev/null 2>&1") != 0) {
        printf("FAIL: dtc not found (install device-tree-compiler)\n");
        failures++;
        return;
    }
    size_t size;
    uint8_t *b = board_dtb("console=ttyS0 earlycon=sbi", NULL, &size);
    if (!b)
        return;
    char path[] = "/tmp/kiln-test-fdt-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0 && write(fd, b, size) == (ssize_t)size);
    close(fd);
    free(b);
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "dtc -I dtb -O dts -o - %s 2>&1", path);
    FILE *p = popen(cmd, "r");
    static char out[65536];
    size_t n = p ? fread(out, 1, sizeof(out) - 1, p) : 0;
    out[n] = 0;
    int rc = p ? pclose(p) : -1;
    unlink(path);
    CHECK(rc == 0);
    static const char *const want[] = {
        "compatible = \"riscv-virtio\";",
        "bootargs = \"console=ttyS0 earlycon=sbi\";",
        "stdout-path = \"/soc/serial@10000000\";",
        "memory@80000000 {",
        "reg = <0x00 0x80000000 0x00 0x10000000>;",
        "riscv,isa = \"rv64imafdc_zicsr_zifencei\";",
        "mmu-type = \"riscv,sv48\";",
        "timebase-frequency = <0x989680>;",
        "compatible = \"riscv,cpu-intc\";",
        "serial@10000000 {",
        "clock-frequency = \"\\08@\";", /* 3686400: dtc prints it as a string */
        "compatible = \"ns16550a\";",
        "rtc@101000 {",
        "compatible = \"google,goldfish-rtc\";",
        "compatible = \"sifive,test1\\0sifive,test0\\0syscon\";",
        "compatible = \"syscon-poweroff\";",
        "compatible = \"syscon-reboot\";",
        "virtio_mmio@10001000 {",
        "virtio_mmio@10008000 {",
        "plic@c000000 {",
        "riscv,ndev = <0x5f>;",
        "interrupts-extended = <0x02 0x0b 0x02 0x09>;",
        "compatible = \"sifive,plic-1.0.0\\0riscv,plic0\";",
        "clint@2000000 {",
        "interrupts-extended = <0x02 0x03 0x02 0x07>;",
        "compatible = \"sifive,clint0\\0riscv,clint0\";",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        if (!strstr(out, want[i])) {
            printf("FAIL: dtc output lacks: %s\n", want[i]);
            failures++;
        }
    }
    CHECK(!strstr(out, "Warning"));
    if (failures)
        printf("--- dtc output ---\n%s\n", out);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0); /* keep order with stderr messages */
    test_writer();
    test_board();
    test_dtc();
    if (failures) {
        printf("test-fdt: %d failure(s)\n", failures);
        return 1;
    }
    printf("test-fdt: ok\n");
    return 0;
}
