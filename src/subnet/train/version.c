/* The training subnet's format version: bumped whenever the update or
 * checkpoint encoding changes, so that peers refuse mixed versions. */
#include "yuma/train.h"
int yuma_train_format_version(void) { return 1; }
