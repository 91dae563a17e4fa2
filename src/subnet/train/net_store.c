/*
 * net_store.c - the artefact store of training-subnet.md §7.2 mapped onto
 * axons (trainnet.h): a process publishes the files trainsim's roles wrote
 * in its own store directory into the directory its axon serves, each with
 * a .meta naming the chain block at which it appeared; it finds its peers
 * through their on-chain commitments and mirrors their files into its
 * store through its dendrite, refusing any whose size, checksum or block
 * does not check out.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "subnet/train/net_internal.h"

#define FETCH_TIMEOUT_MS 5000L

bool yuma_trainnet_parse_meta(const char *text, size_t len, uint64_t *block, uint64_t *size)
{
    char buf[128];
    if (!text || len == 0 || len >= sizeof buf) return false;
    memcpy(buf, text, len);
    buf[len] = 0;
    if (strlen(buf) != len) return false; /* a NUL inside */
    unsigned long long b, s;
    int used = 0;
    if (sscanf(buf, "block %20llu\nsize %20llu\n%n", &b, &s, &used) != 2 || (size_t)used != len) return false;
    /* sscanf skips spaces a writer never puts there: require the exact text back */
    char again[128];
    snprintf(again, sizeof again, "block %llu\nsize %llu\n", b, s);
    if (strcmp(again, buf) != 0) return false;
    *block = b;
    *size = s;
    return true;
}

bool yuma_trainnet_parse_commitment(const char *text, uint32_t miners, uint32_t validators, uint16_t *train_uid)
{
    if (!text) return false;
    char role[16];
    unsigned idx;
    int used = 0;
    if (sscanf(text, "ytrain1 %15s %5u%n", role, &idx, &used) != 2 || text[used] != 0) return false;
    char again[64];
    snprintf(again, sizeof again, "ytrain1 %s %u", role, idx);
    if (strcmp(again, text) != 0) return false;
    if (strcmp(role, "miner") == 0 && idx < miners) {
        *train_uid = (uint16_t)idx;
        return true;
    }
    if (strcmp(role, "validator") == 0 && idx < validators) {
        *train_uid = (uint16_t)(miners + idx);
        return true;
    }
    return false;
}

uint64_t tn_block(const tn_node *n, uint64_t logical)
{
    return n->cfg->start_block + logical;
}

/* The logical block of a real one (blocks before window 0 count as 0). */
static uint64_t logical_of(const tn_node *n, uint64_t real)
{
    return real > n->cfg->start_block ? real - n->cfg->start_block : 0;
}

/* dir/name written whole through .name.tmp and a rename. */
static bool write_atomic(const char *dir, const char *name, const void *data, size_t len, ts_err *e)
{
    char tmp[8400], final[8400];
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
    snprintf(final, sizeof final, "%s/%s", dir, name);
    FILE *f = fopen(tmp, "wb");
    if (!f) return ts_fail(e, "cannot write %s: %s", tmp, strerror(errno));
    bool ok = (len == 0 || fwrite(data, 1, len, f) == len) && fflush(f) == 0;
    ok = (fclose(f) == 0) && ok;
    if (ok && rename(tmp, final) == 0) return true;
    int errno_saved = errno;
    unlink(tmp);
    return ts_fail(e, "cannot write %s: %s", final, strerror(errno_saved));
}

static bool exists(const char *dir, const char *name, const char *suffix)
{
    char path[8400];
    snprintf(path, sizeof path, "%s/%s%s", dir, name, suffix);
    return access(path, F_OK) == 0;
}

/* One file of store/<self>/ into pub/: the content, then its .meta. */
static bool publish_one(tn_node *n, const char *name, ts_err *e)
{
    uint8_t *data = NULL;
    size_t len = 0;
    uint64_t stamp;
    char serr[512];
    yuma_astore_status st = yuma_astore_get(&n->env.store, n->self, name, &data, &len, &stamp, serr, sizeof serr);
    if (st == YUMA_ASTORE_ERR_NOT_FOUND) return true; /* a write in progress */
    if (st != YUMA_ASTORE_OK) return ts_fail(e, "%s", serr);
    char meta[96], mname[300];
    int mlen = snprintf(meta, sizeof meta, "block %" PRIu64 "\nsize %zu\n", n->head, len);
    snprintf(mname, sizeof mname, "%s.meta", name);
    bool ok = write_atomic(n->pub_dir, name, data, len, e) && write_atomic(n->pub_dir, mname, meta, (size_t)mlen, e);
    /* this node reads its own file with the stamp its peers see (a late
     * upload is late for everyone), so its gather is theirs */
    if (ok && yuma_astore_put(&n->env.store, n->self, name, data, len, logical_of(n, n->head), serr, sizeof serr) !=
                  YUMA_ASTORE_OK)
        ok = ts_fail(e, "%s", serr);
    free(data);
    if (!ok) return false;
    fprintf(n->log, "published %s block %" PRIu64 " (%zu bytes)\n", name, n->head, len);
    return true;
}

