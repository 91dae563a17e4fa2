/*
 * cluster_cli.h - what `yuma cluster`'s two files share: the options and
 * saved configuration of a local cluster (cluster.c) and the check and
 * load tools (cluster_tools.c).
 */
#ifndef YUMA_CLI_CLUSTER_CLI_H
#define YUMA_CLI_CLUSTER_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct {
    char dir[4096];
    unsigned nodes, base_port, interval_ms, lease_s;
    uint64_t retain;
    bool given[5]; /* on the command line: --dir, --base-port, --interval-ms, --lease-s, --retain-blocks */
} cluster_opts;

/* Parses the shared flags from argv[first]; extra (NULL-terminated) names
 * flags of the subcommand, whose values land in extra_val. 0 or an exit
 * status after printing the error. */
int cluster_parse(int argc, char **argv, int first, cluster_opts *o, const char *const *extra, const char **extra_val);
/* Reads D/cluster.json; flags given that disagree with it are refused. */
bool cluster_load_config(cluster_opts *o, bool quiet);
void cluster_etcd_urls(const cluster_opts *o, char *out, size_t len);
void cluster_node_url(const cluster_opts *o, unsigned j, char *out, size_t len);
/* The member's pid (from D/<name>.pid); true when it runs program. */
bool cluster_member_pid(const cluster_opts *o, const char *name, const char *program, pid_t *pid);
/* GET url: parsed JSON or NULL. */
json_t *cluster_get_json(const char *url);

int cluster_check(int argc, char **argv);
int cluster_loadgen(int argc, char **argv);

#endif
