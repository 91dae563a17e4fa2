/* commands.h - the yuma executable's subcommands, one file per group. */
#ifndef YUMA_CLI_COMMANDS_H
#define YUMA_CLI_COMMANDS_H

int cmd_sim(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_chain(int argc, char **argv);
int cmd_bench_chain(int argc, char **argv);
int cmd_bench_chain_epochs(int argc, char **argv);
int cmd_bench_node(int argc, char **argv);

#endif
