#   Sluice -- regulatory information sharing without pooling.
#
#   make            build every binary into build/bin
#   make test       build with AddressSanitizer + UBSan and run all tests
#   make demo       run the Pudong demo federation on loopback
#   make bench      measure queries per second against the two floors
#   make fault      10,000 notices through two brokers under SIGKILLs
#   make fuzz       run the fuzz targets for a short while (clang)
#   make install    PREFIX=/usr/local DESTDIR= (see "Install" below)
#   make uninstall  the same files again
#   make man        the man pages whose settings come from proto/settings.c
#   make clean

PREFIX   ?= /usr/local
CC       ?= cc
PKGS     := libczmq libzmq libsodium msgpack sqlite3
WARN     := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wno-missing-field-initializers
CSTD     := -std=c11 -D_GNU_SOURCE
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
#   sd_notify (proto/daemon.c) for the programs that run a daemon's
#   start-up, and only those: the sluice command does not link it
SYSTEMD_LIBS = $(shell pkg-config --libs libsystemd 2>/dev/null)

#   Release build and sanitizer build share sources, not objects
OPT_CFLAGS  := -O2 -g
SAN_CFLAGS  := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
               -fno-sanitize-recover=undefined

#   The layers, bottom up. Each part compiles with the include paths of its
#   own layer and of the layers below it only, so an include that reaches up
#   or sideways does not compile; `make layers` also refuses an include with
#   a path in it ("../x.h", "registry/x.h"), which would get round that.
#       wire      proto/             envelope, codec, messages, identifiers,
#                                    replay, result codes, the local API's
#                                    codec, settings and the daemons' start-up
#       trust     certs/             authority, certificates, revocation,
#                                    trust store
#       registry  proto/registry/    statements, ledger, REGISTRY payloads,
#                                    the rules, agreements, catalogs, the
#                                    audit log
#       programs  broker/            sluice-broker
#                 gateway/           sluice-gateway
#                 gateway/cli/       the sluice command
LAYER_wire     := proto
LAYER_trust    := $(LAYER_wire) certs
LAYER_registry := $(LAYER_trust) proto/registry
LAYER_broker   := $(LAYER_registry) broker
LAYER_gateway  := $(LAYER_registry) gateway
LAYER_cli      := $(LAYER_registry) gateway/cli
LAYER_tests    := $(LAYER_registry) broker gateway gateway/cli tests tests/fuzz
LAYER_examples := $(LAYER_wire)

