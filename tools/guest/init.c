/* init.c - /init of Kiln's self-built test guest (tools/build-guest), and the host reference.
 * Contract: the guest protocol of ../shared/guest/README.md, with the same workloads and the
 * same checksums (they are the spec; tests/guest checks them on the host at scale 1 and 2).
 *
 * As PID 1: mount devtmpfs, proc and sysfs; print "guest: init started" and a kernel/uptime
 * line; if /proc/cmdline has guest.run=LIST (and optionally guest.scale=N, 1..1000) run those
 * workloads and power off, else offer a small shell on the console (EOF powers off).
 * Not as PID 1 (host build: gcc -O2 -ffp-contract=off init.c -lm, or the guest's shell):
 *   init run NAME[,NAME...] [SCALE]   run workloads; exit status 0 iff all succeeded
 *   init exit CODE                    exit at once with CODE (the child of bench-fork)
 * Lines a test relies on: "guest: time NAME SECONDS", "guest: done NAME CHECKSUM",
 * "guest: fail NAME REASON", "guest: poweroff". Build with -ffp-contract=off: bench-fp must
 * round every double operation separately (RISC-V would otherwise fuse into fmadd.d), and link
 * with -lm (gcc keeps a call to sqrt() for its errno path, also with -static). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ONE_MIB ((size_t)1 << 20)
#define PAGE_BYTES ((size_t)4096)
#define SCALE_MAX 1000u
#define ALL_LIST "hello,bench-int,bench-mem,bench-fork,bench-fp"

/* ---- clock, little-endian bytes ---------------------------------------------------------- */

/* Seconds of CLOCK_MONOTONIC (in the guest the vDSO reads the time CSR). */
static double clock_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Checksums hash 64-bit values as their 8 little-endian bytes, whatever the host order. */
static void le64_store(uint8_t out[8], uint64_t v)
{
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(v >> (8 * i));
}

/* ---- CRC-32 (IEEE, reflected 0xEDB88320; zlib.crc32 semantics) ---------------------------- */

static uint32_t crc_tab[256];

static void crc_tab_build(void)
{
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t r = n;
        for (int b = 0; b < 8; b++)
            r = (r & 1) ? (r >> 1) ^ 0xEDB88320u : r >> 1;
        crc_tab[n] = r;
    }
}

