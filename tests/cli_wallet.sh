#!/usr/bin/env bash
# cli_wallet.sh - `yuma wallet` and the offline checks of the chain commands
# that sign: keys are created, listed, shown and regenerated from their
# mnemonic (the same address, an independent check of the round trip);
# every refusal (an existing name, a bad mnemonic, no password without a
# terminal, a wrong password, a bad address or amount, an unknown option)
# prints one line naming the problem, exits non-zero and changes no file.
# A node is never needed: the signing commands fail before they connect
# (the RPC URL points at a closed port).
#
# usage: bash tests/cli_wallet.sh PATH/TO/yuma SOURCE_DIR
set -u

SRC=${2:?usage: bash tests/cli_wallet.sh PATH/TO/yuma SOURCE_DIR}
. "$SRC/tests/lib/cli_lib.sh"
RPC=http://127.0.0.1:1/
REFUSAL_PREFIX="yuma: "

# The wallet files, which no refusal may change.
state_snapshot() { find .yuma -type f -exec sha256sum {} + 2>/dev/null | sort; }

# [PW=password] refused STATUS WANT ARGS...: that exit status, one line on
# stderr holding WANT, and the wallet directory exactly as before.
refused() {
    local status=$1 want=$2
    shift 2
    [ -n "${PW:-}" ] && local -x YUMA_PASSWORD=$PW
    refused_as "yuma $*" "$status" "$want" "$@"
}

# create a coldkey and a hotkey; the mnemonic is printed once, on stderr
YUMA_PASSWORD=pw1 "$YUMA" wallet create --wallet alice >out 2>err
[ $? -eq 0 ] && grep -q '^coldkey alice: 5' out && ok || bad "wallet create: $(cat out err)"
cold=$(sed -n 's/^coldkey alice: //p' out)
mnemonic=$(sed -n '/mnemonic/{n;p;}' err | sed 's/^ *//')
[ "$(wc -w <<<"$mnemonic")" -eq 12 ] && ok || bad "wallet create: no 12-word mnemonic in '$(cat err)'"
YUMA_PASSWORD=pw1 "$YUMA" wallet create --wallet alice --hotkey h1 >out 2>err
[ $? -eq 0 ] && grep -q '^hotkey h1: 5' out && ok || bad "hotkey create: $(cat out err)"
hot=$(sed -n 's/^hotkey h1: //p' out)
[ "$(stat -c %a .yuma/wallets/alice/coldkey)" = 600 ] && ok || bad "the coldkey file is not 0600"

# list and show need no password
"$YUMA" wallet list >out 2>err && grep -q "^alice *$cold" out && ok || bad "wallet list: $(cat out err)"
[ "$("$YUMA" wallet show --wallet alice)" = "$cold" ] && ok || bad "wallet show coldkey"
[ "$("$YUMA" wallet show --wallet alice --hotkey h1)" = "$hot" ] && ok || bad "wallet show hotkey"

# the mnemonic regenerates the same address under another name
YUMA_PASSWORD=pw2 "$YUMA" wallet regen --wallet again --mnemonic "$mnemonic" >out 2>err
[ "$(sed -n 's/^coldkey again: //p' out)" = "$cold" ] && ok || bad "regen gave another address: $(cat out err)"

# refusals
PW=pw1 refused 1 "wallet 'alice' already exists" wallet create --wallet alice
# every word is in the list, the checksum is wrong (checked outside yuma with
# BIP39's rule and Python's hashlib: the checksum bits are 0001, SHA-256
# of the entropy wants 1011)
PW=pw1 refused 1 "bad mnemonic checksum" wallet regen --wallet other \
    --mnemonic "giant index embrace pulp light pause will mean before ethics owner owner"
[ ! -e .yuma/wallets/other ] && ok || bad "a refused regen left a wallet behind"
PW=pw1 refused 1 "--mnemonic \"words ...\" is required" wallet regen --wallet other
refused 1 "a password is needed: set YUMA_PASSWORD or run in a terminal" wallet create --wallet bob
refused 1 "no wallet 'nobody'" wallet show --wallet nobody
refused 1 "--wallet NAME is required" wallet show
PW=nope refused 1 "wrong password" transfer --wallet alice --dest "$hot" --amount 1 --rpc "$RPC"
refused 1 "a password is needed" transfer --wallet alice --dest "$hot" --amount 1 --rpc "$RPC"
PW=pw1 refused 1 "5D4r5 is not a yuma address" transfer --wallet alice --dest 5D4r5 --amount 1 --rpc "$RPC"
PW=pw1 refused 1 "--dest ADDRESS is required" transfer --wallet alice --amount 1 --rpc "$RPC"
PW=pw1 refused 1 "--amount TAO (e.g. 1.5) is required" transfer --wallet alice --dest "$hot" --amount 1.5x --rpc "$RPC"
refused 1 "is not a yuma address" balance not-an-address --rpc "$RPC"
refused 1 "the wallet directory is an empty string" transfer --wallet alice --wallet-path "" --dest "$hot" --amount 1 --rpc "$RPC"
PW=nope refused 1 "wrong password" register --netuid 1 --wallet alice --hotkey h1 --rpc "$RPC"
# `yuma gov` and the guardian lane load their signer the same way
# (src/cli/keys.c): the coldkey, or the wallet's key --hotkey NAME
PW=nope refused 1 "wrong password" gov topup 1 --amount 1 --wallet alice --rpc "$RPC"
refused 1 "a password is needed: set YUMA_PASSWORD or run in a terminal" gov topup 1 --amount 1 --wallet alice --rpc "$RPC"
refused 1 "no wallet 'nobody'" gov vote 1 aye --wallet nobody --rpc "$RPC"
refused 1 "wallet 'alice' has no hotkey 'nope'" gov vote 1 aye --wallet alice --hotkey nope --rpc "$RPC"
refused 1 "the wallet directory is an empty string" gov appeal 1 --wallet alice --wallet-path "" --rpc "$RPC"
PW=nope refused 1 "wrong password" gov guardian approve --action 1 --wallet alice --rpc "$RPC"
refused 1 "a password is needed: set YUMA_PASSWORD or run in a terminal" gov guardian approve --action 1 --wallet alice --rpc "$RPC"
refused 1 "wallet 'alice' has no hotkey 'nope'" gov guardian approve --action 1 --wallet alice --hotkey nope --rpc "$RPC"
refused 1 "the wallet directory is an empty string" gov guardian approve --action 1 --wallet alice --wallet-path "" --rpc "$RPC"
refused 2 "unknown option --colour" wallet list --colour red
refused 2 "--netuid must be 0..65535, not 70000" metagraph --netuid 70000 --rpc "$RPC"
refused 2 "option --wallet needs a value" wallet show --wallet

# --help on a chain command prints the usage page, exit 0
"$YUMA" wallet --help >out 2>err && grep -q "wallet create|regen|list|show" out && [ ! -s err ] && ok ||
    bad "wallet --help: $(cat out err | head -n 3)"

cli_summary
