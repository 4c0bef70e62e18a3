#!/bin/sh
# golden-harden runner: runs the steps of WORK/plan (rules, then or after the
# user's scripts) and streams one record per step to stdout behind MARKER; the
# provisioner reads the results from that stream. Once done, or when stopped
# (stdin closed early, HUP, INT, TERM, broken pipe), it removes WORK and exits.
# Usage: sh run.sh WORK MARKER.
# It forks as little as it can: on a busy machine every process costs milliseconds.
# shellcheck source-path=SCRIPTDIR
set -u

work=$1 marker=$2
tab='	'
tmp=$work/tmp
GOLDEN_TMP=$tmp
child='' watcher='' finished=0 l='' last=0
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

# The provisioner closes our stdin to stop us, or once it has read the end record.
exec 3<&0
{
	while read -r _ <&3; do :; done
	kill -TERM $$ 2>/dev/null
} &
watcher=$!
exec 3<&-

# tick sets now to the time in milliseconds and took to the time since the last tick.
tick() {
	now=$(date +%s%N)
	case $now in *N) now=$(($(date +%s) * 1000)) ;; *) now=${now%??????} ;; esac
	took=$((now - last))
	last=$now
}
b64() { base64 -w 0; }
b64f() { head -c 4096 "$1" | b64; }

# join sets l to its arguments joined with tabs.
join() {
	l=$1
	shift
	for f in "$@"; do l=$l$tab$f; done
}
# rec streams a record (a script's output may leave it mid-line: the
# provisioner looks for the marker anywhere in a line).
rec() {
	join "$@"
	printf '%s %s\n' "$marker" "$l"
}

# finish streams the end record, timed by the last tick, and exits (removing WORK).
finish() {
	finished=1
	rec end "$1" $((now - t0))
	exit 0
}

# applies FAMILIES: one of the comma-separated families is this OS or one it is like.
applies() {
	ifs=$IFS
	IFS=,
	for f in $1; do
		case " $os_ids " in *" $f "*)
			IFS=$ifs
			return 0
			;;
		esac
	done
	IFS=$ifs
	return 1
}

# check FN OUT runs check_FN, its output into OUT; sets status.
check() {
	("check_$1") >"$2" 2>&1 </dev/null
	case $? in 0) status=pass ;; 1) status=fail ;; 2) status=not-applicable ;; *) status=error ;; esac
}

run_rule() { # ID FN FAMILIES
	rec begin rule "$1"
	: >"$tmp/after"
	if ! applies "$3"; then
		echo "applies to $3; this is $os_ids" >"$tmp/before"
		tick
		rec rule "$1" not-applicable not-applicable "$took" "$(b64f "$tmp/before")" ""
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
	ev_after=
	[ ! -s "$tmp/after" ] || ev_after=$(b64f "$tmp/after")
	tick
	rec rule "$1" "$before" "$after" "$took" "$(b64f "$tmp/before")" "$ev_after"
}

# check_script FILE stops the run when FILE is no longer what was uploaded:
# every file was checked against SHA256SUMS before anything ran, but an
# earlier script (or anything else running as root) may have changed it since.
check_script() {
	sum=''
	while read -r s f; do [ "$f" != "$1" ] || sum=$s; done <"$work/SHA256SUMS"
	got=$(sha256sum "$work/$1" 2>&1) || got=''
	[ -n "$sum" ] && [ "${got%% *}" = "$sum" ] && return 0
	tick
	rec fatal "$(printf '%s changed on the machine after it was unpacked (sha256 %s, uploaded %s): it was not run' "$1" "${got%% *}" "$sum" | b64)"
	finish failed
}

# run_script INDEX FILE runs a user script as the interpreter its #! line names
# (or sh), since the work dir may be on a noexec mount, with the user's
# variables, in a session of its own so that stopping the runner stops it too.
# It is checked against its sha256 right before it runs. Its output streams as
# it comes; the provisioner keeps its end.
run_script() {
	check_script "$2"
	rec begin script "$1"
	(
		first=
		IFS= read -r first <"$work/$2" || true
		case $first in
		'#!'*)
			set -f
			# shellcheck disable=SC2086 # the #! line splits into interpreter and argument
			set -- ${first#??} "$work/$2"
			set +f
			;;
		*) set -- sh "$work/$2" ;;
		esac
		set -a
		# shellcheck source=/dev/null
		. "$work/env.sh"
		set +a
		! command -v setsid >/dev/null 2>&1 || exec setsid "$@"
		exec "$@"
	) </dev/null 2>&1 4<&- &
	child=$!
	wait "$child"
	code=$?
	child=''
	tick
	rec script "$1" "$code" "$took" ""
	case " $valid " in *" $code "*) ;; *) finish script-failed ;; esac
}

tick
t0=$now
if ! err=$(cd "$work" && sha256sum -c --quiet SHA256SUMS 2>&1); then
	tick
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
		if [ -r /etc/os-release ]; then
			while IFS='=' read -r k v; do
				v=${v#[\"\']}
				case $k in ID | ID_LIKE) os_ids="$os_ids ${v%[\"\']}" ;; esac
			done </etc/os-release
		fi
		set -f
		# shellcheck disable=SC2046 # uname prints the release and the machine, one word each
		set -- $(uname -r -m)
		set +f
		rec os "$(b64f /etc/os-release 2>/dev/null)" "$1" "$2"
		;;
	valid) valid=$a ;;
	rule) run_rule "$a" "$b" "$c" ;;
	script) run_script "$a" "$b" ;;
	esac
done 4<"$work/plan"
finish ok
