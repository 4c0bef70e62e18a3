#!/bin/sh
# golden-harden runner: runs the steps of WORK/plan (rules, then or after the
# user's scripts), writes one record per step to WORK/results and streams each
# record to stdout behind MARKER. Once done it waits for its standard input to
# close (the provisioner has downloaded the results), then removes WORK. It also
# removes WORK when stopped (stdin closed early, HUP, INT, TERM, broken pipe).
# Usage: sh run.sh WORK OWNER MARKER, or sh run.sh --script FILE (see run_script).
# shellcheck source-path=SCRIPTDIR
set -u

# interpret FILE runs FILE with the interpreter its #! line names (or sh): the
# work dir may be on a noexec mount, so nothing is executed directly.
interpret() {
	first=
	IFS= read -r first <"$1" || true
	case $first in
	'#!'*)
		set -f
		# shellcheck disable=SC2086 # the #! line splits into interpreter and argument
		set -- ${first#??} "$1"
		set +f
		"$@"
		;;
	*) sh "$1" ;;
	esac
}

if [ "${1:-}" = --script ]; then
	# A user script, in a session of its own so that stopping the runner stops it too.
	set -a
	# shellcheck source=/dev/null
	. "$3"
	set +a
	{
		interpret "$2" </dev/null 2>&1
		echo $? >"$4.rc"
	} | tee "$4"
	exit 0
fi

work=$1 owner=$2 marker=$3
tab=$(printf '\t')
results=$work/results
tmp=$work/tmp
GOLDEN_TMP=$tmp
child='' watcher='' finished=0
mkdir -m 0700 "$tmp"
# What rules and scripts create gets the usual modes; the work dir stays 0700.
umask 022

# shellcheck disable=SC2317 # called by the traps below
cleanup() {
	trap - EXIT HUP INT TERM PIPE
	[ -z "$child" ] || kill -TERM "-$child" 2>/dev/null || kill -TERM "$child" 2>/dev/null
	[ -z "$watcher" ] || kill "$watcher" 2>/dev/null
	cd / && rm -rf "$work"
}
# shellcheck disable=SC2317
stopped() {
	[ "$finished" = 1 ] && exit 0
	exit "$1"
}
trap cleanup EXIT
trap 'stopped 129' HUP
trap 'stopped 130' INT
trap 'stopped 143' TERM
trap 'stopped 141' PIPE

# The provisioner closes our stdin when it has the results, or to stop us.
exec 3<&0
{
	cat <&3 >/dev/null
	kill -TERM $$ 2>/dev/null
} &
watcher=$!
exec 3<&-

now_ms() {
	t=$(date +%s%N)
	case $t in *N) echo "$(date +%s)000" ;; *) echo "${t%??????}" ;; esac
}
b64() { base64 | tr -d '\n'; }
b64f() { head -c 4096 "$1" | b64; }

# line joins its arguments with tabs.
line() {
	l=$1
	shift
	for f in "$@"; do l=$l$tab$f; done
	printf '%s' "$l"
}
# rec writes a record to the results and streams it; say only streams it.
rec() {
	printf '%s\n' "$(line "$@")" >>"$results"
	say "$@"
}
say() { printf '%s %s\n' "$marker" "$(line "$@")"; }

finish() {
	printf '%s\n' "$(line end "$1" $(($(now_ms) - t0)))" >>"$results"
	chown "$owner" "$work" "$results"
	say end "$1" $(($(now_ms) - t0))
	finished=1
	wait "$watcher"
	exit 0
}

# applies FAMILIES: one of the comma-separated families is this OS or one it is like.
applies() {
	for f in $(echo "$1" | tr , ' '); do
		case " $os_ids " in *" $f "*) return 0 ;; esac
	done
	return 1
}

# check FN OUT runs check_FN, its output into OUT; sets status.
check() {
	("check_$1") >"$2" 2>&1 </dev/null
	case $? in 0) status=pass ;; 1) status=fail ;; 2) status=not-applicable ;; *) status=error ;; esac
}

run_rule() { # ID FN FAMILIES
	say begin rule "$1"
	start=$(now_ms)
	: >"$tmp/after"
	if ! applies "$3"; then
		echo "applies to $3; this is $os_ids" >"$tmp/before"
		rec rule "$1" not-applicable not-applicable $(($(now_ms) - start)) "$(b64f "$tmp/before")" ""
		return
	fi
	check "$2" "$tmp/before"
	before=$status after=$status
	if [ "$mode" = enforce ] && [ "$before" = fail ]; then
		(
			set -e
			"fix_$2"
		) >"$tmp/fix" 2>&1 </dev/null
		rc=$?
		case $rc in
		0)
			check "$2" "$tmp/after"
			after=$status
			[ "$after" != pass ] || after=fixed
			cat "$tmp/fix" >>"$tmp/after"
			;;
		3) cp "$tmp/fix" "$tmp/after" ;;
		*)
			after=error
			{
				echo "the fix exited with $rc:"
				cat "$tmp/fix"
			} >"$tmp/after"
			;;
		esac
	fi
	rec rule "$1" "$before" "$after" $(($(now_ms) - start)) "$(b64f "$tmp/before")" "$(b64f "$tmp/after")"
}

run_script() { # INDEX FILE SHA256
	say begin script "$1"
	start=$(now_ms)
	got=$(sha256sum "$work/$2" | cut -d' ' -f1)
	if [ "$got" != "$3" ]; then
		rec script "$1" -1 0 "$(printf 'script %s has sha256 %s, want %s: not run' "$2" "$got" "$3" | b64)"
		finish script-failed
	fi
	rm -f "$tmp/out.rc"
	if command -v setsid >/dev/null 2>&1; then
		setsid sh "$work/run.sh" --script "$work/$2" "$work/env.sh" "$tmp/out" &
	else
		sh "$work/run.sh" --script "$work/$2" "$work/env.sh" "$tmp/out" &
	fi
	child=$!
	wait "$child"
	child=
	code=$(cat "$tmp/out.rc" 2>/dev/null || echo -1)
	rec script "$1" "$code" $(($(now_ms) - start)) "$(tail -n 20 "$tmp/out" | head -c 4096 | b64)"
	case " $valid " in *" $code "*) ;; *) finish script-failed ;; esac
}

t0=$(now_ms)
: >"$results"
chmod 0600 "$results"
if ! err=$(cd "$work" && sha256sum -c --quiet SHA256SUMS 2>&1); then
	rec fatal "$(printf 'the unpacked bundle does not match its SHA256SUMS: %s' "$err" | b64)"
	finish failed
fi
# shellcheck source=lib.sh
. "$work/lib.sh"
# shellcheck source=/dev/null
. "$work/rules.sh"

mode='' valid=0 os_ids=''
while IFS=$tab read -r kind a b c <&4; do
	case $kind in
	run)
		mode=$b
		rec results 1 "$a"
		os_ids=$(sed -n 's/^ID=//p; s/^ID_LIKE=//p' /etc/os-release 2>/dev/null | tr -d '"' | tr '\n' ' ')
		rec os "$(head -c 4096 /etc/os-release 2>/dev/null | b64)" "$(uname -r | b64)" "$(uname -m | b64)"
		;;
	valid) valid=$a ;;
	rule) run_rule "$a" "$b" "$c" ;;
	script) run_script "$a" "$b" "$c" ;;
	esac
done 4<"$work/plan"
finish ok
