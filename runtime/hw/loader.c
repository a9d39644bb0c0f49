/* loader.c - guest image loader (see loader.h).  Files are read whole and
 * parsed with explicit little-endian reads, so a truncated or hostile file
 * can only produce an error message. */
#include "hw/loader.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/file.h"

#define EM_RISCV 243
#define PT_LOAD 1
#define SHT_SYMTAB 2
#define ELF_EHDR_SIZE 64
#define ELF_PHDR_SIZE 56
#define ELF_SHDR_SIZE 64
#define ELF_SYM_SIZE 24

/* RISC-V Image header (Documentation/riscv/boot-image-header.rst). */
#define IMAGE_TEXT_OFFSET 0x08
#define IMAGE_SIZE 0x10
#define IMAGE_MAGIC 0x30  /* "RISCV\0\0\0" */
#define IMAGE_MAGIC2 0x38 /* "RSC\x05" */
#define IMAGE_HEADER_SIZE 0x40

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static int fail(const char *path, const char *what)
{
    fprintf(stderr, "kiln: %s: %s\n", path, what);
    return -1;
}

/* Read a whole file (at most limit bytes), or print why not. */
static int read_file(const char *path, uint64_t limit, uint8_t **data, size_t *size)
{
    int rc = file_read_hashed(path, limit > SIZE_MAX ? SIZE_MAX : (size_t)limit, data, size);
    if (rc == -EFBIG)
        return fail(path, "too big for guest RAM");
    if (rc) {
        fprintf(stderr, "kiln: %s: cannot read: %s\n", path, strerror(-rc));
        return -1;
    }
    return 0;
}

static bool is_image(const uint8_t *d, size_t n)
{
    return n >= IMAGE_HEADER_SIZE && memcmp(d + IMAGE_MAGIC, "RISCV\0\0\0", 8) == 0 &&
           memcmp(d + IMAGE_MAGIC2, "RSC\x05", 4) == 0;
}

static bool is_elf(const uint8_t *d, size_t n)
{
    return n >= 4 && memcmp(d,
                            "\x7f"
                            "ELF",
                            4) == 0;
}

static int load_image(Bus *bus, const char *path, const uint8_t *d, size_t n, uint64_t addr,
                      LoadInfo *info)
{
    uint64_t image_size = rd64(d + IMAGE_SIZE); /* including bss; 0 = unknown */
    uint64_t need = image_size > n ? image_size : n;
    uint8_t *dst = bus_ram_ptr(bus, addr, need);
    if (!dst)
        return fail(path, "kernel Image (with its bss) does not fit in guest RAM");
    memcpy(dst, d, n);
    info->kind = LOAD_IMAGE;
    info->entry = addr;
    info->low = addr;
    info->high = addr + need;
    return 0;
}

/* Physical address for a virtual one, through the PT_LOAD that maps it. */
static uint64_t elf_v2p(const uint8_t *d, uint64_t phoff, unsigned phnum, uint64_t va)
{
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = d + phoff + (uint64_t)i * ELF_PHDR_SIZE;
        uint64_t vaddr = rd64(ph + 16), memsz = rd64(ph + 40);
        if (rd32(ph) == PT_LOAD && va >= vaddr && va - vaddr < memsz)
            return rd64(ph + 24) + (va - vaddr);
    }
    return va;
}

/* Find symbols tohost/fromhost in .symtab (bounds-checked). */
static void elf_find_htif(const uint8_t *d, size_t n, uint64_t phoff, unsigned phnum,
                          LoadInfo *info)
{
    uint64_t shoff = rd64(d + 40);
    unsigned shentsize = rd16(d + 58), shnum = rd16(d + 60);
    if (!shoff || shentsize != ELF_SHDR_SIZE || shoff > n ||
        (uint64_t)shnum * ELF_SHDR_SIZE > n - shoff)
        return;
    for (unsigned i = 0; i < shnum; i++) {
        const uint8_t *sh = d + shoff + (uint64_t)i * ELF_SHDR_SIZE;
        if (rd32(sh + 4) != SHT_SYMTAB)
            continue;
        uint64_t off = rd64(sh + 24), size = rd64(sh + 32);
        unsigned link = rd32(sh + 40);
        if (link >= shnum || off > n || size > n - off)
            continue;
        const uint8_t *strsh = d + shoff + (uint64_t)link * ELF_SHDR_SIZE;
        uint64_t stroff = rd64(strsh + 24), strsize = rd64(strsh + 32);
        if (stroff > n || strsize > n - stroff)
            continue;
        for (uint64_t s = 0; s + ELF_SYM_SIZE <= size; s += ELF_SYM_SIZE) {
            const uint8_t *sym = d + off + s;
            uint32_t name = rd32(sym);
            if (name >= strsize)
                continue;
            const char *nm = (const char *)d + stroff + name;
            size_t maxlen = strsize - name;
            uint64_t value = elf_v2p(d, phoff, phnum, rd64(sym + 8));
            if (strnlen(nm, maxlen) == 6 && memcmp(nm, "tohost", 6) == 0) {
                info->has_tohost = true;
                info->tohost = value;
            } else if (strnlen(nm, maxlen) == 8 && memcmp(nm, "fromhost", 8) == 0) {
                info->fromhost = value;
            }
        }
    }
}

