# SPDX-License-Identifier: GPL-2.0-or-later
# make            build build/dkms
# make check      install what is missing, build, run every test
# make demo       build megaraid_sas from Debian's linux-source with build/dkms
# make bench      timings against Debian's dkms (not a test)
# make fuzz       libFuzzer targets in build/fuzz/, each run FUZZ_SECONDS (tests/fuzz/run.sh)
# make install    PREFIX=/usr DESTDIR=...
# DEVELOPER=1     -Werror and ASan+UBSan

PREFIX  ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR  ?= $(PREFIX)/share/man
DESTDIR ?=
# The program reads /etc/dkms and the kernel packages run /etc/kernel hooks,
# whatever the prefix: these stay in /etc.
SYSCONFDIR ?= /etc
KERNELHOOKDIR ?= $(SYSCONFDIR)/kernel
# dkms_autoinstaller and common.postinst (*-dkms packages call /usr/lib/dkms)
LIBDIR  ?= $(PREFIX)/lib/dkms
# systemd also looks in /usr/local/lib/systemd/system; kernel-install only in
# /usr/lib/kernel/install.d and /etc/kernel/install.d
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
KERNELINSTALLDIR ?= $(if $(filter /usr,$(PREFIX)),/usr/lib/kernel/install.d,$(KERNELHOOKDIR)/install.d)
DATADIR ?= $(PREFIX)/share/dkms
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions

CC      ?= cc
B       := build
PKGS    := libkmod libarchive blkid zlib liblzma libzstd liblz4 libdeflate
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes \
	   -Wstrict-prototypes -Wvla -Wwrite-strings -Wundef -Wno-unused-parameter \
	   -D_GNU_SOURCE -I. -Idkms-core $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lkmod -larchive -lblkid -lz -llzma -lzstd -llz4 -ldeflate) -lbz2

ifeq ($(DEVELOPER),1)
CFLAGS  += -Werror -fsanitize=address,undefined -fno-omit-frame-pointer -O1
LDFLAGS += -fsanitize=address,undefined
endif

