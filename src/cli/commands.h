/* commands.h - the yuma executable's subcommands, one file per group. */
#ifndef YUMA_CLI_COMMANDS_H
#define YUMA_CLI_COMMANDS_H

int cmd_sim(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_chain(int argc, char **argv);
int cmd_devnet(int argc, char **argv);
int cmd_bench_chain(int argc, char **argv);
int cmd_bench_chain_epochs(int argc, char **argv);
int cmd_bench_node(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_cluster(int argc, char **argv);
int cmd_train(int argc, char **argv);
/* subnet_train.c: `yuma subnet train sim` (argv[0] is "train"). */
int cmd_subnet_train(int argc, char **argv);
/* subnet_train_net.c: `yuma subnet train miner|validator` (argv[0] is the role). */
int cmd_subnet_train_net(int argc, char **argv);
/* gov_audit.c: `yuma gov log|history|metrics|guardian` (argv[0] is the
 * subcommand), and cmd_gov_audit dispatching the four (argv[0] "gov"). */
int cmd_gov_log(int argc, char **argv);
int cmd_gov_history(int argc, char **argv);
int cmd_gov_metrics(int argc, char **argv);
int cmd_gov_guardian(int argc, char **argv);
int cmd_gov_audit(int argc, char **argv);
/* gov.c: `yuma gov` (argv[0] "gov"): the due process's subcommands, and
 * the ones above through cmd_gov_audit. */
int cmd_gov(int argc, char **argv);

/* txsend.c: signs, submits and (unless CLI_NO_WAIT) follows one call. */
#include "yuma/keys.h"
#include "yuma/rpc_client.h"
#include "yuma/tx.h"
enum { CLI_NO_WAIT = 1, CLI_JSON = 2, CLI_QUIET = 4 };
int cli_send(yuma_rpc_client *rc, const yuma_keypair *kp, const yuma_call *c, unsigned flags);
/* Calls method (params stolen); NULL after printing the error to stderr. */
json_t *cli_call(yuma_rpc_client *c, const char *method, json_t *params);
/* gov.c: the notice lines (§5.2) `yuma subnet show`, `yuma balance` and
 * `yuma stake list` print on stderr: the open proposals that target
 * subnet netuid (netuid >= 0), or that concern address (its owner or
 * staker role; netuid < 0). Silent when there are none. */
void cli_gov_notice_lines(yuma_rpc_client *rc, long netuid, const char *address);

#endif
