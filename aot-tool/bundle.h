/* bundle.h - `aot-tool bundle` (implemented in bundle.c).  Called by main.c
 * with the arguments from the subcommand name on (argv[0] == "bundle");
 * returns the process exit status (0 ok, 1 failed, 2 bad command line). */
#ifndef KILN_AOT_BUNDLE_H
#define KILN_AOT_BUNDLE_H

int aot_bundle_main(int argc, char **argv);

/* `aot-tool inspect FILE` on a file that starts with the Wasm magic
 * "\0asm": print what the bundle holds; same exit statuses. */
int aot_bundle_inspect(const char *path);

#endif
