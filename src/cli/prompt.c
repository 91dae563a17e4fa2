/*
 * prompt.c - the wallet password from the environment or the terminal
 * (prompt.h).
 */
#include "cli/prompt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

bool cli_read_password(const char *prompt, char *buf, size_t len)
{
    const char *env = getenv("YUMA_PASSWORD");
    if (env) {
        snprintf(buf, len, "%s", env);
        return true;
    }
    if (!isatty(STDIN_FILENO)) return false;
    struct termios old, quiet;
    fprintf(stderr, "%s", prompt);
    tcgetattr(STDIN_FILENO, &old);
    quiet = old;
    quiet.c_lflag &= (tcflag_t)~ECHO;
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    bool ok = fgets(buf, (int)len, stdin) != NULL;
    tcsetattr(STDIN_FILENO, TCSANOW, &old);
    fputc('\n', stderr);
    if (ok) buf[strcspn(buf, "\n")] = 0;
    return ok;
}