static int load_elf(Bus *bus, const char *path, const uint8_t *d, size_t n, LoadInfo *info)
{
    if (n < ELF_EHDR_SIZE)
        return fail(path, "truncated ELF header");
    if (d[4] != 2 || d[5] != 1)
        return fail(path, "not a 64-bit little-endian ELF");
    if (rd16(d + 18) != EM_RISCV)
        return fail(path, "ELF is not for RISC-V (wrong e_machine)");
    uint16_t type = rd16(d + 16);
    if (type != 2 && type != 3)
        return fail(path, "ELF is not an executable");
    uint64_t phoff = rd64(d + 32);
    unsigned phentsize = rd16(d + 54), phnum = rd16(d + 56);
    if (phnum == 0 || phentsize != ELF_PHDR_SIZE || phoff > n ||
        (uint64_t)phnum * ELF_PHDR_SIZE > n - phoff)
        return fail(path, "truncated or invalid ELF program headers");
    /* Validate every segment before writing any. */
    uint64_t low = UINT64_MAX, high = 0;
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = d + phoff + (uint64_t)i * ELF_PHDR_SIZE;
        if (rd32(ph) != PT_LOAD)
            continue;
        uint64_t off = rd64(ph + 8), paddr = rd64(ph + 24);
        uint64_t filesz = rd64(ph + 32), memsz = rd64(ph + 40);
        if (filesz > memsz || off > n || filesz > n - off)
            return fail(path, "truncated ELF (segment beyond end of file)");
        if (memsz && !bus_ram_ptr(bus, paddr, memsz))
            return fail(path, "ELF segment lies outside guest RAM");
        if (memsz && paddr < low)
            low = paddr;
        if (memsz && paddr + memsz > high)
            high = paddr + memsz;
    }
    if (high == 0)
        return fail(path, "ELF has no loadable segment");
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = d + phoff + (uint64_t)i * ELF_PHDR_SIZE;
        uint64_t memsz = rd64(ph + 40);
        if (rd32(ph) != PT_LOAD || memsz == 0)
            continue;
        uint64_t off = rd64(ph + 8), paddr = rd64(ph + 24), filesz = rd64(ph + 32);
        uint8_t *dst = bus_ram_ptr(bus, paddr, memsz);
        memcpy(dst, d + off, filesz);
        memset(dst + filesz, 0, memsz - filesz);
    }
    info->kind = LOAD_ELF;
    info->entry = elf_v2p(d, phoff, phnum, rd64(d + 24));
    info->low = low;
    info->high = high;
    elf_find_htif(d, n, phoff, phnum, info);
    return 0;
}

int loader_load_kernel(Bus *bus, const char *path, uint64_t image_addr, LoadInfo *info)
{
    uint8_t *d;
    size_t n;
    memset(info, 0, sizeof(*info));
    if (read_file(path, bus->ram_size, &d, &n))
        return -1;
    int r;
    if (is_image(d, n))
        r = load_image(bus, path, d, n, image_addr, info);
    else if (is_elf(d, n))
        r = load_elf(bus, path, d, n, info);
    else
        r = fail(path, "not a RISC-V Linux Image or an ELF file");
    free(d);
    return r;
}

int loader_load_raw(Bus *bus, const char *path, uint64_t addr, uint64_t max_size, LoadInfo *info)
{
    uint8_t *d;
    size_t n;
    memset(info, 0, sizeof(*info));
    if (read_file(path, bus->ram_size, &d, &n))
        return -1;
    uint8_t *dst = bus_ram_ptr(bus, addr, n);
    if (n == 0 || n > max_size || !dst) {
        free(d);
        return fail(path, n == 0 ? "empty file" : "too big for its place in guest RAM");
    }
    memcpy(dst, d, n);
    free(d);
    info->kind = LOAD_RAW;
    info->entry = addr;
    info->low = addr;
    info->high = addr + n;
    return 0;
}

int loader_load_firmware(Bus *bus, const char *path, uint64_t addr, uint64_t max_size,
                         LoadInfo *info)
{
    uint8_t *d;
    size_t n;
    memset(info, 0, sizeof(*info));
    if (read_file(path, bus->ram_size, &d, &n))
        return -1;
    bool elf = is_elf(d, n);
    int r = elf ? load_elf(bus, path, d, n, info) : 0;
    free(d);
    return elf ? r : loader_load_raw(bus, path, addr, max_size, info);
}
