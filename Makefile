#   Sluice -- regulatory information sharing without pooling.
#
#   make            build every binary into build/bin
#   make test       build with AddressSanitizer + UBSan and run all tests
#   make demo       run the Pudong demo federation on loopback
#   make bench      measure queries per second against the two floors
#   make fuzz       run the fuzz targets for a short while (clang)
#   make install PREFIX=/usr/local
#   make clean

PREFIX   ?= /usr/local
CC       ?= cc
PKGS     := libczmq libzmq libsodium msgpack sqlite3
WARN     := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wno-missing-field-initializers
CSTD     := -std=c11 -D_GNU_SOURCE
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

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
            sluice-rogue sluice-liar sluice-bench sluice-certgen
MAINS_sluice-broker   := broker/sluice_broker.c
MAINS_sluice-gateway  := gateway/sluice_gateway.c
MAINS_sluice          := gateway/cli/sluice.c
MAINS_sluice-gendata  := examples/pudong/gendata.c
MAINS_sluice-selftest := tests/selftest.c tests/peer.c
MAINS_sluice-rogue    := tests/rogue.c tests/peer.c
MAINS_sluice-liar     := tests/liar.c tests/peer.c
MAINS_sluice-bench    := tests/bench.c
MAINS_sluice-certgen  := tests/certgen.c
PART_sluice-broker    := broker
PART_sluice-gateway   := gateway
PART_sluice           := cli
PART_sluice-gendata   := wire
PART_sluice-selftest  := tests
PART_sluice-rogue     := tests
PART_sluice-liar      := tests
PART_sluice-bench     := tests
PART_sluice-certgen   := tests

.PHONY: all test demo bench fuzz install clean deps selftest layers
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
	    $$(PKG_LIBS) -o $$@
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
endef
$(eval $(call build_tree,build,$(OPT_CFLAGS)))
$(eval $(call build_tree,build/asan,$(SAN_CFLAGS)))
-include $(shell find build -name '*.d' 2>/dev/null)

#   Mains include headers too; a header change relinks them
HEADERS := $(wildcard proto/*.h proto/registry/*.h certs/*.h broker/*.h gateway/*.h \
                      gateway/cli/*.h tests/*.h tests/fuzz/*.h)
$(foreach p,$(PROGRAMS),$(eval build/bin/$(p): $(HEADERS)))
$(foreach p,$(PROGRAMS),$(eval build/asan/bin/$(p): $(HEADERS)))

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

fuzz: deps-quiet
	@sh tests/fuzz/run.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 build/bin/sluice-broker build/bin/sluice-gateway \
	    build/bin/sluice build/bin/sluice-gendata $(DESTDIR)$(PREFIX)/bin

clean:
	rm -rf build
.PHONY: deps-quiet
