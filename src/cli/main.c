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
          "  devnet [--dir DIR] [--block-ms MS] [--epochs N]   a local network with a subnet at work\n"
          "  devnet setup|epoch --rpc URL [--netuid N]  the devnet's subnet on a running node; its next epoch\n"
          "  cluster up N|down|status|check|load [--dir DIR] [--base-port P]   nodes ordered by etcd on loopback\n"
          "  sim FILE|-         run an epoch scenario, print one JSON line per epoch (--table for a table)\n"
          "  bench epoch ...    time the Yuma Consensus epoch on a random subnet\n"
          "  bench chain ...    throughput of signed transfers through the chain state machine\n"
          "  bench chain-epochs cost of blocks that carry the maximum number of subnet epochs\n"
          "  train [--config T0|T1] [--steps N] ...   train the subnet's GPT on the KJV corpus (train bench: throughput)\n"
          "  wallet create|regen|list|show --wallet W [--hotkey H]   encrypted keys in ~/.yuma/wallets\n"
          "  transfer --wallet W --dest ADDRESS --amount TAO\n"
          "  subnet list|show|create|start|set|trigger-epoch [--netuid N] [--wallet W --hotkey H] [--param P --value V]\n"
          "  subnet train sim [--config T0|T1] [--windows N] [--adversary KIND] ...   the training subnet simulated\n"
          "                     (miners, validators, Yuma emissions; --mode dense|single|central: baselines)\n"
          "  register --wallet W --hotkey H --netuid N        burned neuron registration\n"
          "  stake add|remove|move|transfer|swap|list --wallet W --hotkey H --netuid N --amount X [--limit-price P --partial]\n"
          "  weights set|commit|reveal --wallet W --hotkey H --netuid N --uids 1,2 --values 10,20 [--salt 1,2 | --data HASH]\n"
          "  serve --wallet W --hotkey H --netuid N --ip A.B.C.D --port P      commit --wallet W --hotkey H --netuid N --data TEXT\n"
          "  delegate take [increase] --wallet W --hotkey H --take T    children set --wallet W --hotkey H --netuid N [--child ADDR --proportion P]\n"
          "  metagraph --netuid N      balance ADDRESS      block [HEIGHT]      tx ID\n"
          "  gov propose|topup|respond|vote|appeal|escrow|withdraw|owner-transfer|show|list|notices|council|params\n"
          "                     the emission due process (docs/GOVERNANCE.md; yuma gov with no subcommand: usage)\n"
          "  gov log|history|metrics|guardian ...   the governance audit log, emission-share history,\n"
          "                     concentration metrics and the emergency lane\n"
          "  events [--from H] [--to H] [--netuid N] [--account ADDRESS] [--follow]   what blocks did\n"
          "  chain commands take --rpc URL (default $YUMA_RPC or http://127.0.0.1:9944/), --json, --no-wait\n"
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
    if (strcmp(cmd, "devnet") == 0) return cmd_devnet(argc - 1, argv + 1);
    if (strcmp(cmd, "events") == 0) return cmd_events(argc - 1, argv + 1);
    if (strcmp(cmd, "cluster") == 0) return cmd_cluster(argc - 1, argv + 1);
    if (strcmp(cmd, "train") == 0) return cmd_train(argc - 1, argv + 1);
    if (strcmp(cmd, "gov") == 0) return cmd_gov(argc - 1, argv + 1);
    if (strcmp(cmd, "subnet") == 0 && argc > 2 && strcmp(argv[2], "train") == 0)
        return cmd_subnet_train(argc - 2, argv + 2);
    static const char *const chain_cmds[] = {"wallet", "transfer", "subnet", "register", "stake", "weights",
                                             "metagraph", "block", "tx", "balance", "serve", "commit",
                                             "delegate", "children", NULL};
    for (int i = 0; chain_cmds[i]; i++) {
        if (strcmp(cmd, chain_cmds[i]) != 0) continue;
        /* The chain commands share one usage: this page. */
        for (int k = 2; k < argc; k++)
            if (strcmp(argv[k], "--help") == 0 || strcmp(argv[k], "-h") == 0) {
                usage(stdout);
                return 0;
            }
        return cmd_chain(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "yuma: unknown command '%s' (try 'yuma help')\n", cmd);
    return 2;
}
