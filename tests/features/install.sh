#!/bin/bash
# the install: make install into a DESTDIR after the FHS, the man pages, the systemd units, sd_notify and the journal, make uninstall, the README's quick start and the docs' links
. "$(dirname "$0")/../lib.sh"

# make install into a DESTDIR puts every file where the FHS says and no
# demo or test tool anywhere; each installed man page renders without a
# warning; systemd-analyze verifies the installed units; the daemons tell
# a (fake) systemd READY=1, RELOADING=1 and STOPPING=1, and write to a
# (fake) journal with priorities; make uninstall takes it all away but
# what was changed; the docs' links all lead somewhere.
I_WORK="$WORK/install"
I_ROOT="$I_WORK/root"
I_PORT=$((PORT + 30))
mkdir -p "$I_WORK"
# The tree the binaries under test come from, as the Makefile names it
# (build or build/asan); other binaries install the release build
I_BUILD=$(realpath --relative-to="$ROOT" "$BIN/..")
case "$I_BUILD" in ../*|/*) I_BUILD=build ;; esac
i_make () { make -C "$ROOT" --no-print-directory -s BUILD="$I_BUILD" "$@"; }

check "make install into a DESTDIR (PREFIX=/usr)" \
    i_make install DESTDIR="$I_ROOT" PREFIX=/usr

# Every file, its mode, and nothing else
i_expected () {
    for file in usr/bin/sluice usr/sbin/sluice-broker usr/sbin/sluice-gateway; do
        echo "755 $file"
    done
    for file in usr/share/man/man1/sluice.1 usr/share/man/man5/sluice-agreement.5 \
                usr/share/man/man5/sluice-broker.conf.5 usr/share/man/man5/sluice-catalog.5 \
                usr/share/man/man5/sluice-gateway.conf.5 usr/share/man/man8/sluice-broker.8 \
                usr/share/man/man8/sluice-gateway.8 \
                usr/lib/systemd/system/sluice-broker.service \
                usr/lib/systemd/system/sluice-gateway@.service \
                usr/lib/sysusers.d/sluice.conf \
                etc/sluice/broker.cfg.example etc/sluice/gateway.cfg.example \
                usr/share/doc/sluice/README.md usr/share/doc/sluice/proto/PROTOCOL.md; do
        echo "644 $file"
    done
    for doc in "$ROOT"/docs/*.md; do echo "644 usr/share/doc/sluice/docs/${doc##*/}"; done
}
i_installed () { (cd "$I_ROOT" && find . -type f -printf '%m %P\n' -o -type l -printf 'link %P\n'); }
i_diff=$(diff <(i_expected | sort) <(i_installed | sort))
if [ -z "$i_diff" ]; then pass "every file where the FHS says, with its mode, and no other"
else fail "every file where the FHS says, with its mode, and no other" "$i_diff"; fi
i_tools=$(cd "$I_ROOT" && find . \( -name sluice-gendata -o -name sluice-selftest -o -name sluice-rogue \
          -o -name sluice-liar -o -name sluice-bench -o -name sluice-certgen \
          -o -name sluice-noticedrive \) -print)
check "no demo or test tool installed" test -z "$i_tools"
check "no state installed: /var/lib/sluice is the units' (StateDirectory=)" test ! -e "$I_ROOT/var"
expect "the units run the installed daemons" \
    "^ExecStart=/usr/sbin/sluice-broker --config /etc/sluice/broker.cfg$" 0 \
    grep -h '^ExecStart=' "$I_ROOT/usr/lib/systemd/system/sluice-broker.service"
expect "the gateway's unit is a template, one instance per department" \
    "^ExecStart=/usr/sbin/sluice-gateway --config /etc/sluice/%i/gateway.cfg$" 0 \
    grep -h '^ExecStart=' "$I_ROOT/usr/lib/systemd/system/sluice-gateway@.service"
expect "the installed programs are the ones built" "^sluice [0-9.]+ \(protocol 1\)$" 0 \
    "$I_ROOT/usr/bin/sluice" --version

