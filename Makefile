# SPDX-License-Identifier: GPL-2.0-or-later
# make            build build/dkms
# make check      install what is missing, build, run every test
# make demo       build megaraid_sas from Debian's linux-source with build/dkms
# make bench      timings against Debian's dkms (not a test)
# make install    PREFIX=/usr DESTDIR=...
# DEVELOPER=1     -Werror and ASan+UBSan

PREFIX  ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR  ?= $(PREFIX)/share/man
DESTDIR ?=

CC      ?= cc
B       := build
PKGS    := libkmod libarchive blkid zlib liblzma libzstd liblz4
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes \
	   -Wstrict-prototypes -Wvla -Wwrite-strings -Wundef -Wno-unused-parameter \
	   -D_GNU_SOURCE -I. -Idkms-core $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lkmod -larchive -lblkid -lz -llzma -lzstd -llz4) -lbz2

ifeq ($(DEVELOPER),1)
CFLAGS  += -Werror -fsanitize=address,undefined -fno-omit-frame-pointer -O1
LDFLAGS += -fsanitize=address,undefined
endif

CORE_SRC := $(sort $(wildcard dkms-core/util/*.c) $(wildcard dkms-core/*.c) \
	      $(wildcard formats/*.c) $(wildcard mkdisk/*.c) $(wildcard initrd/*.c))
CMD_SRC  := $(sort $(wildcard cmd/*.c))
CORE_OBJ := $(CORE_SRC:%.c=$(B)/%.o)
CMD_OBJ  := $(CMD_SRC:%.c=$(B)/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/test-*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

all: $(B)/dkms

$(B)/.deps-build:
	@scripts/install-deps.sh build
	@mkdir -p $(B) && touch $@

$(B)/%.o: %.c | $(B)/.deps-build
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(B)/libdkms.a: $(CORE_OBJ)
	$(AR) rcs $@ $^

$(B)/dkms: $(CMD_OBJ) $(B)/libdkms.a
	$(CC) $(LDFLAGS) -o $@ $(CMD_OBJ) $(B)/libdkms.a $(LDLIBS)

$(B)/tests/test-%: tests/unit/test-%.c $(B)/libdkms.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libdkms.a $(LDLIBS) -lcmocka

unit: $(UNIT_BIN)

deps-test:
	@scripts/install-deps.sh test

check: deps-test all unit
	@tests/run-all.sh

demo: deps-test all
	@examples/demo.sh

bench: deps-test all
	@tests/bench/run.sh

install: all
	install -d $(DESTDIR)$(SBINDIR)
	install -m 0755 $(B)/dkms $(DESTDIR)$(SBINDIR)/dkms

clean:
	rm -rf $(B)

.PHONY: all unit check demo bench install clean deps-test
-include $(CORE_OBJ:.o=.d) $(CMD_OBJ:.o=.d)
