#!/bin/bash
# Regenerate tests/cli/expected/ with a reference dkms (not run by make check):
#   DKMS_REF=/path/to/dkms bash tests/cli/regen-expected.sh [scenario...]
# (deliberately not executable, so that tests/run-all.sh does not run it)
# The reference (dkms 3.4.3's bash script) reads the real /etc/dkms and
# /etc/os-release, so each scenario runs in a private mount namespace with its
# own etc dir bound over them (cli-lib.bash does that). Steps marked DIVERGE
# keep their hand-written expected file; the reference's record is left beside
# it as <step>.out.ref for review. Review every changed file with git diff.
set -u
cd "$(dirname "$0")"
: "${DKMS_REF:?set DKMS_REF to the reference dkms, e.g. /tmp/ref/dkms}"
if [ "$(head -c2 "$DKMS_REF")" = '#!' ]; then
	bin="bash $DKMS_REF"
else
	bin=$DKMS_REF
fi
[ $# -gt 0 ] || set -- $(ls *.sh | sed 's/\.sh$//' | grep -vx regen-expected)
rc=0
for s in "$@"; do
	rm -f expected/"$s"/*.ref
	if REGEN=1 CLI_BIND_ETC=1 DKMS_BIN="$bin" ./"$s.sh" >"/tmp/regen-$s.log" 2>&1; then
		echo "$s: $(grep -c '^ok' "/tmp/regen-$s.log") records"
	else
		echo "$s: FAILED, see /tmp/regen-$s.log"; rc=1
	fi
done
exit $rc
