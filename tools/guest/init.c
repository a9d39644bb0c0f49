/* init.c - /init of Kiln's self-built test guest (tools/build-guest).
 * Speaks the guest protocol of ../shared/guest/README.md: prints
 * "guest: init started", runs the workloads named by guest.run= on the kernel
 * command line ("guest: time NAME S", "guest: done NAME CHECKSUM" or
 * "guest: fail NAME REASON"), then "guest: poweroff"; without guest.run= it
 * gives a small shell. Implemented workloads: hello (checksum = CRC-32 of
 * "hello from guest", b554cbb2). The bench-* workloads of the shared guest are
 * not implemented here yet: they report "guest: fail NAME unknown workload". */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static uint32_t crc32_of(const void *data, size_t len)
{
    const uint8_t *p = data;
    uint32_t crc = 0xffffffffu;
    while (len--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
    }
    return ~crc;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A workload returns 0 and fills sum, or returns -1 and fills sum with why. */
typedef int WorkloadFunc(unsigned scale, char *sum, size_t n);

static int w_hello(unsigned scale, char *sum, size_t n)
{
    static const char msg[] = "hello from guest";
    (void)scale;
    printf("%s\n", msg);
    snprintf(sum, n, "%08x", crc32_of(msg, strlen(msg)));
    return 0;
}

static const struct {
    const char *name;
    WorkloadFunc *fn;
} workloads[] = {
    {"hello", w_hello},
};

static int run_one(const char *name, unsigned scale)
{
    char sum[128] = "unknown workload";
    for (size_t i = 0; i < sizeof workloads / sizeof workloads[0]; i++) {
        if (strcmp(workloads[i].name, name) != 0)
            continue;
        double t0 = now();
        int rc = workloads[i].fn(scale, sum, sizeof sum);
        double t = now() - t0;
        if (rc == 0) {
            printf("guest: time %s %.6f s\n", name, t);
            printf("guest: done %s %s\n", name, sum);
            fflush(stdout);
            return 0;
        }
        break;
    }
    printf("guest: fail %s %s\n", name, sum);
    fflush(stdout);
    return -1;
}

static void run_list(const char *list, unsigned scale)
{
    char buf[256];
    if (strcmp(list, "all") == 0)
        list = "hello,bench-int,bench-mem,bench-fork,bench-fp";
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
        run_one(t, scale);
}

static void power_off(void)
{
    printf("guest: poweroff\n");
    fflush(stdout);
    sync();
    reboot(RB_POWER_OFF);
    for (;;)
        pause();
}

/* Value of "key=" on /proc/cmdline, copied to out; 0 if found. */
static int cmdline_get(const char *key, char *out, size_t n)
{
    char line[2048];
    FILE *f = fopen("/proc/cmdline", "r");
    if (!f)
        return -1;
    size_t len = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[len] = 0;
    size_t kl = strlen(key);
    for (char *save = NULL, *t = strtok_r(line, " \n", &save); t;
         t = strtok_r(NULL, " \n", &save)) {
        if (strncmp(t, key, kl) == 0 && t[kl] == '=') {
            snprintf(out, n, "%s", t + kl + 1);
            return 0;
        }
    }
    return -1;
}

static void cat_file(const char *path)
{
    char buf[4096];
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("cat: %s: %s\n", path, strerror(errno));
        return;
    }
    ssize_t r;
    while ((r = read(fd, buf, sizeof buf)) > 0)
        fwrite(buf, 1, (size_t)r, stdout);
    close(fd);
}

static void shell(void)
{
    char line[512];
    for (;;) {
        printf("guest# ");
        fflush(stdout);
        if (!fgets(line, sizeof line, stdin))
            power_off();
        char *argv[16];
        int argc = 0;
        for (char *save = NULL, *t = strtok_r(line, " \t\n", &save); t && argc < 15;
             t = strtok_r(NULL, " \t\n", &save))
            argv[argc++] = t;
        argv[argc] = NULL;
        if (argc == 0)
            continue;
        if (!strcmp(argv[0], "help")) {
            printf("help echo cat ls uname uptime run poweroff reboot\n");
        } else if (!strcmp(argv[0], "echo")) {
            for (int i = 1; i < argc; i++)
                printf("%s%s", argv[i], i + 1 < argc ? " " : "");
            printf("\n");
        } else if (!strcmp(argv[0], "cat")) {
            for (int i = 1; i < argc; i++)
                cat_file(argv[i]);
        } else if (!strcmp(argv[0], "ls")) {
            DIR *d = opendir(argc > 1 ? argv[1] : ".");
            struct dirent *e;
            while (d && (e = readdir(d)))
                printf("%s\n", e->d_name);
            if (d)
                closedir(d);
        } else if (!strcmp(argv[0], "uname")) {
            struct utsname u;
            uname(&u);
            printf("%s %s %s\n", u.sysname, u.release, u.machine);
        } else if (!strcmp(argv[0], "uptime")) {
            cat_file("/proc/uptime");
        } else if (!strcmp(argv[0], "run") && argc > 1) {
            run_list(argv[1], argc > 2 ? (unsigned)atoi(argv[2]) : 1);
        } else if (!strcmp(argv[0], "poweroff")) {
            power_off();
        } else if (!strcmp(argv[0], "reboot")) {
            reboot(RB_AUTOBOOT);
        } else {
            printf("%s: unknown command (try help)\n", argv[0]);
        }
    }
}

int main(void)
{
    mount("proc", "/proc", "proc", 0, NULL);
    mount("sysfs", "/sys", "sysfs", 0, NULL);
    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("guest: init started\n");
    struct utsname u;
    uname(&u);
    char up[64] = "?";
    FILE *f = fopen("/proc/uptime", "r");
    if (f) {
        if (fscanf(f, "%63s", up) != 1)
            strcpy(up, "?");
        fclose(f);
    }
    printf("guest: kernel %s %s %s, uptime %s s\n", u.sysname, u.release, u.machine, up);
    char list[256], scale_s[32];
    unsigned scale = 1;
    if (cmdline_get("guest.scale", scale_s, sizeof scale_s) == 0)
        scale = (unsigned)atoi(scale_s);
    if (scale < 1 || scale > 1000)
        scale = 1;
    if (cmdline_get("guest.run", list, sizeof list) == 0) {
        run_list(list, scale);
        power_off();
    }
    shell();
    return 0;
}
