/* aot.h - aot-tool's subcommands (each returns the process exit status:
 * 0 ok, 1 failed, 2 bad command line) and small shared helpers. */
#ifndef KILN_AOT_H
#define KILN_AOT_H
#include <stdint.h>

int aot_profile_main(int argc, char **argv); /* record.c */
int aot_merge_main(int argc, char **argv);   /* main.c */
int aot_inspect_main(int argc, char **argv); /* inspect.c */

/* tb_hash_bytes() of a whole file; -1 with a message naming it. */
int aot_hash_file(const char *path, uint64_t *hash);

#endif
