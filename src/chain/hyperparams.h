/*
 * hyperparams.h - the ids of set_hyperparameter(netuid, param, value): the
 * subnet parameters an owner may change (economics §11.3) and the ones it
 * may not (root-only in the reference, governance's here). docs/CHAIN.md,
 * "Subnet owner hyperparameters", gives each one's range and meaning.
 * Ids are part of the transaction format: never renumber one.
 */
#ifndef YUMA_CHAIN_HYPERPARAMS_H
#define YUMA_CHAIN_HYPERPARAMS_H

typedef enum {
    HP_TEMPO = 1,
    HP_ACTIVITY_CUTOFF_FACTOR_MILLI = 2,
    HP_IMMUNITY_PERIOD = 3,
    HP_MIN_ALLOWED_WEIGHTS = 4,
    HP_MAX_ALLOWED_UIDS = 5,
    HP_WEIGHTS_VERSION_KEY = 6,
    HP_WEIGHTS_RATE_LIMIT = 7,          /* governance */
    HP_MIN_BURN = 8,
    HP_MAX_BURN = 9,
    HP_BURN_HALF_LIFE = 10,
    HP_BURN_INCREASE_MULT_MILLI = 11,
    HP_BONDS_MOVING_AVERAGE = 12,
    HP_BONDS_PENALTY = 13,
    HP_BONDS_RESET = 14,
    HP_COMMIT_REVEAL = 15,
    HP_REVEAL_PERIOD_EPOCHS = 16,
    HP_LIQUID_ALPHA = 17,
    HP_ALPHA_VALUES = 18,               /* alpha_low | alpha_high << 16 */
    HP_ALPHA_SIGMOID_STEEPNESS = 19,
    HP_YUMA3 = 20,
    HP_SERVING_RATE_LIMIT = 21,
    HP_KAPPA = 22,                      /* governance */
    HP_MAX_ALLOWED_VALIDATORS = 23,     /* governance */
} hyperparam_id;

#endif
