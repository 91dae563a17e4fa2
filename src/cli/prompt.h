/*
 * prompt.h - reading a wallet password, the one way every command does it.
 */
#ifndef YUMA_CLI_PROMPT_H
#define YUMA_CLI_PROMPT_H

#include <stdbool.h>
#include <stddef.h>

/* $YUMA_PASSWORD if set, else one line read from the terminal with echo
 * off after printing prompt to stderr. False when there is neither (a
 * script without the variable must not hang on a prompt nobody sees). */
bool cli_read_password(const char *prompt, char *buf, size_t len);

#endif