CORE_SRC := $(sort $(wildcard dkms-core/util/*.c) $(wildcard dkms-core/codec/*.c) $(wildcard dkms-core/*.c) \
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

# the units see what the core says as the dkms program prints it: cmd/'s writer
$(B)/tests/test-%: tests/unit/test-%.c $(B)/libdkms.a $(B)/cmd/output.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/cmd/output.o $(B)/libdkms.a $(LDLIBS) -lcmocka

unit: $(UNIT_BIN)

deps-test:
	@scripts/install-deps.sh test

# the build uses every CPU too (a plain `make check` has no -j); TEST_JOBS
# (default: the number of CPUs) is how many test groups run at once
check: deps-test
	@$(MAKE) --no-print-directory $(if $(filter -j%,$(MAKEFLAGS)),,-j$$(nproc)) all unit
	@tests/run-all.sh

demo: deps-test all
	@examples/demo.sh

bench: deps-test all
	@tests/bench/run.sh

# libFuzzer targets (tests/fuzz/fuzz-*.c) as build/fuzz/fuzz-<name>, with the core
# built again by clang with the sanitizers; conf-diff is conf-native with -DFUZZ_DIFF.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_JOBS    ?= 1
FUZZ_NICE    ?= 15
FUZZ_CFLAGS  := -g -O1 -fno-omit-frame-pointer -std=gnu11 -D_GNU_SOURCE -I. -Idkms-core \
		$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
FUZZ_NAMES   := $(sort $(patsubst tests/fuzz/fuzz-%.c,%,$(wildcard tests/fuzz/fuzz-*.c)) conf-diff)
FUZZ_BIN     := $(FUZZ_NAMES:%=$(B)/fuzz/fuzz-%)
FUZZ_OBJ     := $(CORE_SRC:%.c=$(B)/fuzz/obj/%.o)

$(B)/.deps-fuzz:
	@scripts/install-deps.sh fuzz
	@mkdir -p $(B) && touch $@

$(B)/fuzz/obj/%.o: %.c | $(B)/.deps-fuzz
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -MMD -MP -c -o $@ $<

$(B)/fuzz/libdkms.a: $(FUZZ_OBJ)
	$(AR) rcs $@ $^

$(B)/fuzz/fuzz-conf-diff: tests/fuzz/fuzz-conf-native.c $(B)/fuzz/libdkms.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -DFUZZ_DIFF -fsanitize=fuzzer,address,undefined -o $@ $< $(B)/fuzz/libdkms.a $(LDLIBS)

$(B)/fuzz/fuzz-%: tests/fuzz/fuzz-%.c $(B)/fuzz/libdkms.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< $(B)/fuzz/libdkms.a $(LDLIBS)

fuzz-build: $(FUZZ_BIN)

fuzz: fuzz-build
	@FUZZ_DIR=$(CURDIR)/$(B)/fuzz FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) \
		FUZZ_NICE=$(FUZZ_NICE) tests/fuzz/run.sh $(FUZZ_NAMES)

# Man pages and completions are installed when they exist (man/, completion/).
# data/*.in get the install paths filled in at each install (the paths may
# differ from one install to the next). An existing framework.conf is the
# admin's: it is left as it is.
SUBST := -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	 -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@KERNELHOOKDIR@|$(KERNELHOOKDIR)|g'
MANPAGES := $(wildcard man/*.[1-9])
BASHCOMP := $(firstword $(wildcard completion/dkms completion/dkms.bash completion/dkms.bash-completion))
ZSHCOMP  := $(wildcard completion/_dkms)

install: all
	rm -rf $(B)/data && mkdir -p $(B)/data
	for f in data/*.in; do sed $(SUBST) $$f >$(B)/data/$$(basename $$f .in) || exit 1; done
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(SYSCONFDIR)/dkms/framework.conf.d \
		$(DESTDIR)$(KERNELHOOKDIR)/postinst.d $(DESTDIR)$(KERNELHOOKDIR)/header_postinst.d \
		$(DESTDIR)$(KERNELHOOKDIR)/preinst.d $(DESTDIR)$(KERNELHOOKDIR)/prerm.d \
		$(DESTDIR)$(KERNELINSTALLDIR) $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)/var/lib/dkms
	install -m 0755 $(B)/dkms $(DESTDIR)$(SBINDIR)/dkms
	install -m 0755 $(B)/data/dkms_autoinstaller $(B)/data/common.postinst $(DESTDIR)$(LIBDIR)/
	install -m 0755 $(B)/data/kernel-postinst $(DESTDIR)$(KERNELHOOKDIR)/postinst.d/dkms
	install -m 0755 $(B)/data/kernel-postinst $(DESTDIR)$(KERNELHOOKDIR)/header_postinst.d/dkms
	install -m 0755 $(B)/data/kernel-preinst $(DESTDIR)$(KERNELHOOKDIR)/preinst.d/dkms
	install -m 0755 $(B)/data/kernel-prerm $(DESTDIR)$(KERNELHOOKDIR)/prerm.d/dkms
	install -m 0755 $(B)/data/40-dkms.install $(DESTDIR)$(KERNELINSTALLDIR)/40-dkms.install
	install -m 0644 $(B)/data/dkms.service $(DESTDIR)$(SYSTEMDUNITDIR)/dkms.service
	install -m 0644 data/framework.conf $(DESTDIR)$(DATADIR)/framework.conf
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/dkms/framework.conf ]; then \
		echo "keeping $(DESTDIR)$(SYSCONFDIR)/dkms/framework.conf (all settings: $(DATADIR)/framework.conf)"; \
	else \
		echo "install -m 0644 data/framework.conf $(DESTDIR)$(SYSCONFDIR)/dkms/framework.conf"; \
		install -m 0644 data/framework.conf $(DESTDIR)$(SYSCONFDIR)/dkms/framework.conf; \
	fi
	for m in $(MANPAGES); do \
		install -D -m 0644 $$m $(DESTDIR)$(MANDIR)/man$${m##*.}/$$(basename $$m) || exit 1; done
	$(if $(BASHCOMP),install -D -m 0644 $(BASHCOMP) $(DESTDIR)$(BASHCOMPDIR)/dkms)
	$(if $(ZSHCOMP),install -D -m 0644 $(ZSHCOMP) $(DESTDIR)$(ZSHCOMPDIR)/_dkms)

clean:
	rm -rf $(B)

.PHONY: all unit check demo bench install clean deps-test fuzz fuzz-build
-include $(CORE_OBJ:.o=.d) $(CMD_OBJ:.o=.d) $(FUZZ_OBJ:.o=.d)
