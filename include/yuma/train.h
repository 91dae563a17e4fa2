/* The reference training subnet (src/subnet/train): public entry points. */
#ifndef YUMA_TRAIN_H
#define YUMA_TRAIN_H
int yuma_train_format_version(void);
#endif