WIRE_SRC     := $(wildcard proto/*.c)
TRUST_SRC    := $(wildcard certs/*.c)
REGISTRY_SRC := $(wildcard proto/registry/*.c)
BROKER_SRC   := $(filter-out broker/sluice_broker.c,$(wildcard broker/*.c))
GATEWAY_SRC  := $(filter-out gateway/sluice_gateway.c,$(wildcard gateway/*.c))
CLI_SRC      := $(filter-out gateway/cli/sluice.c,$(wildcard gateway/cli/*.c))

#   A program links its own part and the layers below, and of those only
#   the objects it uses (static archives)
LIBS_wire     := wire
LIBS_trust    := trust $(LIBS_wire)
LIBS_registry := registry $(LIBS_trust)
LIBS_broker   := broker $(LIBS_registry)
LIBS_gateway  := gateway $(LIBS_registry)
LIBS_cli      := cli $(LIBS_registry)
LIBS_tests    := cli gateway broker $(LIBS_registry)

PROGRAMS := sluice-broker sluice-gateway sluice sluice-gendata sluice-selftest \
            sluice-rogue sluice-liar sluice-bench sluice-certgen sluice-noticedrive
MAINS_sluice-broker   := broker/sluice_broker.c
MAINS_sluice-gateway  := gateway/sluice_gateway.c
MAINS_sluice          := gateway/cli/sluice.c
MAINS_sluice-gendata  := examples/pudong/gendata.c
MAINS_sluice-selftest := tests/selftest.c tests/peer.c
MAINS_sluice-rogue    := tests/rogue.c tests/peer.c
MAINS_sluice-liar     := tests/liar.c tests/peer.c
MAINS_sluice-bench    := tests/bench.c
MAINS_sluice-certgen  := tests/certgen.c
MAINS_sluice-noticedrive := tests/noticedrive.c
PART_sluice-broker    := broker
PART_sluice-gateway   := gateway
PART_sluice           := cli
PART_sluice-gendata   := wire
PART_sluice-selftest  := tests
PART_sluice-rogue     := tests
PART_sluice-liar      := tests
PART_sluice-bench     := tests
PART_sluice-certgen   := tests
PART_sluice-noticedrive := tests
EXTRA_LIBS_sluice-broker   = $(SYSTEMD_LIBS)
EXTRA_LIBS_sluice-gateway  = $(SYSTEMD_LIBS)
EXTRA_LIBS_sluice-selftest = $(SYSTEMD_LIBS)

.PHONY: all test demo bench fault fuzz install uninstall man clean deps selftest layers
all: deps-quiet layers $(addprefix build/bin/,$(PROGRAMS))

#   An include with a path would reach past the include paths
layers:
	@if grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[^"]*/' \
	        proto certs broker gateway; then \
	    echo "make: an #include above names a path; include by name, from the layers below"; \
	    exit 1; \
	fi

#   Build trees: build/ (release) and build/asan/ (tests). Objects record
#   the headers they read (-MMD), so a header change rebuilds what uses it.
#   $(1) tree, $(2) flags, $(3) source folder, $(4) layer
define compile_rule
$(1)/obj/$(3)/%.o: $(3)/%.c
	@mkdir -p $$(dir $$@)
	@echo "  CC      $$@"
	@$$(CC) $$(CSTD) $$(WARN) $(2) $$(addprefix -I,$$(LAYER_$(4))) $$(PKG_CFLAGS) \
	    -MMD -MP -c $$< -o $$@
endef
define library_rule
$(1)/lib/lib$(2).a: $$(patsubst %.c,$(1)/obj/%.o,$(3))
	@mkdir -p $$(dir $$@)
	@echo "  AR      $$@"
	@rm -f $$@ && ar rcs $$@ $$^
endef
define program_rule
$(1)/bin/$(3): $$(MAINS_$(3)) $$(foreach l,$$(LIBS_$$(PART_$(3))),$(1)/lib/lib$$(l).a)
	@mkdir -p $$(dir $$@)
	@echo "  LINK    $$@"
	@$$(CC) $$(CSTD) $$(WARN) $(2) $$(addprefix -I,$$(LAYER_$$(PART_$(3)))) $$(PKG_CFLAGS) \
	    $$(MAINS_$(3)) $$(foreach l,$$(LIBS_$$(PART_$(3))),$(1)/lib/lib$$(l).a) \
	    $$(PKG_LIBS) $$(EXTRA_LIBS_$(3)) -o $$@
endef
define newline


endef
define build_tree
$(call compile_rule,$(1),$(2),proto,wire)
$(call compile_rule,$(1),$(2),certs,trust)
$(call compile_rule,$(1),$(2),proto/registry,registry)
$(call compile_rule,$(1),$(2),broker,broker)
$(call compile_rule,$(1),$(2),gateway,gateway)
$(call compile_rule,$(1),$(2),gateway/cli,cli)
$(call library_rule,$(1),wire,$(WIRE_SRC))
$(call library_rule,$(1),trust,$(TRUST_SRC))
$(call library_rule,$(1),registry,$(REGISTRY_SRC))
$(call library_rule,$(1),broker,$(BROKER_SRC))
$(call library_rule,$(1),gateway,$(GATEWAY_SRC))
$(call library_rule,$(1),cli,$(CLI_SRC))
$(foreach p,$(PROGRAMS),$(call program_rule,$(1),$(2),$(p))$(newline))
$(call man_rules,$(1),$(2))
endef
#   The section 5 pages of the daemons' configurations: their settings are
#   written from the schemas of proto/settings.c, with the meanings of the
#   tables of docs/formats.md, which the generator checks against them
define man_rules
$(1)/tools/settings_man: docs/man/settings_man.c $(1)/lib/libwire.a
	@mkdir -p $$(dir $$@)
	@echo "  LINK    $$@"
	@$$(CC) $$(CSTD) $$(WARN) $(2) -Iproto $$(PKG_CFLAGS) $$< $(1)/lib/libwire.a \
	    $$(PKG_LIBS) -o $$@
$(1)/man/sluice-%.conf.5: docs/man/sluice-%.conf.5.in docs/formats.md $(1)/tools/settings_man
	@mkdir -p $$(dir $$@)
	@echo "  MAN     $$@"
	@$(1)/tools/settings_man $$* docs/formats.md <$$< >$$@.tmp && mv $$@.tmp $$@ \
	    || { rm -f $$@.tmp; exit 1; }
endef
$(eval $(call build_tree,build,$(OPT_CFLAGS)))
$(eval $(call build_tree,build/asan,$(SAN_CFLAGS)))
-include $(shell find build -name '*.d' 2>/dev/null)

#   Mains include headers too; a header change relinks them
HEADERS := $(wildcard proto/*.h proto/registry/*.h certs/*.h broker/*.h gateway/*.h \
                      gateway/cli/*.h tests/*.h tests/fuzz/*.h)
$(foreach p,$(PROGRAMS),$(eval build/bin/$(p): $(HEADERS)))
$(foreach p,$(PROGRAMS),$(eval build/asan/bin/$(p): $(HEADERS)))

#   JSON (jansson) is converted in one place, proto/jsonpack.c, which the
#   sluice command (--json) and the gateway's local HTTP API (gateway/http.c,
#   libmicrohttpd) both use: those objects, the gateway's and the command's
#   programs and the tests' (which link both) get the flags; the broker
#   links neither
PKGS_json      := jansson
PKGS_http      := libmicrohttpd
PKG_CFLAGS_json = $(shell pkg-config --cflags $(PKGS_json) 2>/dev/null)
PKG_LIBS_json   = $(shell pkg-config --libs $(PKGS_json) 2>/dev/null)
PKG_CFLAGS_http = $(shell pkg-config --cflags $(PKGS_http) 2>/dev/null)
PKG_LIBS_http   = $(shell pkg-config --libs $(PKGS_http) 2>/dev/null)
PROGRAMS_json  := $(foreach p,$(PROGRAMS),$(if $(filter cli gateway tests,$(PART_$(p))),$(p)))
PROGRAMS_http  := $(foreach p,$(PROGRAMS),$(if $(filter gateway tests,$(PART_$(p))),$(p)))
$(foreach t,build build/asan,\
    $(eval $(t)/obj/proto/jsonpack.o: PKG_CFLAGS += $$(PKG_CFLAGS_json))\
    $(eval $(t)/obj/gateway/cli/%.o: PKG_CFLAGS += $$(PKG_CFLAGS_json))\
    $(eval $(t)/obj/gateway/%.o: PKG_CFLAGS += $$(PKG_CFLAGS_json) $$(PKG_CFLAGS_http)))
$(foreach t,build build/asan,$(foreach p,$(PROGRAMS_json),\
    $(eval $(t)/bin/$(p): PKG_CFLAGS += $$(PKG_CFLAGS_json))\
    $(eval $(t)/bin/$(p): PKG_LIBS += $$(PKG_LIBS_json))))
$(foreach t,build build/asan,$(foreach p,$(PROGRAMS_http),\
    $(eval $(t)/bin/$(p): PKG_CFLAGS += $$(PKG_CFLAGS_http))\
    $(eval $(t)/bin/$(p): PKG_LIBS += $$(PKG_LIBS_http))))

deps:
	@sh .ci/deps
deps-quiet:
	@sh .ci/deps >/dev/null || sh .ci/deps

#   Every program, the test tools too: sluice-bench also drives the load
#   of tests/features/audit-durability.sh. tests/README.md tells the layout.
TEST_PROGRAMS := $(PROGRAMS)
test: deps-quiet layers $(addprefix build/asan/bin/,$(TEST_PROGRAMS))
	@bash tests/run.sh build/asan/bin

demo: all
	@sh examples/pudong/demo.sh build/bin

bench: all
	@sh tests/bench.sh build/bin

#   The fault test of tests/features/notices-fault.sh at its full size, on
#   the release build: 10,000 notices, 12 kills; its last line the figures
fault: all
	@SLUICE_FAULT_NOTICES=10000 SLUICE_FAULT_KILLS=12 \
	    bash tests/features/notices-fault.sh build/bin

fuzz: deps-quiet
	@sh tests/fuzz/run.sh

#   Install, after the FHS (docs/operations.md, "Installing"):
#       $(BINDIR)      sluice
#       $(SBINDIR)     sluice-broker, sluice-gateway
#       $(MANDIR)      man1, man5, man8
#       $(UNITDIR)     sluice-broker.service, sluice-gateway@.service
#       $(SYSUSERSDIR) sluice.conf: the daemons' user
#       $(DOCDIR)      README.md, docs/*.md, proto/PROTOCOL.md (as in the
#                      tree, so that their links between them hold)
#       /etc/sluice    broker.cfg.example, gateway.cfg.example (an existing
#                      file is never replaced)
#   State goes to /var/lib/sluice, made by the units (StateDirectory=). The
#   demo and test tools (sluice-gendata, sluice-selftest, sluice-rogue,
#   sluice-liar, sluice-bench, sluice-certgen) stay in build/bin. BUILD
#   names the tree the programs come from (the tests install build/asan).
#   Units go under PREFIX, where systemd looks for the administrator's
#   (/usr/local/lib/systemd/system) and for a package's (/usr/lib, which
#   is /lib on Debian); sysusers.d is read from /usr/lib and /etc only.
BUILD       ?= build
BINDIR      ?= $(PREFIX)/bin
SBINDIR     ?= $(PREFIX)/sbin
MANDIR      ?= $(PREFIX)/share/man
DOCDIR      ?= $(PREFIX)/share/doc/sluice
SYSCONFDIR  ?= /etc
UNITDIR     ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(if $(filter /usr,$(PREFIX)),/usr/lib/sysusers.d,$(SYSCONFDIR)/sysusers.d)
MAN_STATIC  := $(wildcard docs/man/*.1 docs/man/*.5 docs/man/*.8)
MAN_BUILT   := $(BUILD)/man/sluice-gateway.conf.5 $(BUILD)/man/sluice-broker.conf.5
UNITS       := broker/sluice-broker.service gateway/sluice-gateway@.service
EXAMPLES    := $(wildcard examples/etc/sluice/*.example)
DOCS        := README.md $(wildcard docs/*.md) proto/PROTOCOL.md

man: $(MAN_BUILT)

install: deps-quiet layers $(BUILD)/bin/sluice $(BUILD)/bin/sluice-broker \
         $(BUILD)/bin/sluice-gateway $(MAN_BUILT)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(UNITDIR) \
	    $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(SYSCONFDIR)/sluice \
	    $(addprefix $(DESTDIR)$(DOCDIR)/,. docs proto) \
	    $(addprefix $(DESTDIR)$(MANDIR)/man,1 5 8)
	install -m 755 $(BUILD)/bin/sluice $(DESTDIR)$(BINDIR)
	install -m 755 $(BUILD)/bin/sluice-broker $(BUILD)/bin/sluice-gateway $(DESTDIR)$(SBINDIR)
	for page in $(MAN_STATIC) $(MAN_BUILT); do \
	    install -m 644 $$page $(DESTDIR)$(MANDIR)/man$${page##*.} || exit 1; done
	for unit in $(UNITS); do \
	    sed 's|@SBINDIR@|$(SBINDIR)|g' $$unit.in >$(DESTDIR)$(UNITDIR)/$${unit#*/} \
	    && chmod 644 $(DESTDIR)$(UNITDIR)/$${unit#*/} || exit 1; done
	install -m 644 examples/etc/sysusers.d/sluice.conf $(DESTDIR)$(SYSUSERSDIR)
	for doc in $(DOCS); do install -m 644 $$doc $(DESTDIR)$(DOCDIR)/$$doc || exit 1; done
	for example in $(EXAMPLES); do \
	    target=$(DESTDIR)$(SYSCONFDIR)/sluice/$${example##*/}; \
	    if [ -e $$target ]; then echo "  kept    $$target (it exists)"; \
	    else install -m 644 $$example $$target || exit 1; fi; done
	@#  On this host itself (no DESTDIR): the user, and systemd told
	@if [ -z "$(DESTDIR)" ]; then \
	    if command -v systemd-sysusers >/dev/null; then \
	        systemd-sysusers $(SYSUSERSDIR)/sluice.conf; fi; \
	    if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi; \
	    echo "installed; next: docs/operations.md, \"Installing\""; fi

#   Takes away what install put there; a configuration or an example that
#   was changed stays, and so does the state in /var/lib/sluice
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/sluice \
	    $(DESTDIR)$(SBINDIR)/sluice-broker $(DESTDIR)$(SBINDIR)/sluice-gateway \
	    $(DESTDIR)$(SYSUSERSDIR)/sluice.conf \
	    $(addprefix $(DESTDIR)$(UNITDIR)/,$(notdir $(UNITS))) \
	    $(foreach page,$(MAN_STATIC) $(MAN_BUILT),\
	        $(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(page)))/$(notdir $(page))) \
	    $(addprefix $(DESTDIR)$(DOCDIR)/,$(DOCS))
	rmdir $(DESTDIR)$(DOCDIR)/docs $(DESTDIR)$(DOCDIR)/proto $(DESTDIR)$(DOCDIR) 2>/dev/null || true
	for example in $(EXAMPLES); do \
	    target=$(DESTDIR)$(SYSCONFDIR)/sluice/$${example##*/}; \
	    if cmp -s $$example $$target; then rm -f $$target; \
	    elif [ -e $$target ]; then echo "  kept    $$target (changed)"; fi; done
	rmdir $(DESTDIR)$(SYSCONFDIR)/sluice 2>/dev/null || true
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi

clean:
	rm -rf build
.PHONY: deps-quiet
