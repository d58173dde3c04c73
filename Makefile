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
INCLUDES := -Iproto -Icerts -Ibroker -Igateway
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

#   Release build and sanitizer build share sources, not objects
OPT_CFLAGS  := -O2 -g
SAN_CFLAGS  := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
               -fno-sanitize-recover=undefined

PROTO_SRC   := $(wildcard proto/*.c)
CERTS_SRC   := $(wildcard certs/*.c)
BROKER_SRC  := $(filter-out broker/sluice_broker.c,$(wildcard broker/*.c))
GATEWAY_SRC := $(filter-out gateway/sluice_gateway.c gateway/sluice.c,$(wildcard gateway/*.c))
LIB_SRC     := $(PROTO_SRC) $(CERTS_SRC) $(BROKER_SRC) $(GATEWAY_SRC)
HEADERS     := $(wildcard proto/*.h certs/*.h broker/*.h gateway/*.h)

PROGRAMS := sluice-broker sluice-gateway sluice sluice-gendata sluice-selftest \
            sluice-rogue sluice-liar sluice-bench sluice-certgen
MAINS_sluice-broker   := broker/sluice_broker.c
MAINS_sluice-gateway  := gateway/sluice_gateway.c
MAINS_sluice          := gateway/sluice.c
MAINS_sluice-gendata  := examples/pudong/gendata.c
MAINS_sluice-selftest := tests/selftest.c tests/peer.c
MAINS_sluice-rogue    := tests/rogue.c tests/peer.c
MAINS_sluice-liar     := tests/liar.c tests/peer.c
MAINS_sluice-bench    := tests/bench.c
MAINS_sluice-certgen  := tests/certgen.c

.PHONY: all test demo bench fuzz install clean deps selftest
all: deps-quiet $(addprefix build/bin/,$(PROGRAMS))

#   Build trees: build/ (release) and build/asan/ (tests)
define build_tree
$(1)/obj/%.o: %.c $(HEADERS)
	@mkdir -p $$(dir $$@)
	@echo "  CC      $$@"
	@$$(CC) $$(CSTD) $$(WARN) $(2) $$(INCLUDES) $$(PKG_CFLAGS) -c $$< -o $$@
$(1)/lib/libsluice.a: $$(patsubst %.c,$(1)/obj/%.o,$$(LIB_SRC))
	@mkdir -p $$(dir $$@)
	@echo "  AR      $$@"
	@rm -f $$@ && ar rcs $$@ $$^
$(1)/bin/%: $(1)/lib/libsluice.a
	@mkdir -p $$(dir $$@)
	@echo "  LINK    $$@"
	@$$(CC) $$(CSTD) $$(WARN) $(2) $$(INCLUDES) $$(PKG_CFLAGS) \
	    $$(MAINS_$$*) $(1)/lib/libsluice.a $$(PKG_LIBS) -o $$@
endef
$(eval $(call build_tree,build,$(OPT_CFLAGS)))
$(eval $(call build_tree,build/asan,$(SAN_CFLAGS)))

#   Mains are listed per program; relink when they change
$(foreach p,$(PROGRAMS),$(eval build/bin/$(p): $(MAINS_$(p)) $(HEADERS)))
$(foreach p,$(PROGRAMS),$(eval build/asan/bin/$(p): $(MAINS_$(p)) $(HEADERS)))

deps:
	@sh .ci/deps
deps-quiet:
	@sh .ci/deps >/dev/null || sh .ci/deps

#   sluice-bench also drives the load of tests/suites/30-audit.sh
TEST_PROGRAMS := $(PROGRAMS)
test: deps-quiet $(addprefix build/asan/bin/,$(TEST_PROGRAMS))
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