# Each page renders without a warning, as man shows it and as groff checks it
for page in "$I_ROOT"/usr/share/man/man*/*; do
    name=${page##*/}
    i_render=$(MANWIDTH=80 man -l "$page" 2>&1 >/dev/null; \
               groff -ww -k -t -man -Tutf8 "$page" 2>&1 >/dev/null)
    if [ -z "$i_render" ] && MANWIDTH=80 man -l "$page" 2>/dev/null | grep -q "^NAME"; then
        pass "man -l $name renders without warnings"
    else
        fail "man -l $name renders without warnings" "$i_render"
    fi
done
expect "man sluice finds the installed page" "/usr/share/man/man1/sluice.1" 0 \
    env MANPATH="$I_ROOT/usr/share/man" man -w sluice
expect "the configuration pages carry every setting of the daemons' schema" \
    "replay-capacity" 0 env MANWIDTH=80 man -l "$I_ROOT/usr/share/man/man5/sluice-gateway.conf.5"

# systemd-analyze verify, on a root of the installed files and the host's
# targets and slices (what a unit's default dependencies name), with the
# installed man pages for Documentation=: no error and no warning
I_VERIFY="$I_WORK/verify-root"
cp -a "$I_ROOT" "$I_VERIFY"
mkdir -p "$I_VERIFY/usr/bin"
[ -e "$I_VERIFY/bin" ] || ln -s usr/bin "$I_VERIFY/bin"
cp /bin/kill "$I_VERIFY/usr/bin/kill"
cp /usr/lib/systemd/system/*.target /usr/lib/systemd/system/*.slice \
    "$I_VERIFY/usr/lib/systemd/system/"
ln -s sluice-gateway@.service "$I_VERIFY/usr/lib/systemd/system/sluice-gateway@msa.service"
for unit in sluice-broker.service sluice-gateway@msa.service; do
    i_verify=$(cd "$I_WORK" && MANPATH="$I_VERIFY/usr/share/man" systemd-analyze verify \
               --root="$I_VERIFY" "/usr/lib/systemd/system/$unit" 2>&1); i_rc=$?
    if [ "$i_rc" = 0 ] && [ -z "$i_verify" ]; then pass "systemd-analyze verify $unit"
    else fail "systemd-analyze verify $unit" "exit $i_rc: $i_verify"; fi
done
for unit in sluice-broker.service sluice-gateway@msa.service; do
    expect "$unit: Type=notify, its own user, hardened" "OK" 0 sh -c \
        "grep -q '^Type=notify$' '$I_VERIFY/usr/lib/systemd/system/$unit' &&
         grep -q '^User=sluice$' '$I_VERIFY/usr/lib/systemd/system/$unit' &&
         systemd-analyze security --offline=true --root='$I_VERIFY' \
             /usr/lib/systemd/system/$unit 2>&1 | grep -E 'Overall exposure level.*(OK|SAFE)'"
done

# The example configurations pass the daemons' schemas: the daemons get as
# far as the certificates, which an example cannot hold (exit 1, not 2)
expect "broker.cfg.example is a configuration the broker accepts" \
    "cannot load the broker's certificate" 1 "$I_ROOT/usr/sbin/sluice-broker" \
    --config "$I_ROOT/etc/sluice/broker.cfg.example" --state "$I_WORK/example-broker"
expect "gateway.cfg.example is a configuration the gateway accepts" \
    "cannot load this department's certificate" 1 "$I_ROOT/usr/sbin/sluice-gateway" \
    --config "$I_ROOT/etc/sluice/gateway.cfg.example" --state "$I_WORK/example-gateway"

# A fake systemd: a unix datagram socket that writes what it is told, one
# line per message (newlines as spaces)
I_FED="$I_WORK/fed"
I_NOTIFY="$I_WORK/notify"
I_TOLD="$I_WORK/told"
: >"$I_TOLD"
python3 - "$I_NOTIFY" "$I_TOLD" <<'PY' &
import os, socket, sys
path, told = sys.argv[1], sys.argv[2]
listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
listener.bind(path)
listener.settimeout(120)
with open(told, "a") as out:
    try:
        while True:
            message = listener.recv(4096).decode("utf-8", "replace")
            out.write(message.replace("\n", " ") + "\n")
            out.flush()
    except socket.timeout:
        pass
PY
i_listener=$!
PIDS="$PIDS $i_listener"
wait_for test -S "$I_NOTIFY"
# i_told N PATTERN: the Nth message told matches PATTERN (polled)
s_told () { sed -n "${1}p" "$I_TOLD" | grep -Eq -- "$2"; }
i_told () {
    wait_for s_told "$1" "$2" && return 0
    echo "messages told so far:"; cat "$I_TOLD"; return 1
}

# A broker and a gateway of their own, on their own ports
"$SLUICE" certs init --dir "$I_FED/authority" --name "Install test" >/dev/null
"$SLUICE" certs issue --authority "$I_FED/authority/authority.secret" --department BROKER \
    --name "Install test broker" --role broker --out "$I_FED/broker" >/dev/null
"$SLUICE" certs issue --authority "$I_FED/authority/authority.secret" --department SH-PD-MSA \
    --name "Install test department" --clearance 3 --out "$I_FED/msa" >/dev/null
mkdir -p "$I_FED/broker/certs"
cp "$I_FED/msa/SH-PD-MSA.cert" "$I_FED/broker/certs/"
"$BIN/sluice-gendata" --out "$I_FED/data" --enterprises 20 --quiet >/dev/null
cp "$ROOT/examples/pudong/catalogs/msa.cfg" "$I_FED/msa/catalog.cfg"
cat >"$I_FED/broker/broker.cfg" <<CFG
broker
    endpoint = "tcp://127.0.0.1:$I_PORT"
    cert = "BROKER.cert_secret"
    authority = "../authority/authority.pub"
    certs = "certs"
    state = "state"
CFG
cat >"$I_FED/msa/gateway.cfg" <<CFG
gateway
    cert = "SH-PD-MSA.cert_secret"
    authority = "../authority/authority.pub"
    broker = "tcp://127.0.0.1:$I_PORT"
    broker-cert = "../broker/BROKER.cert"
    local = "ipc://state/local.ipc"
    catalog = "catalog.cfg"
    source = "../data/market.db"
    state = "state"
CFG

# The broker under the fake systemd, its standard error the journal's stream
I_LOG="$I_WORK/broker.journal"
: >"$I_LOG"
NOTIFY_SOCKET="$I_NOTIFY" JOURNAL_STREAM="$(stat -c '%d:%i' "$I_LOG")" \
    "$I_ROOT/usr/sbin/sluice-broker" --config "$I_FED/broker/broker.cfg" 2>>"$I_LOG" &
i_broker=$!
PIDS="$PIDS $i_broker"
check "the broker tells systemd READY=1 once it serves" i_told 1 "^READY=1 STATUS=serving$"
kill -HUP "$i_broker"
check "a SIGHUP: RELOADING=1, with the monotonic time" i_told 2 \
    "^RELOADING=1 STATUS=reloading MONOTONIC_USEC=[0-9]+$"
check "then READY=1 once reloaded" i_told 3 "^READY=1 STATUS=serving$"
NOTIFY_SOCKET="$I_NOTIFY" "$I_ROOT/usr/sbin/sluice-gateway" \
    --config "$I_FED/msa/gateway.cfg" >>"$I_WORK/gateway.log" 2>&1 &
i_gateway=$!
PIDS="$PIDS $i_gateway"
check "the gateway tells READY=1 once its sockets are up" i_told 4 "^READY=1 STATUS=serving$"
check "and it serves, registered with its broker" wait_registered msa "$I_FED"
stop_clean "the gateway stops cleanly" "$i_gateway"
check "telling STOPPING=1 first" i_told 5 "^STOPPING=1 STATUS=stopping$"
stop_clean "the broker stops cleanly" "$i_broker"
check "telling STOPPING=1 too" i_told 6 "^STOPPING=1 STATUS=stopping$"
expect "the journal gets each line with its priority and without a time stamp" \
    "^<6>broker: BROKER listening on tcp://127.0.0.1:$I_PORT$" 0 cat "$I_LOG"
refute "and no line in the terminal's format" \
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}T|^[^<]" 0 cat "$I_LOG"
expect "without NOTIFY_SOCKET or JOURNAL_STREAM a daemon is as before" \
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}T.* sluice-gateway I: gateway: SH-PD-MSA serving" 0 \
    cat "$I_WORK/gateway.log"
kill "$i_listener" 2>/dev/null
wait "$i_listener" 2>/dev/null

# Installing again keeps an example that was changed; uninstall takes away
# everything else, and keeps that one
echo "# changed here" >>"$I_ROOT/etc/sluice/gateway.cfg.example"
check "make install again" i_make install DESTDIR="$I_ROOT" PREFIX=/usr
check "an existing file in /etc/sluice is never replaced" \
    grep -q "^# changed here$" "$I_ROOT/etc/sluice/gateway.cfg.example"
check "make uninstall" i_make uninstall DESTDIR="$I_ROOT" PREFIX=/usr
expect "uninstall leaves only the changed example" "^644 etc/sluice/gateway.cfg.example$" 0 \
    i_installed
check "and nothing else" test "$(i_installed | wc -l)" = 1

# The README's quick start, run as it is written (on a port of its own):
# the answer it shows, and a clean stop
I_QS="$I_WORK/quick-start"
mkdir -p "$I_QS"
python3 - "$ROOT/README.md" "$I_QS" <<'PY'
import re, sys
readme, out = open(sys.argv[1], encoding="utf-8").read(), sys.argv[2]
section = readme[readme.index("## Quick start"):]
section = section[:section.index("\n## ", 3)]
blocks = re.findall(r"```(sh)?\n(.*?)```", section, re.S)
scripts = [body for kind, body in blocks if kind == "sh"]
shown = [body for kind, body in blocks if kind != "sh"]
open(out + "/steps.sh", "w").write(scripts[0] + "\n" + scripts[1])
open(out + "/shown.txt", "w").write(shown[0])
PY
sed -i -e "s|^export PATH=\$PWD/build/bin:\$PATH.*|export PATH=$BIN:\$PATH|" \
    -e "s|\.\./examples/|$ROOT/examples/|g" -e "s|:7700|:$((I_PORT + 1))|g" \
    "$I_QS/steps.sh"
# The query's answer to its own file; the daemons' pids as soon as they
# run, so that none is left behind if a step fails
sed -i -e '/^    --key \$KEY .*--role auditor$/s|$| >answer.txt|' \
    -e '/^sluice-gateway --config tax\/gateway.cfg .*&$/s|$|\njobs -p >pids|' \
    -e 's|^kill %1 %2 %3$|kill %1 %2 %3; wait|' "$I_QS/steps.sh"
check "the README's quick start runs as written" bash -e -c "cd '$I_QS' && . ./steps.sh"
check "and answers what it shows" diff "$I_QS/shown.txt" "$I_QS/fed/answer.txt"
check "and every daemon it started is stopped" test "$(wc -l <"$I_QS/fed/pids")" = 3
for pid in $(cat "$I_QS/fed/pids" 2>/dev/null); do kill -0 "$pid" 2>/dev/null && kill "$pid"; done

# The docs: every relative link leads to a file, and every #anchor to a
# heading of it (GitHub's anchors); the README fits on a few screens
expect "every link of README.md and docs/ leads somewhere" "^links: [0-9]+ checked$" 0 \
    python3 - "$ROOT" <<'PY'
import os, re, sys, unicodedata
root = sys.argv[1]
files = [os.path.join(root, "README.md")] + sorted(
    os.path.join(root, "docs", name) for name in os.listdir(os.path.join(root, "docs"))
    if name.endswith(".md"))
def anchors(path):
    found, seen, fence = set(), {}, False
    for line in open(path, encoding="utf-8"):
        if line.startswith("```"):
            fence = not fence
        if fence or not line.startswith("#"):
            continue
        text = line.lstrip("#").strip().lower()
        text = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LN")
        slug = text.replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else "%s-%d" % (slug, count))
    return found
bad, checked = [], 0
for path in files:
    text = re.sub(r"```.*?```", "", open(path, encoding="utf-8").read(), flags=re.S)
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue
        checked += 1
        name, _, anchor = target.partition("#")
        dest = os.path.normpath(os.path.join(os.path.dirname(path), name)) if name else path
        if not os.path.exists(dest):
            bad.append("%s: %s: no such file" % (os.path.relpath(path, root), target))
        elif anchor and (not dest.endswith(".md") or anchor not in anchors(dest)):
            bad.append("%s: %s: no such heading" % (os.path.relpath(path, root), target))
print("\n".join(bad) if bad else "links: %d checked" % checked)
PY
check "the README fits on a few screens (under 300 lines)" \
    test "$(wc -l <"$ROOT/README.md")" -lt 300
finish
