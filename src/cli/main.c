/*
 * main.c - entry point of the `yuma` command-line tool: dispatches to one
 * subcommand per file (sim.c, bench.c, ...).
 */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

static void usage(FILE *f)
{
    fputs("usage: yuma <command> [options]\n"
          "\n"
          "commands:\n"
          "  sim FILE|-         run an epoch scenario, print one JSON line per epoch (--table for a table)\n"
          "  bench epoch ...    time the Yuma Consensus epoch on a random subnet\n"
          "  bench chain ...    throughput of signed transfers through the chain state machine\n"
          "  bench chain-epochs cost of blocks that carry the maximum number of subnet epochs\n"
          "  help               show this message\n",
          f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "sim") == 0) return cmd_sim(argc - 1, argv + 1);
    if (strcmp(cmd, "bench") == 0) return cmd_bench(argc - 1, argv + 1);
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "yuma: unknown command '%s' (try 'yuma help')\n", cmd);
    return 2;
}
