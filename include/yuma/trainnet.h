/*
 * trainnet.h - the training subnet live on a chain (docs/TRAINING_NET.md,
 * training-subnet.md §2 and §7.2): one miner or one validator of
 * trainsim.h's protocol as a long-running process that follows a node's
 * blocks, publishes its artefacts over its own axon and reads its peers'
 * through a dendrite, and sets weights by real transactions.
 *
 * Windows are laid on the chain from start_block: window w is the blocks
 * [start_block + w * bpw, start_block + (w + 1) * bpw). Every process of a
 * run must share the protocol, the model configuration, the seed, the
 * miner and validator counts, the window count and start_block.
 *
 * The artefact store on a network (§7.2 mapped onto axons): each process
 * keeps <dir>/store/<training uid>/ (trainsim.h's store: its own files and
 * a mirror of the peers' it has read) and serves <dir>/pub/ read-only over
 * its axon. Publishing a file copies it into pub/ through a temporary name
 * and a rename, then writes <name>.meta ("block N\nsize S\n") the same way,
 * N being the chain head when the file appeared. Its on-chain commitment
 * ("ytrain1 miner|validator <index>") says which training uid (the store
 * id) its axon serves. Readers fetch <name>.meta and <name> through the
 * dendrite (size and BLAKE2b-256 checked against the axon's headers), and
 * refuse a file whose size is not the .meta's or whose block is above the
 * chain head they observe; trainsim's readers then check the put window.
 */
#ifndef YUMA_TRAINNET_H
#define YUMA_TRAINNET_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "yuma/keys.h"
#include "yuma/trainsim.h"

typedef enum { YUMA_TRAINNET_MINER = 0, YUMA_TRAINNET_VALIDATOR } yuma_trainnet_role;

typedef struct {
    yuma_trainnet_role role;
    uint32_t index;              /* miner: its training uid 0..miners-1; validator: 0 (the lead) .. validators-1 */
    yuma_miner_kind kind;        /* miners: honest or an adversary of trainsim.h */
    const char *rpc_url;         /* the node */
    uint16_t netuid;
    yuma_keypair hotkey;         /* signs serve_axon, set_commitment, set_weights and dendrite requests */
    yuma_keypair coldkey;        /* pays the registration when the hotkey is not registered yet */
    bool have_coldkey;
    const char *dir;             /* the process's directory: store/, pub/ (created) */
    const char *ip;              /* the axon's address, published by serve_axon (127.0.0.2 on one machine) */
    uint64_t start_block;        /* the block at which window 0 starts */
    yuma_trainsim_config sim;    /* the shared configuration (model, protocol, miners, validators, windows, seed,
                                    corpus; sim.adversaries is ignored: kind above is this process's) */
    uint32_t heldout_windows;    /* the lead's held-out evaluation each window (0: none) */
} yuma_trainnet_config;

/* Checks a configuration; false with a one-line reason. */
bool yuma_trainnet_config_check(const yuma_trainnet_config *c, char *err, size_t errlen);

/*
 * Runs the process until *stop is set or the last window is done. Lines
 * go to log: "window W model <hex>" after each window (the model the
 * process holds for window W + 1), "published NAME block N", weights set
 * and refused, and for the lead validator "heldout W <nats/byte>". A
 * process started after window 0 began (a restart) catches up from the
 * lead validator's checkpoint and aggregators and joins the next window.
 * After every window the process saves its state to <dir>/state.bin
 * (a miner's optimiser, error feedback and random stream, a validator's
 * ratings and moving scores; logged "state saved window W <checksum>") and
 * a restart restores it first ("state restored window W <checksum>"); a
 * restarted validator resumes at window W + 1 (up to 8 windows back),
 * processing the windows it missed from the uploads the miners still
 * serve.
 * Returns 0 when done or stopped, 1 with err on a failure it cannot get
 * past (the node gone, the store unwritable), 2 with err when the saved
 * state cannot be trusted (damaged, truncated, another version, another
 * node's or run's): nothing was started, and moving the file away starts
 * the node cold.
 */
int yuma_trainnet_run(const yuma_trainnet_config *c, volatile sig_atomic_t *stop, FILE *log, char *err,
                      size_t errlen);

/* Parses a commitment "ytrain1 miner N" / "ytrain1 validator N" into the
 * training uid it names (validators follow the miners); false when it is
 * not one or the index is out of range. */
bool yuma_trainnet_parse_commitment(const char *text, uint32_t miners, uint32_t validators, uint16_t *train_uid);

/* Parses a .meta ("block N\nsize S\n", nothing else); false when malformed. */
bool yuma_trainnet_parse_meta(const char *text, size_t len, uint64_t *block, uint64_t *size);

#endif