/* Continue a CRC: crc32_more(crc32_more(0, a), b) == crc32 of a followed by b. */
static uint32_t crc32_more(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = data;
    if (crc_tab[1] == 0)
        crc_tab_build();
    crc = ~crc;
    for (size_t i = 0; i < len; i++)
        crc = crc_tab[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

static uint32_t crc32_more_u64(uint32_t crc, uint64_t v)
{
    uint8_t b[8];
    le64_store(b, v);
    return crc32_more(crc, b, sizeof b);
}

/* ---- test data: xorshift64* ------------------------------------------------------------- */

/* State step x ^= x>>12, x ^= x<<25, x ^= x>>27; output = state * 0x2545F4914F6CDD1D. */
static uint64_t xs_next(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * UINT64_C(0x2545F4914F6CDD1D);
}

/* Stream of outputs as 8 little-endian bytes each; a partial tail takes the low bytes of one
 * output per byte. Filling in pieces that are multiples of 8 gives the same stream. */
static void xs_fill(uint64_t *state, uint8_t *dst, size_t len)
{
    size_t i = 0;
    for (; len - i >= 8; i += 8) {
        uint64_t v = xs_next(state);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        memcpy(dst + i, &v, 8); /* one store instead of eight */
#else
        le64_store(dst + i, v);
#endif
    }
    for (; i < len; i++)
        dst[i] = (uint8_t)xs_next(state);
}

/* ---- SHA-256 (FIPS 180-4) --------------------------------------------------------------- */

typedef struct Sha256 {
    uint32_t h[8];
    uint8_t block[64];
    size_t used;    /* bytes waiting in block */
    uint64_t total; /* message bytes so far */
} Sha256;

static const uint32_t sha_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t rotr32(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

static void sha256_compress(uint32_t h[8], const uint8_t *blk)
{
    uint32_t w[64];
    for (int t = 0; t < 16; t++)
        w[t] = (uint32_t)blk[4 * t] << 24 | (uint32_t)blk[4 * t + 1] << 16 |
               (uint32_t)blk[4 * t + 2] << 8 | blk[4 * t + 3];
    for (int t = 16; t < 64; t++) {
        uint32_t s0 = rotr32(w[t - 15], 7) ^ rotr32(w[t - 15], 18) ^ (w[t - 15] >> 3);
        uint32_t s1 = rotr32(w[t - 2], 17) ^ rotr32(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
    for (int t = 0; t < 64; t++) {
        uint32_t t1 = k + (rotr32(e, 6) ^ rotr32(e, 11) ^ rotr32(e, 25)) + ((e & f) ^ (~e & g)) +
                      sha_k[t] + w[t];
        uint32_t t2 =
            (rotr32(a, 2) ^ rotr32(a, 13) ^ rotr32(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        k = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += k;
}

static void sha256_start(Sha256 *s)
{
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(s->h, iv, sizeof iv);
    s->used = 0;
    s->total = 0;
}

static void sha256_feed(Sha256 *s, const uint8_t *p, size_t n)
{
    s->total += n;
    while (n > 0) {
        if (s->used == 0 && n >= 64) { /* whole blocks straight from the input */
            sha256_compress(s->h, p);
            p += 64;
            n -= 64;
            continue;
        }
        size_t take = 64 - s->used < n ? 64 - s->used : n;
        memcpy(s->block + s->used, p, take);
        s->used += take;
        p += take;
        n -= take;
        if (s->used == 64) {
            sha256_compress(s->h, s->block);
            s->used = 0;
        }
    }
}

/* Pads, finishes and writes the digest as 64 lowercase hex digits plus NUL into hex. */
static void sha256_hex(Sha256 *s, char hex[65])
{
    uint64_t bits = s->total * 8;
    uint8_t pad[72] = {0x80};
    size_t padlen = (s->used < 56 ? 56 : 120) - s->used;
    for (int i = 0; i < 8; i++)
        pad[padlen + i] = (uint8_t)(bits >> (56 - 8 * i));
    sha256_feed(s, pad, padlen + 8);
    for (int i = 0; i < 8; i++)
        snprintf(hex + 8 * i, 9, "%08x", (unsigned)s->h[i]);
}

/* ---- workloads --------------------------------------------------------------------------- */

/* A workload returns NULL and writes its checksum to sum (>= 72 bytes), or returns why it
 * failed. scale is 1..SCALE_MAX. */
typedef const char *WorkloadFn(unsigned scale, char *sum);

static const char *wl_hello(unsigned scale, char *sum)
{
    static const char text[] = "hello from guest";
    (void)scale;
    puts(text);
    sprintf(sum, "%08x", (unsigned)crc32_more(0, text, sizeof text - 1));
    return NULL;
}

/* SHA-256 of the first 4 MiB x scale of the xorshift64* stream seeded 0x9E3779B97F4A7C15. */
static const char *wl_bench_int(unsigned scale, char *sum)
{
    uint64_t state = UINT64_C(0x9E3779B97F4A7C15);
    unsigned mibs = 4 * scale;
    uint8_t *chunk = malloc(ONE_MIB);
    if (!chunk)
        return "out of memory";
    Sha256 sha;
    double t0 = clock_seconds();
    sha256_start(&sha);
    for (unsigned m = 0; m < mibs; m++) {
        xs_fill(&state, chunk, ONE_MIB);
        sha256_feed(&sha, chunk, ONE_MIB);
    }
    sha256_hex(&sha, sum);
    double dt = clock_seconds() - t0;
    free(chunk);
    printf("guest: bench-int: sha256 of %u MiB in %.6f s (%.2f MiB/s)\n", mibs, dt, mibs / dt);
    return NULL;
}

/* 16 MiB buffer filled from xorshift64* seeded 0x0123456789ABCDEF (first touch of 4096 pages).
 * Two regions of HALF bytes each: A at offset 0, B at 8 MiB + 36 KiB (not a power-of-two apart,
 * so a direct-mapped software TLB does not alias them); B ends at the buffer's end. Pass p
 * (0 .. 4*scale-1) copies towards B when p is even and towards A when odd: the destination is
 * first set to byte (p*37+1) mod 256, then gets the first HALF - 4096*(p%64+1) bytes of the
 * source. Then 64*scale walks read one byte per page from offset (r*72)%4096 on, folding
 * walk = walk*31 + byte (64-bit). Checksum: CRC-32 of the buffer followed by walk's 8 bytes. */
static const char *wl_bench_mem(unsigned scale, char *sum)
{
    const size_t total = 16 * ONE_MIB, gap = 9 * PAGE_BYTES;
    const size_t half = total / 2 - gap;
    const unsigned passes = 4 * scale;
    uint8_t *buf = malloc(total);
    if (!buf)
        return "out of memory";
    uint8_t *region_a = buf, *region_b = buf + total / 2 + gap;
    uint64_t state = UINT64_C(0x0123456789ABCDEF), walk = 0;

    double t = clock_seconds();
    xs_fill(&state, buf, total);
    double t_fill = clock_seconds() - t, t_set = 0, t_copy = 0;

    for (unsigned p = 0; p < passes; p++) {
        uint8_t *to = (p % 2 == 0) ? region_b : region_a;
        const uint8_t *from = (p % 2 == 0) ? region_a : region_b;
        t = clock_seconds();
        memset(to, (int)((p * 37 + 1) & 0xFF), half);
        double t_mid = clock_seconds();
        memcpy(to, from, half - PAGE_BYTES * (p % 64 + 1));
        t_copy += clock_seconds() - t_mid;
        t_set += t_mid - t;
    }

    t = clock_seconds();
    for (unsigned r = 0; r < 64 * scale; r++)
        for (size_t at = (size_t)r * 72 % PAGE_BYTES; at < total; at += PAGE_BYTES)
            walk = walk * 31 + buf[at];
    double t_walk = clock_seconds() - t;

    t = clock_seconds();
    uint32_t crc = crc32_more_u64(crc32_more(0, buf, total), walk);
    double t_crc = clock_seconds() - t;
    free(buf);

    double moved = (double)passes * (double)half / (double)ONE_MIB;
    printf("guest: bench-mem: fill %.6f s, memset %.2f MiB/s, memcpy %.2f MiB/s, "
           "page-walk %.6f s, crc32 %.2f MiB/s\n",
           t_fill, moved / t_set, moved / t_copy, t_walk, 16.0 / t_crc);
    sprintf(sum, "%08x", (unsigned)crc);
    return NULL;
}

/* 200 x scale rounds of fork + execl("/proc/self/exe", "init", "exit", i%128) + waitpid; each
 * child must exit with i%128. Checksum: CRC-32 of the exit codes, one byte each, in order. */
static const char *wl_bench_fork(unsigned scale, char *sum)
{
    const unsigned rounds = 200 * scale;
    uint32_t crc = 0;
    double t0 = clock_seconds();
    fflush(NULL); /* children must not inherit unwritten output */
    for (unsigned i = 0; i < rounds; i++) {
        unsigned want = i % 128;
        char arg[8];
        snprintf(arg, sizeof arg, "%u", want);
        pid_t child = fork();
        if (child < 0) {
            printf("guest: bench-fork: fork: %s\n", strerror(errno));
            return "fork failed";
        }
        if (child == 0) {
            execl("/proc/self/exe", "init", "exit", arg, (char *)NULL);
            _exit(255);
        }
        int status = 0;
        pid_t got;
        do
            got = waitpid(child, &status, 0);
        while (got < 0 && errno == EINTR);
        if (got != child || !WIFEXITED(status) || (unsigned)WEXITSTATUS(status) != want) {
            printf("guest: bench-fork: round %u: status 0x%x, wanted exit %u\n", i, status, want);
            return "bad child status";
        }
        uint8_t code = (uint8_t)want;
        crc = crc32_more(crc, &code, 1);
    }
    double dt = clock_seconds() - t0;
    printf("guest: bench-fork: %u fork+exec+wait in %.6f s (%.1f us each)\n", rounds, dt,
           dt * 1e6 / rounds);
    sprintf(sum, "%08x", (unsigned)crc);
    return NULL;
}

/* Per round r (0 .. scale-1): Mandelbrot over a 256 x 192 grid, pixel (x, y) at
 * c = (-2.1 + 2.8*x/255) + i(-1.2 + 2.4*y/191), at most 256 steps of z = z^2 + c from 0 while
 * |z|^2 <= 4, counting steps; then series += sqrt(k) / (k + r) for k = 1..100000. Every
 * operation is a correctly rounded IEEE double op, evaluated left to right as written, so the
 * result is the same on any correct FPU. Checksum: CRC-32 of the 8 bytes of the step count
 * (uint64) followed by the 8 bytes of the series (binary64), both little-endian. */
static const char *wl_bench_fp(unsigned scale, char *sum)
{
    enum { GRID_W = 256, GRID_H = 192, STEP_MAX = 256, SERIES_N = 100000 };
    uint64_t steps = 0;
    double series = 0.0, t0 = clock_seconds();
    for (unsigned r = 0; r < scale; r++) {
        for (int y = 0; y < GRID_H; y++) {
            double c_im = -1.2 + 2.4 * y / (GRID_H - 1);
            for (int x = 0; x < GRID_W; x++) {
                double c_re = -2.1 + 2.8 * x / (GRID_W - 1);
                double z_re = 0.0, z_im = 0.0;
                int n = 0;
                for (; n < STEP_MAX; n++) {
                    double re2 = z_re * z_re, im2 = z_im * z_im;
                    if (re2 + im2 > 4.0)
                        break;
                    z_im = 2.0 * z_re * z_im + c_im;
                    z_re = re2 - im2 + c_re;
                }
                steps += (uint64_t)n;
            }
        }
        for (unsigned k = 1; k <= SERIES_N; k++)
            series += sqrt((double)k) / (double)(k + r);
    }
    double dt = clock_seconds() - t0;
    printf("guest: bench-fp: %llu mandelbrot iterations, series %.17g, %.6f s\n",
           (unsigned long long)steps, series, dt);
    uint64_t series_bits;
    memcpy(&series_bits, &series, sizeof series_bits);
    sprintf(sum, "%08x", (unsigned)crc32_more_u64(crc32_more_u64(0, steps), series_bits));
    return NULL;
}

/* Reads /dev/vda to its end; checksum = CRC-32 of all its bytes. */
static const char *wl_blk(unsigned scale, char *sum)
{
    static uint8_t chunk[64 * 1024];
    (void)scale;
    double t0 = clock_seconds();
    int fd = open("/dev/vda", O_RDONLY);
    if (fd < 0) {
        printf("guest: blk: /dev/vda: %s\n", strerror(errno));
        return "cannot open /dev/vda";
    }
    uint32_t crc = 0;
    unsigned long long bytes = 0;
    ssize_t got;
    while ((got = read(fd, chunk, sizeof chunk)) != 0) {
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            printf("guest: blk: read: %s\n", strerror(errno));
            close(fd);
            return "read error";
        }
        crc = crc32_more(crc, chunk, (size_t)got);
        bytes += (unsigned long long)got;
    }
    close(fd);
    printf("guest: blk: read %llu bytes from /dev/vda in %.6f s\n", bytes, clock_seconds() - t0);
    sprintf(sum, "%08x", (unsigned)crc);
    return NULL;
}

static void print_file(const char *path)
{
    char chunk[4096];
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("cat: %s: %s\n", path, strerror(errno));
        return;
    }
    fflush(stdout);
    ssize_t got;
    while ((got = read(fd, chunk, sizeof chunk)) > 0)
        fwrite(chunk, 1, (size_t)got, stdout);
    close(fd);
    fflush(stdout);
}

static void print_dir(const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        printf("ls: %s: %s\n", path, strerror(errno));
        return;
    }
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (e->d_name[0] != '.')
            printf("%s%s\n", e->d_name, e->d_type == DT_DIR ? "/" : "");
    closedir(d);
}

/* Prints what the kernel found (CPU, memory, interrupts, I/O map, devices); checksum "ok". */
static const char *wl_info(unsigned scale, char *sum)
{
    static const char *const files[] = {"/proc/version",    "/proc/cpuinfo", "/proc/meminfo",
                                        "/proc/interrupts", "/proc/iomem",   "/proc/cmdline"};
    (void)scale;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        printf("--- %s\n", files[i]);
        print_file(files[i]);
    }
    printf("--- /dev\n");
    print_dir("/dev");
    strcpy(sum, "ok");
    return NULL;
}

/* The workload table: X(name, function, help text). */
#define WORKLOAD_TABLE(X)                                                                          \
    X("hello", wl_hello, "print 'hello from guest'")                                               \
    X("bench-int", wl_bench_int, "SHA-256 of 4 MiB x scale of xorshift64* data")                   \
    X("bench-mem", wl_bench_mem, "fill, memset/memcpy, page walk, CRC-32 of 16 MiB")               \
    X("bench-fork", wl_bench_fork, "200 x scale fork + exec + wait")                               \
    X("bench-fp", wl_bench_fp, "Mandelbrot 256x192 + sqrt/divide series (double)")                 \
    X("blk", wl_blk, "read /dev/vda to the end, CRC-32 of its bytes")                              \
    X("info", wl_info, "print /proc/{version,cpuinfo,meminfo,interrupts,iomem,cmdline}, /dev")

static const struct {
    const char *name;
    WorkloadFn *fn;
    const char *help;
} workloads[] = {
#define WORKLOAD_ROW(name, fn, help) {name, fn, help},
    WORKLOAD_TABLE(WORKLOAD_ROW)
#undef WORKLOAD_ROW
};
#define WORKLOAD_COUNT (sizeof workloads / sizeof workloads[0])

/* Runs one workload and prints its time + done lines, or a fail line; 0 on success. */
static int workload_run(const char *name, unsigned scale)
{
    for (size_t i = 0; i < WORKLOAD_COUNT; i++) {
        if (strcmp(workloads[i].name, name) != 0)
            continue;
        char sum[72] = "";
        fflush(stdout);
        double t0 = clock_seconds();
        const char *why = workloads[i].fn(scale, sum);
        double dt = clock_seconds() - t0;
        if (why)
            printf("guest: fail %s %s\n", name, why);
        else
            printf("guest: time %s %.6f s\nguest: done %s %s\n", name, dt, name, sum);
        fflush(stdout);
        return why ? -1 : 0;
    }
    printf("guest: fail %s unknown workload\n", name);
    fflush(stdout);
    return -1;
}

/* Runs a comma-separated list ("all" = ALL_LIST) in order; returns the number that failed. */
static int workload_run_list(const char *list, unsigned scale)
{
    char names[512];
    int failed = 0;
    snprintf(names, sizeof names, "%s", strcmp(list, "all") == 0 ? ALL_LIST : list);
    char *save = NULL;
    for (char *n = strtok_r(names, ",", &save); n; n = strtok_r(NULL, ",", &save))
        failed += workload_run(n, scale) != 0;
    return failed;
}

/* "N" in 1..SCALE_MAX, else 1 (also when s is NULL). */
static unsigned scale_parse(const char *s)
{
    if (!s)
        return 1;
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    return (end != s && v >= 1 && v <= SCALE_MAX) ? (unsigned)v : 1;
}

/* ---- shell ------------------------------------------------------------------------------- */

/* Never returns: PID 1 exiting would panic the kernel. */
static void machine_stop(int how)
{
    printf("guest: %s\n", how == RB_POWER_OFF ? "poweroff" : "reboot");
    fflush(stdout);
    sync();
    reboot(how);
    printf("guest: reboot(): %s\n", strerror(errno));
    fflush(stdout);
    for (;;)
        pause();
}

static void shell_help(void)
{
    printf("built-ins:\n"
           "  help                       this list\n"
           "  echo ARGS...               print ARGS\n"
           "  cat FILE...                print files\n"
           "  ls [DIR]                   list a directory (default /)\n"
           "  uname                      kernel name, release, version, machine\n"
           "  uptime                     seconds since boot\n"
           "  sleep SECONDS              wait\n"
           "  mount DEV DIR [FS [OPTS]]  mount a file system (default ext2)\n"
           "  run NAME[,NAME] [N]        run workloads at scale N (default 1)\n"
           "  poweroff | reboot\n"
           "workloads:\n");
    for (size_t i = 0; i < WORKLOAD_COUNT; i++)
        printf("  %-26s %s\n", workloads[i].name, workloads[i].help);
    printf("  %-26s %s\n", "all", ALL_LIST);
}

static void shell_command(int argc, char **argv)
{
    const char *cmd = argv[0];
    if (!strcmp(cmd, "help")) {
        shell_help();
    } else if (!strcmp(cmd, "echo")) {
        for (int i = 1; i < argc; i++)
            printf(i + 1 < argc ? "%s " : "%s", argv[i]);
        printf("\n");
    } else if (!strcmp(cmd, "cat")) {
        for (int i = 1; i < argc; i++)
            print_file(argv[i]);
    } else if (!strcmp(cmd, "ls")) {
        print_dir(argc > 1 ? argv[1] : "/");
    } else if (!strcmp(cmd, "uname")) {
        struct utsname u;
        uname(&u);
        printf("%s %s %s %s\n", u.sysname, u.release, u.version, u.machine);
    } else if (!strcmp(cmd, "uptime")) {
        print_file("/proc/uptime");
    } else if (!strcmp(cmd, "sleep") && argc > 1) {
        double secs = strtod(argv[1], NULL);
        if (secs > 0) {
            struct timespec ts = {(time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9)};
            while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
                ;
        }
    } else if (!strcmp(cmd, "mount") && argc > 2) {
        if (mount(argv[1], argv[2], argc > 3 ? argv[3] : "ext2", 0, argc > 4 ? argv[4] : NULL))
            printf("mount: %s\n", strerror(errno));
    } else if (!strcmp(cmd, "run") && argc > 1) {
        workload_run_list(argv[1], scale_parse(argc > 2 ? argv[2] : NULL));
    } else if (!strcmp(cmd, "poweroff")) {
        machine_stop(RB_POWER_OFF);
    } else if (!strcmp(cmd, "reboot")) {
        machine_stop(RB_AUTOBOOT);
    } else {
        printf("%s: unknown command (try help)\n", cmd);
    }
}

static void shell(void)
{
    char line[512];
    printf("guest: shell ready (type help)\n");
    for (;;) {
        printf("guest# ");
        fflush(stdout);
        if (!fgets(line, sizeof line, stdin)) {
            printf("\nguest: console closed\n");
            machine_stop(RB_POWER_OFF);
        }
        char *argv[32], *save = NULL;
        int argc = 0;
        for (char *w = strtok_r(line, " \t\r\n", &save); w && argc < 31;
             w = strtok_r(NULL, " \t\r\n", &save))
            argv[argc++] = w;
        argv[argc] = NULL;
        if (argc > 0)
            shell_command(argc, argv);
        fflush(stdout);
    }
}

/* ---- PID 1 ------------------------------------------------------------------------------- */

static void mount_early(const char *what, const char *dir)
{
    mkdir(dir, 0755);
    if (mount(what, dir, what, 0, NULL) != 0 && errno != EBUSY)
        printf("guest: mount %s on %s: %s\n", what, dir, strerror(errno));
}

/* Copies the value of the word "key=value" on /proc/cmdline to out; 1 if found. The kernel
 * keeps dotted options (module parameters) from init's argv, hence /proc/cmdline. */
static int cmdline_value(const char *key, char *out, size_t size)
{
    char line[4096];
    int fd = open("/proc/cmdline", O_RDONLY);
    if (fd < 0)
        return 0;
    ssize_t got = read(fd, line, sizeof line - 1);
    close(fd);
    if (got <= 0)
        return 0;
    line[got] = '\0';
    size_t klen = strlen(key);
    char *save = NULL;
    for (char *w = strtok_r(line, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save)) {
        if (strncmp(w, key, klen) == 0 && w[klen] == '=') {
            snprintf(out, size, "%s", w + klen + 1);
            return 1;
        }
    }
    return 0;
}

static int pid1_main(void)
{
    mount_early("devtmpfs", "/dev");
    mount_early("proc", "/proc");
    mount_early("sysfs", "/sys");
    /* The kernel gives init /dev/console as fds 0-2 only if the initramfs has the node. */
    if (fcntl(STDOUT_FILENO, F_GETFD) < 0) {
        int fd = open("/dev/console", O_RDWR);
        for (int i = 0; fd >= 0 && i < 3; i++)
            dup2(fd, i);
        if (fd > 2)
            close(fd);
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("guest: init started\n");

    struct utsname u;
    uname(&u);
    double uptime = 0;
    FILE *f = fopen("/proc/uptime", "r");
    if (f) {
        if (fscanf(f, "%lf", &uptime) != 1)
            uptime = 0;
        fclose(f);
    }
    printf("guest: kernel %s %s %s, uptime %.2f s\n", u.sysname, u.release, u.machine, uptime);

    char list[256], scale_word[16];
    if (cmdline_value("guest.run", list, sizeof list)) {
        unsigned scale = 1;
        if (cmdline_value("guest.scale", scale_word, sizeof scale_word))
            scale = scale_parse(scale_word);
        workload_run_list(list, scale);
        machine_stop(RB_POWER_OFF);
    }
    shell();
    return 0;
}

int main(int argc, char **argv)
{
    if (getpid() == 1)
        return pid1_main();
    if (argc == 3 && !strcmp(argv[1], "exit"))
        return atoi(argv[2]);
    if ((argc == 3 || argc == 4) && !strcmp(argv[1], "run"))
        return workload_run_list(argv[2], scale_parse(argc == 4 ? argv[3] : NULL)) ? 1 : 0;
    fprintf(stderr,
            "usage: %s run NAME[,NAME...] [SCALE] | %s exit CODE\n"
            "(as PID 1 it is the guest's init: see the comment at the top of init.c)\n",
            argv[0], argv[0]);
    return 2;
}
