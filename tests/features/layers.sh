#!/bin/bash
# the layers the build enforces: an include from above, sideways or with a path fails to build; each program links only its part
. "$(dirname "$0")/../lib.sh"

# The Makefile compiles each folder with the include paths of its own layer
# and the layers below (wire proto/, trust certs/, registry proto/registry/,
# then broker/, gateway/ and gateway/cli/ side by side), and `make layers`
# refuses an include with a path. Here a copy of a file of each layer gets
# one more #include of a header it must not see, compiled with the very
# command make would run for that file (make -n); each copy compiles
# without it (the control). Then the programs' symbols (nm): a program
# holds no code of a part it must not link.
TREE=$(realpath --relative-to="$ROOT" "$BIN/..")
[ -d "$ROOT/$TREE/obj" ] && [ -d "$ROOT/$TREE/lib" ] ||
    setup_failed "a build tree beside $BIN (its obj/ and lib/)"
L="$WORK/layers"
mkdir -p "$L"

# smallest FOLDER: the smallest .c file of a folder's part (quickest to
# compile; a program's main is compiled with the program instead)
smallest () { ls -S "$ROOT/$1"/*.c | grep -Ev '/sluice(_[a-z]+)?\.c$' | tail -1 | sed "s|^$ROOT/||"; }
# header FOLDER: a header of that folder, by name
header () { basename "$(ls "$ROOT/$1"/*.h | head -1)"; }
# compile_copy SOURCE NAME [HEADER]: compiles a copy of SOURCE (with an
# #include of HEADER at its top) as make compiles SOURCE in this tree
compile_copy () {
    local source=$1 name=$2 header=${3:-} command copy object
    copy="$L/$name.c"
    object="$ROOT/$TREE/obj/${source%.c}.o"
    command=$(make -s -n -B -C "$ROOT" "$TREE/obj/${source%.c}.o" 2>&1 | grep -e ' -c ')
    [ -n "$command" ] || { echo "make -n gives no command for $source"; return 2; }
    { [ -n "$header" ] && echo "#include \"$header\""; cat "$ROOT/$source"; } >"$copy"
    command=${command/ -c $source / -c $copy }
    command=${command/ -o $TREE\/obj\/${source%.c}.o/ -o $L/$name.o}
    [ "$command" != "${command/$object/}" ] && return 2
    (cd "$ROOT" && eval "$command")
}
# refused NAME SOURCE HEADER: the copy with HEADER does not compile, for
# want of the header
refused () {
    expect "$1" "$3.*(No such file|not found)" 1 compile_copy "$2" "refused-$(basename "$2" .c)" "$3"
}

wire=$(smallest proto)
trust=$(smallest certs)
registry=$(smallest proto/registry)
broker=$(smallest broker)
gateway=$(smallest gateway)
cli=$(smallest gateway/cli)
for source in "$wire" "$trust" "$registry" "$broker" "$gateway" "$cli"; do
    check "control: a copy of $source compiles with its layer's flags" \
        compile_copy "$source" "control-$(basename "$source" .c)"
done
refused "wire ($wire) cannot include trust ($(header certs))" "$wire" "$(header certs)"
refused "wire ($wire) cannot include the registry ($(header proto/registry))" "$wire" "$(header proto/registry)"
refused "trust ($trust) cannot include the registry ($(header proto/registry))" "$trust" "$(header proto/registry)"
refused "the registry ($registry) cannot include the broker ($(header broker))" "$registry" "$(header broker)"
refused "the registry ($registry) cannot include the gateway ($(header gateway))" "$registry" "$(header gateway)"
refused "the broker ($broker) cannot include the gateway (policy.h)" "$broker" policy.h
refused "the gateway ($gateway) cannot include the broker ($(header broker))" "$gateway" "$(header broker)"
refused "the gateway ($gateway) cannot include the command ($(header gateway/cli))" "$gateway" "$(header gateway/cli)"
refused "the command ($cli) cannot include the gateway (gateway.h)" "$cli" gateway.h

# make layers on a copy of the sources: passes as it is, fails once a file
# includes with a path (which would reach past the include paths)
cp -r "$ROOT/proto" "$ROOT/certs" "$ROOT/broker" "$ROOT/gateway" "$L/" && mkdir -p "$L/tree" &&
    mv "$L/proto" "$L/certs" "$L/broker" "$L/gateway" "$L/tree/"
make_layers () { make -s -C "$L/tree" -f "$ROOT/Makefile" layers; }
check "control: make layers passes on a copy of the sources" make_layers
printf '#include "../certs/%s"\n' "$(header certs)" >>"$L/tree/$wire"
expect "make layers fails on an include of ../certs/$(header certs)" "names a path" 2 make_layers
cp "$ROOT/$wire" "$L/tree/$wire"
printf '#include "registry/%s"\n' "$(header proto/registry)" >>"$L/tree/$gateway"
expect "make layers fails on an include of registry/$(header proto/registry)" "names a path" 2 make_layers

# symbols SOURCE...: the code symbols (global, defined) of objects or archives
symbols () { nm --defined-only -g "$@" 2>/dev/null | awk '$2 ~ /^[TDBR]$/ && $3 !~ /^_/ { print $3 }' | sort -u; }
OBJ="$ROOT/$TREE/obj"
LIB="$ROOT/$TREE/lib"
# links_none NAME PROGRAM SYMBOLS-FILE: PROGRAM defines none of them
links_none () {
    local shared
    shared=$(comm -12 <(symbols "$BIN/$2") "$3")
    if [ -z "$shared" ] && [ -s "$3" ]; then pass "$1"
    else fail "$1" "$(echo "$shared" | head -10)"; fi
}
links_some () {
    if [ -n "$(comm -12 <(symbols "$BIN/$2") "$3")" ]; then pass "$1"; else fail "$1" "none"; fi
}
symbols "$OBJ"/proto/registry/catalog.o "$OBJ"/proto/registry/item.o "$LIB/libgateway.a" \
    >"$L/catalog-item-policy.sym"
symbols "$LIB/libgateway.a" >"$L/gateway.sym"
symbols "$LIB/libbroker.a" >"$L/broker.sym"
symbols "$LIB/libcli.a" >"$L/cli.sym"
links_none "sluice-broker links no catalog, item, policy or other gateway code" \
    sluice-broker "$L/catalog-item-policy.sym"
links_none "sluice links none of the gateway's code" sluice "$L/gateway.sym"
links_none "sluice-gateway links none of the broker's code" sluice-gateway "$L/broker.sym"
links_none "sluice-gateway links none of the command's code" sluice-gateway "$L/cli.sym"
links_some "control: sluice-gateway links catalog, item and policy code" \
    sluice-gateway "$L/catalog-item-policy.sym"
finish
