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
child='' watcher='' finished=0 l='' last=0 policy_rc=
# What rules and scripts create gets the usual modes; the work dir stays 0700.
umask 022

# shellcheck disable=SC2317 # called by the traps below
cleanup() {
	trap - EXIT HUP INT TERM PIPE
	[ -z "$child" ] || kill -TERM "-$child" 2>/dev/null || kill -TERM "$child" 2>/dev/null
	[ -z "$watcher" ] || kill "$watcher" 2>/dev/null
	[ -z "$policy_rc" ] || rm -f /usr/sbin/policy-rc.d
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

# fail MESSAGE streams a fatal record and ends the run.
fail() {
	tick
	rec fatal "$(printf '%s' "$1" | b64)"
	finish failed
}

# scap_reduce RESULTS prints the part of an XCCDF results file the report
# needs: the titles of the rules the TestResult judged (from the Benchmark
# before it), then the TestResult without its notselected rule-results. SSG's
# results files are megabytes, nearly all Benchmark; this is some KiB. It reads
# oscap's own layout (one element per line); the provisioner parses the XML.
scap_reduce() {
	awk '
		FNR == NR {
			if ($0 ~ /<([A-Za-z0-9_-]+:)?TestResult[ >]/) t = 1
			if (t && match($0, /<([A-Za-z0-9_-]+:)?rule-result [^>]*idref="[^"]*"/)) {
				id = substr($0, RSTART, RLENGTH); sub(/.*idref="/, "", id); sub(/"$/, "", id)
			}
			if (t && id != "" && $0 ~ /<([A-Za-z0-9_-]+:)?result>/ && $0 !~ />notselected</) keep[id] = 1
			next
		}
		FNR == 1 { t = 0; print "<golden-harden-scap>" }
		/<([A-Za-z0-9_-]+:)?TestResult[ >]/ { t = 1 }
		t {
			if ($0 ~ /<([A-Za-z0-9_-]+:)?rule-result[ >]/) { rr = $0; inrr = 1 }
			else if (inrr) rr = rr "\n" $0
			else print
			if (inrr && $0 ~ /<\/([A-Za-z0-9_-]+:)?rule-result>|<([A-Za-z0-9_-]+:)?rule-result [^>]*\/>/) {
				inrr = 0
				if (rr !~ />notselected</) print rr
			}
			if ($0 ~ /<\/([A-Za-z0-9_-]+:)?TestResult>/) t = 0
			next
		}
		match($0, /<([A-Za-z0-9_-]+:)?Rule [^>]*id="[^"]*"/) {
			id = substr($0, RSTART, RLENGTH); sub(/.*[ \t]id="/, "", id); sub(/"$/, "", id)
			rule = keep[id] ? id : ""
			next
		}
		rule != "" && /<([A-Za-z0-9_-]+:)?title[ >]/ { intitle = 1; printf "<Rule id=\"%s\">", rule }
		intitle { print }
		intitle && /<\/([A-Za-z0-9_-]+:)?title>/ { intitle = 0; rule = ""; print "</Rule>" }
		END { print "</golden-harden-scap>" }
	' "$1" "$1"
}

# run_scap DATASTREAM PROFILE REMEDIATE runs oscap xccdf eval (with
# --remediate if REMEDIATE is 1), last, so that it judges the final state, in a
# session of its own, and no service starts (no_services). It streams the
# reduced results, gzipped, in scapdata records, then the scap record.
run_scap() {
	rec begin scap "$2"
	command -v oscap >/dev/null 2>&1 ||
		fail "scap: oscap is not installed on the machine: install the openscap-scanner package (apt-get install openscap-scanner on Debian and Ubuntu, dnf install openscap-scanner on RHEL and its kin) before golden-harden runs, or in one of its scripts"
	if [ ! -f "$1" ] || [ ! -r "$1" ]; then
		fail "scap: the data stream $1 is not a readable file on the machine: install the package that has it (ssg-debian, ssg-debderived, scap-security-guide), upload it with a file provisioner before golden-harden, or correct scap.datastream"
	fi
	sum=$(sha256sum "$1") || fail "scap: cannot read $1: $sum"
	set -- "$1" "$2" "$3" "${sum%% *}"
	rem=
	[ "$3" != 1 ] || rem=--remediate
	# Packages that remediation installs start no service: an image is being built.
	if [ ! -e /usr/sbin/policy-rc.d ] && [ -d /usr/sbin ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 0755 /usr/sbin/policy-rc.d && policy_rc=1
	fi
	(
		cd "$tmp" || exit 1
		# shellcheck disable=SC2086 # rem is empty or one word
		! command -v setsid >/dev/null 2>&1 || exec setsid oscap xccdf eval --profile "$2" $rem --results "$tmp/scap.xml" "$1"
		# shellcheck disable=SC2086
		exec oscap xccdf eval --profile "$2" $rem --results "$tmp/scap.xml" "$1"
	) >"$tmp/scap.out" 2>&1 </dev/null 4<&- &
	child=$!
	wait "$child"
	code=$?
	child=''
	[ -z "$policy_rc" ] || rm -f /usr/sbin/policy-rc.d
	policy_rc=''
	tick
	case $code in 0 | 2) ;; *)
		fail "scap: oscap xccdf eval --profile $2 $rem $1 exited with $code (an error; oscap info $1 lists the profiles); its last output:
$(tail -n 15 "$tmp/scap.out")" ;;
	esac
	[ -s "$tmp/scap.xml" ] || fail "scap: oscap xccdf eval exited with $code but wrote no results"
	if ! scap_reduce "$tmp/scap.xml" >"$tmp/scap.min.xml" 2>/dev/null || ! grep -q 'TestResult' "$tmp/scap.min.xml"; then
		cp "$tmp/scap.xml" "$tmp/scap.min.xml" # another layout: stream it all, the provisioner parses any
	fi
	if gzip -9 -c "$tmp/scap.min.xml" >"$tmp/scap.gz" 2>/dev/null; then fmt=gzip; else fmt=xml && cp "$tmp/scap.min.xml" "$tmp/scap.gz"; fi
	size=$(wc -c <"$tmp/scap.gz")
	size=$((size + 0))
	[ "$size" -le 16777216 ] || fail "scap: the results are $size bytes even reduced and compressed, over 16 MiB"
	base64 -w 65536 "$tmp/scap.gz" | sed "s/^/$marker scapdata$tab/"
	rec scap "$4" "$code" "$took" "$fmt" "$size"
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
	scap) run_scap "$a" "$b" "$c" ;;
	esac
done 4<"$work/plan"
finish ok