bool tn_publish(tn_node *n, ts_err *e)
{
    char own[4200], err[256];
    snprintf(own, sizeof own, "%s/%u", n->store_dir, (unsigned)n->self);
    if (!yuma_sdk_head(n->client, &n->head, err, sizeof err)) return ts_fail(e, "chain head: %s", err);
    DIR *d = opendir(own);
    if (!d) return errno == ENOENT ? true : ts_fail(e, "cannot read %s: %s", own, strerror(errno));
    struct dirent *de;
    bool ok = true;
    while (ok && (de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (de->d_name[0] == '.' || l <= 5 || l > 250 || strcmp(de->d_name + l - 5, ".meta") != 0) continue;
        char name[256];
        memcpy(name, de->d_name, l - 5);
        name[l - 5] = 0;
        if (exists(n->pub_dir, name, ".meta")) continue; /* published already: names are per window */
        ok = publish_one(n, name, e);
    }
    closedir(d);
    fflush(n->log);
    return ok;
}

bool tn_drop_unpublished(tn_node *n, ts_err *e)
{
    char own[4200];
    snprintf(own, sizeof own, "%s/%u", n->store_dir, (unsigned)n->self);
    DIR *d = opendir(own);
    if (!d) return errno == ENOENT ? true : ts_fail(e, "cannot read %s: %s", own, strerror(errno));
    struct dirent *de;
    bool ok = true;
    while (ok && (de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (de->d_name[0] == '.' || l <= 5 || l > 250 || strcmp(de->d_name + l - 5, ".meta") != 0) continue;
        char name[256], path[8400];
        memcpy(name, de->d_name, l - 5);
        name[l - 5] = 0;
        if (exists(n->pub_dir, name, ".meta")) continue;
        snprintf(path, sizeof path, "%s/%s", own, de->d_name);
        ok = unlink(path) == 0 || errno == ENOENT; /* the .meta first: the object is gone for readers at once */
        snprintf(path, sizeof path, "%s/%s", own, name);
        ok = ok && (unlink(path) == 0 || errno == ENOENT);
        if (!ok) ok = ts_fail(e, "cannot remove %s: %s", path, strerror(errno));
        else fprintf(n->log, "dropped %s: written before a restart, never published\n", name);
    }
    closedir(d);
    return ok;
}

/* ---- peers ---------------------------------------------------------------- */

static bool read_commitment(tn_node *n, const yuma_neuron *nr, uint16_t *train_uid)
{
    char err[256];
    json_t *r = yuma_sdk_call(n->client, "commitment_get",
                              json_pack("{s:i, s:s}", "netuid", (int)n->cfg->netuid, "hotkey", nr->hotkey_ss58), err,
                              sizeof err);
    if (!r) return false; /* none published (yet) */
    const char *text = json_string_value(json_object_get(r, "text"));
    bool ok = yuma_trainnet_parse_commitment(text, n->cfg->sim.miners, n->cfg->sim.validators, train_uid);
    json_decref(r);
    return ok;
}

bool tn_refresh_peers(tn_node *n, ts_err *e)
{
    char err[512];
    if (!yuma_metagraph_update(&n->mg, n->client, NULL, err, sizeof err)) return ts_fail(e, "metagraph: %s", err);
    yuma_axon_set_metagraph(n->axon, &n->mg);
    for (size_t i = 0; i < n->mg.n; i++) {
        const yuma_neuron *nr = &n->mg.neurons[i];
        bool mapped = false;
        for (size_t t = 0; t < TN_MAX_NODES && !mapped; t++) {
            tn_peer *p = &n->peers[t];
            if (!p->known || p->chain_uid != (int)nr->uid) continue;
            /* a restarted peer serves on a new port: follow its serve_axon */
            yuma_dendrite_target now;
            bool have = yuma_dendrite_target_of(nr, &now);
            if (have && (!p->have_target || now.port != p->target.port || strcmp(now.host, p->target.host) != 0))
                fprintf(n->log, "peer: training uid %zu now at %s:%u\n", t, now.host, (unsigned)now.port);
            p->have_target = have;
            if (have) p->target = now;
            mapped = true;
        }
        if (mapped) continue;
        uint16_t tu;
        if (!read_commitment(n, nr, &tu)) continue;
        tn_peer *p = &n->peers[tu];
        if (p->known && p->chain_uid != (int)nr->uid) {
            fprintf(n->log, "warning: training uid %u is claimed by chain uids %d and %u; keeping the first\n",
                    (unsigned)tu, p->chain_uid, (unsigned)nr->uid);
            continue;
        }
        p->known = true;
        p->chain_uid = nr->uid;
        p->have_target = yuma_dendrite_target_of(nr, &p->target);
        if (p->have_target)
            fprintf(n->log, "peer: training uid %u is chain uid %u at %s:%u\n", (unsigned)tu, (unsigned)nr->uid,
                    p->target.host, (unsigned)p->target.port);
    }
    fflush(n->log);
    return true;
}

/* ---- mirroring ------------------------------------------------------------- */

static void refuse(tn_node *n, uint16_t uid, const char *name, const char *why)
{
    n->refused++;
    fprintf(n->log, "refused %s of training uid %u: %s\n", name, (unsigned)uid, why);
}

/* Fetches name (listed with its .meta) from peer uid into the mirror. */
static bool fetch_one(tn_node *n, uint16_t uid, const char *name, ts_err *e)
{
    tn_peer *p = &n->peers[uid];
    char mname[300], why[512];
    snprintf(mname, sizeof mname, "%s.meta", name);
    yuma_dendrite_response r;
    if (!yuma_dendrite_fetch_file(n->dendrite, &p->target, mname, NULL, FETCH_TIMEOUT_MS, &r)) {
        refuse(n, uid, mname, r.error);
        yuma_dendrite_response_free(&r);
        return true;
    }
    uint64_t block, size;
    bool meta_ok = yuma_trainnet_parse_meta((const char *)r.body, r.body_len, &block, &size);
    yuma_dendrite_response_free(&r);
    if (!meta_ok) {
        refuse(n, uid, name, "a malformed .meta");
        return true;
    }
    char herr[256];
    if (block > n->head && !yuma_sdk_head(n->client, &n->head, herr, sizeof herr))
        return ts_fail(e, "chain head: %s", herr);
    if (block > n->head) { /* the head now, not when the mirror began: the writer may have seen a newer one */
        snprintf(why, sizeof why, "its .meta claims block %" PRIu64 ", beyond the chain head %" PRIu64, block,
                 n->head);
        refuse(n, uid, name, why);
        return true;
    }
    if (!yuma_dendrite_fetch_file(n->dendrite, &p->target, name, NULL, FETCH_TIMEOUT_MS, &r)) {
        refuse(n, uid, name, r.error);
        yuma_dendrite_response_free(&r);
        return true;
    }
    if (r.body_len != size) {
        snprintf(why, sizeof why, "%zu bytes, its .meta says %" PRIu64, r.body_len, size);
        refuse(n, uid, name, why);
        yuma_dendrite_response_free(&r);
        return true;
    }
    char serr[512];
    yuma_astore_status st =
        yuma_astore_put(&n->env.store, uid, name, r.body, r.body_len, logical_of(n, block), serr, sizeof serr);
    yuma_dendrite_response_free(&r);
    if (st != YUMA_ASTORE_OK) return ts_fail(e, "%s", serr);
    n->fetched++;
    /* who holds which upload: a miner's uploads are served by the miner
     * alone, so readers that reach it at different times may hold
     * different sets (tests/cli_train_devnet.sh times its kill by this) */
    if (strncmp(name, "gradient-", 9) == 0) fprintf(n->log, "mirrored %s block %" PRIu64 "\n", name, block);
    return true;
}

static bool listed(const json_t *files, const char *name)
{
    size_t i;
    json_t *f;
    json_array_foreach(files, i, f) {
        const char *nm = json_string_value(json_object_get(f, "name"));
        if (nm && strcmp(nm, name) == 0) return true;
    }
    return false;
}

static bool mirror_peer(tn_node *n, uint16_t uid, ts_err *e)
{
    tn_peer *p = &n->peers[uid];
    yuma_dendrite_response r;
    if (!yuma_dendrite_list_files(n->dendrite, &p->target, FETCH_TIMEOUT_MS, &r)) {
        fprintf(n->log, "cannot list the files of training uid %u: %s\n", (unsigned)uid, r.error);
        yuma_dendrite_response_free(&r);
        return true;
    }
    json_t *doc = json_loadb((const char *)r.body, r.body_len, 0, NULL);
    yuma_dendrite_response_free(&r);
    json_t *files = json_object_get(doc, "files");
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/%u", n->store_dir, (unsigned)uid);
    size_t i;
    json_t *f;
    bool ok = true;
    json_array_foreach(files, i, f) {
        const char *nm = json_string_value(json_object_get(f, "name"));
        size_t l = nm ? strlen(nm) : 0;
        if (!ok || l <= 5 || l > 250 || strcmp(nm + l - 5, ".meta") != 0) continue;
        char name[256];
        memcpy(name, nm, l - 5);
        name[l - 5] = 0;
        if (!listed(files, name) || exists(dir, name, ".meta")) continue;
        ok = fetch_one(n, uid, name, e);
    }
    json_decref(doc);
    return ok;
}

bool tn_mirror(tn_node *n, int only, ts_err *e)
{
    char err[256];
    if (!yuma_sdk_head(n->client, &n->head, err, sizeof err)) return ts_fail(e, "chain head: %s", err);
    bool ok = true;
    uint32_t total = n->cfg->sim.miners + n->cfg->sim.validators;
    for (uint32_t u = 0; u < total && ok; u++) {
        if (u == n->self || (only >= 0 && (int)u != only) || !n->peers[u].known || !n->peers[u].have_target) continue;
        ok = mirror_peer(n, (uint16_t)u, e);
    }
    fflush(n->log);
    return ok;
}
