# shellcheck shell=sh
# Helpers for the rules' check and fix snippets (rules/*.hcl), sourced by run.sh.
# A check prints its evidence and returns 0 (pass), 1 (fail) or 2 (not applicable);
# a fix returns 0 once the configuration is written, 3 when it needs a person.
# Fixes write persistent configuration only: nothing here reloads a service or
# writes /proc/sys, because the machine is being imaged and must keep its build
# session (changes take effect at next boot, as each rule's effect says).

# Where rules keep scratch files; run.sh sets it to a dir under the 0700 work dir.
: "${GOLDEN_TMP:=/tmp}"

# na prints why a rule does not apply here and ends the check.
na() {
	echo "$*"
	exit 2
}

# manual prints what a person has to do and ends the fix.
manual() {
	echo "needs a person: $*"
	exit 3
}

# ---- files -----------------------------------------------------------------

# perm_ok PATH MAXMODE OWNER GROUPS: PATH has no mode bits beyond MAXMODE (octal),
# is owned by OWNER and by one of the groups in GROUPS (comma-separated).
perm_ok() {
	[ -e "$1" ] || na "$1 does not exist"
	read -r mode owner group <<EOF
$(stat -L -c '%a %U %G' "$1")
EOF
	echo "$1: mode $mode, owner $owner, group $group; want mode <= $2, owner $3, group in $4"
	[ $((0$mode & ~0$2 & 07777)) -eq 0 ] && [ "$owner" = "$3" ] || return 1
	case ",$4," in *",$group,"*) return 0 ;; esac
	return 1
}

# perm_fix PATH MAXMODE OWNER GROUPS: drops the mode bits beyond MAXMODE and sets
# the owner and, unless it is already one of GROUPS, the first of GROUPS.
perm_fix() {
	mode=0$(stat -L -c '%a' "$1")
	chmod "$(printf '%o' $((mode & 0$2)))" "$1"
	group=$(stat -L -c '%G' "$1")
	case ",$4," in *",$group,"*) chown "$3" "$1" ;; *) chown "$3:${4%%,*}" "$1" ;; esac
}

# set_line FILE REGEX LINE: replaces the lines matching the extended REGEX in
# FILE with LINE, or appends LINE; creates FILE (mode 0644) if needed.
set_line() {
	[ -e "$1" ] || { mkdir -p "$(dirname "$1")" && : >"$1" && chmod 0644 "$1"; }
	if grep -Eq "$2" "$1"; then
		awk -v re="$2" -v line="$3" '$0 ~ re { if (!done) print line; done = 1; next } { print }' "$1" >"$1.golden-new"
		cat "$1.golden-new" >"$1"
		rm -f "$1.golden-new"
	else
		printf '%s\n' "$3" >>"$1"
	fi
}

# world_writable f|d PATHS lists world-writable files (f), or world-writable
# directories without the sticky bit (d), under the space-separated PATHS
# (and /tmp, /var/tmp for d).
world_writable() {
	if [ "$1" = f ]; then
		# shellcheck disable=SC2086 # one word per path
		find $2 -xdev \( -path /tmp -o -path /var/tmp \) -prune -o -type f -perm -0002 -print 2>/dev/null
	else
		# shellcheck disable=SC2086
		find $2 /tmp /var/tmp -xdev -type d -perm -0002 ! -perm -1000 -print 2>/dev/null
	fi
	true
}

# ---- sshd --------------------------------------------------------------------

sshd_main=/etc/ssh/sshd_config
sshd_dropin=/etc/ssh/sshd_config.d/00-golden-harden.conf

# sshd_effective prints the configuration sshd would run with (sshd -T), using a
# throwaway host key when the image has none yet (cloud images make them at boot).
sshd_effective() {
	command -v sshd >/dev/null 2>&1 || return 2
	if ! sshd -T -f "$sshd_main" 2>/dev/null; then
		[ -f "$GOLDEN_TMP/hostkey" ] || ssh-keygen -q -t ed25519 -N '' -f "$GOLDEN_TMP/hostkey" >/dev/null
		sshd -T -f "$sshd_main" -h "$GOLDEN_TMP/hostkey"
	fi
}

# sshd_get KEY prints the effective value of KEY (lowercase, as sshd -T prints it).
sshd_get() {
	sshd_effective | awk -v k="$1" 'tolower($1) == tolower(k) { $1 = ""; sub(/^ /, ""); print }'
}

# sshd_is KEY VALUE: the effective value of KEY is VALUE (case-insensitive).
sshd_is() {
	command -v sshd >/dev/null 2>&1 || na "openssh-server is not installed"
	got=$(sshd_get "$1")
	echo "sshd -T: $1 ${got:-(unset)}; want $2"
	[ "$(echo "$got" | tr '[:upper:]' '[:lower:]')" = "$(echo "$2" | tr '[:upper:]' '[:lower:]')" ]
}

# sshd_at_most KEY MAX: the effective numeric value of KEY is between 1 and MAX.
sshd_at_most() {
	command -v sshd >/dev/null 2>&1 || na "openssh-server is not installed"
	got=$(sshd_get "$1")
	echo "sshd -T: $1 ${got:-(unset)}; want 1..$2"
	[ -n "$got" ] && [ "$got" -ge 1 ] && [ "$got" -le "$2" ]
}

# sshd_subset KEY ALLOWED: every algorithm in the effective KEY list is in the
# comma-separated ALLOWED list.
sshd_subset() {
	command -v sshd >/dev/null 2>&1 || na "openssh-server is not installed"
	got=$(sshd_get "$1")
	extra=$(echo "$got" | tr , '\n' | grep -vxF "$(echo "$2" | tr , '\n')" | tr '\n' ' ')
	echo "sshd -T: $1 $got"
	[ -z "$extra" ] || { echo "not allowed: $extra"; return 1; }
}

# sshd_set KEY VALUE writes KEY VALUE into golden-harden's drop-in, which sshd
# reads first, and keeps the previous drop-in if sshd -t rejects the result.
sshd_set() {
	if ! grep -Eqi '^[[:space:]]*Include[[:space:]]+/etc/ssh/sshd_config\.d/\*\.conf' "$sshd_main"; then
		{ echo 'Include /etc/ssh/sshd_config.d/*.conf'; cat "$sshd_main"; } >"$sshd_main.golden-new"
		cat "$sshd_main.golden-new" >"$sshd_main"
		rm -f "$sshd_main.golden-new"
	fi
	mkdir -p "$(dirname "$sshd_dropin")"
	if [ -f "$sshd_dropin" ]; then cp -p "$sshd_dropin" "$GOLDEN_TMP/sshd-dropin.bak"; else rm -f "$GOLDEN_TMP/sshd-dropin.bak"; fi
	[ -f "$sshd_dropin" ] || printf '# Written by golden-harden; sshd reads the first value of each keyword, so this file wins.\n' >"$sshd_dropin"
	chmod 0600 "$sshd_dropin"
	set_line "$sshd_dropin" "^[[:space:]]*$1[[:space:]]" "$1 $2"
	[ -f "$GOLDEN_TMP/hostkey" ] || ssh-keygen -q -t ed25519 -N '' -f "$GOLDEN_TMP/hostkey" >/dev/null
	if ! err=$(sshd -t -f "$sshd_main" -h "$GOLDEN_TMP/hostkey" 2>&1); then
		if [ -f "$GOLDEN_TMP/sshd-dropin.bak" ]; then cp -p "$GOLDEN_TMP/sshd-dropin.bak" "$sshd_dropin"; else rm -f "$sshd_dropin"; fi
		echo "sshd -t rejected $1 $2, kept the previous configuration: $err"
		return 1
	fi
}

# ---- sysctl ------------------------------------------------------------------

sysctl_file=/etc/sysctl.d/99-zz-golden-harden.conf

# sysctl_files lists the files systemd-sysctl reads, in the order it applies them:
# *.conf from its dirs by file name (earlier dirs shadow later ones), then sysctl.conf.
sysctl_files() {
	for d in /etc/sysctl.d /run/sysctl.d /usr/local/lib/sysctl.d /usr/lib/sysctl.d /lib/sysctl.d; do
		for f in "$d"/*.conf; do [ -f "$f" ] && echo "${f##*/} $f"; done
	done | sort -s -k1,1 -u | cut -d' ' -f2-
	[ -f /etc/sysctl.conf ] && echo /etc/sysctl.conf
}

# sysctl_configured KEY prints the value the boot-time configuration gives KEY.
sysctl_configured() {
	key=$(echo "$1" | tr / .)
	sysctl_files | while IFS= read -r f; do
		sed -e 's/[#;].*//' -e 's/^[[:space:]]*-//' "$f" | awk -F= -v k="$key" '
			{ name = $1; gsub(/[[:space:]]/, "", name); gsub(/\//, ".", name) }
			name == k { v = substr($0, index($0, "=") + 1); gsub(/^[[:space:]]+|[[:space:]]+$/, "", v); print v }'
	done | tail -n 1
}

# sysctl_is KEY WANT [KEY WANT]...: every KEY is configured at boot to WANT, a
# value or alternatives separated by |.
sysctl_is() {
	ok=0
	while [ $# -ge 2 ]; do
		got=$(sysctl_configured "$1")
		now=$(cat "/proc/sys/$(echo "$1" | tr . /)" 2>/dev/null || echo "n/a")
		echo "$1: configured ${got:-(unset)}, running $now; want $(echo "$2" | sed 's/|/ or /g')"
		echo "$2" | tr '|' '\n' | grep -qxF -- "${got:-(unset)}" || ok=1
		shift 2
	done
	return $ok
}

# sysctl_set KEY VALUE [KEY VALUE]...: writes each KEY = VALUE into golden-harden's
# file, which sorts after the others, so it wins at boot. /proc/sys is left alone.
sysctl_set() {
	while [ $# -ge 2 ]; do
		set_line "$sysctl_file" "^[[:space:]]*$(echo "$1" | sed 's/\./\\./g')[[:space:]]*=" "$1 = $2"
		shift 2
	done
}

# ---- kernel modules ----------------------------------------------------------

modprobe_file=/etc/modprobe.d/golden-harden.conf

# kmod_disabled MODULE: modprobe is configured to refuse MODULE ("install MODULE
# /bin/false" or /bin/true) and it is blacklisted.
kmod_disabled() {
	m=$(echo "$1" | tr - _)
	conf=$(for f in /etc/modprobe.d/*.conf /run/modprobe.d/*.conf /usr/lib/modprobe.d/*.conf /lib/modprobe.d/*.conf; do
		[ -f "$f" ] && sed 's/#.*//' "$f"
	done | tr - _)
	inst=no bl=no loaded=no
	echo "$conf" | grep -Eq "^[[:space:]]*install[[:space:]]+${m}[[:space:]]+(/usr)?/bin/(false|true)" && inst=yes
	echo "$conf" | grep -Eq "^[[:space:]]*blacklist[[:space:]]+${m}([[:space:]]|\$)" && bl=yes
	grep -q "^$m " /proc/modules 2>/dev/null && loaded="yes (until the next boot)"
	echo "$1: install refused $inst, blacklisted $bl, loaded now $loaded"
	[ "$inst" = yes ] && [ "$bl" = yes ]
}

# kmod_disable MODULE refuses MODULE at its next load; nothing is unloaded now.
kmod_disable() {
	[ -f "$modprobe_file" ] || { mkdir -p /etc/modprobe.d && printf '# Written by golden-harden.\n' >"$modprobe_file"; }
	set_line "$modprobe_file" "^install[[:space:]]+$1[[:space:]]" "install $1 /bin/false"
	set_line "$modprobe_file" "^blacklist[[:space:]]+$1\$" "blacklist $1"
}

# ---- login.defs ----------------------------------------------------------------

# logindefs_get KEY prints the value of KEY in /etc/login.defs.
logindefs_get() {
	awk -v k="$1" '$1 == k { v = $2 } END { print v }' /etc/login.defs 2>/dev/null
}

# logindefs_set KEY VALUE sets KEY in /etc/login.defs.
logindefs_set() {
	[ -f /etc/login.defs ] || manual "/etc/login.defs is missing: install the login package"
	set_line /etc/login.defs "^[[:space:]]*#?[[:space:]]*$1[[:space:]]" "$1	$2"
}

# ---- sudo ------------------------------------------------------------------

# sudoers_defaults prints the settings of every Defaults line sudo reads.
sudoers_defaults() {
	for f in /etc/sudoers /etc/sudoers.d/*; do
		case ${f##*/} in *~ | *.*) continue ;; esac
		[ -f "$f" ] && sed -n 's/^[[:space:]]*Defaults[[:space:]]\{1,\}//p' "$f"
	done
	true
}

# sudoers_add SETTING adds "Defaults SETTING" to golden-harden's sudoers file and
# keeps the file as it was if visudo rejects the result.
sudoers_add() {
	f=/etc/sudoers.d/50-golden-harden
	if [ -f "$f" ]; then cp -p "$f" "$GOLDEN_TMP/sudoers.bak"; else rm -f "$GOLDEN_TMP/sudoers.bak"; fi
	grep -qxF "Defaults $1" "$f" 2>/dev/null || printf 'Defaults %s\n' "$1" >>"$f"
	chmod 0440 "$f"
	if ! err=$(visudo -cq -f "$f" 2>&1); then
		if [ -f "$GOLDEN_TMP/sudoers.bak" ]; then cp -p "$GOLDEN_TMP/sudoers.bak" "$f"; else rm -f "$f"; fi
		echo "visudo rejected Defaults $1, kept the previous configuration: $err"
		return 1
	fi
}

# ---- packages and services -------------------------------------------------

# pkg_installed PACKAGE: dpkg or rpm has PACKAGE installed.
pkg_installed() {
	if command -v dpkg-query >/dev/null 2>&1; then
		dpkg-query -W -f '${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
	elif command -v rpm >/dev/null 2>&1; then
		rpm -q "$1" >/dev/null 2>&1
	else
		return 1
	fi
}

# pkgs_absent PACKAGE...: none of the packages is installed; prints those that are.
pkgs_absent() {
	found=
	for p in "$@"; do pkg_installed "$p" && found="$found $p"; done
	if [ -n "$found" ]; then echo "installed:$found"; return 1; fi
	echo "none of $* is installed"
}

# no_services runs apt and dpkg so that package scripts start no service: an
# image is being built, its services start when it boots.
no_services() {
	if [ -e /usr/sbin/policy-rc.d ]; then "$@"; return; fi
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 0755 /usr/sbin/policy-rc.d
	if "$@"; then rc=0; else rc=$?; fi
	rm -f /usr/sbin/policy-rc.d
	return $rc
}

# apt_get runs apt-get non-interactively, refreshing the package lists once per
# run; its output goes to a log, shown only when it fails.
apt_get() {
	export DEBIAN_FRONTEND=noninteractive
	if [ "$1" = install ] && [ ! -f "$GOLDEN_TMP/apt-updated" ]; then
		if ! apt-get update -qq >"$GOLDEN_TMP/apt.log" 2>&1; then
			tail -n 20 "$GOLDEN_TMP/apt.log"
			return 1
		fi
		: >"$GOLDEN_TMP/apt-updated"
	fi
	if ! no_services apt-get -qq -y -o Dpkg::Use-Pty=0 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@" >"$GOLDEN_TMP/apt.log" 2>&1; then
		tail -n 20 "$GOLDEN_TMP/apt.log"
		return 1
	fi
	echo "apt-get $*: done"
}

# pkg_install PACKAGE... installs the packages that are missing.
pkg_install() {
	missing=
	for p in "$@"; do pkg_installed "$p" || missing="$missing $p"; done
	[ -n "$missing" ] || return 0
	if command -v apt-get >/dev/null 2>&1; then
		# shellcheck disable=SC2086 # one word per package
		apt_get install --no-install-recommends $missing
	elif command -v dnf >/dev/null 2>&1; then
		# shellcheck disable=SC2086
		dnf -q -y install $missing
	else
		manual "install$missing with this system's package manager"
	fi
}

# pkg_remove PACKAGE... removes (purges) the packages that are installed.
pkg_remove() {
	found=
	for p in "$@"; do pkg_installed "$p" && found="$found $p"; done
	[ -n "$found" ] || return 0
	if command -v apt-get >/dev/null 2>&1; then
		# shellcheck disable=SC2086
		apt_get purge $found
	elif command -v dnf >/dev/null 2>&1; then
		# shellcheck disable=SC2086
		dnf -q -y remove $found
	else
		manual "remove$found with this system's package manager"
	fi
}

# svc_enabled UNIT: UNIT starts at boot (systemd, or a sysv rc link without it).
svc_enabled() {
	if command -v systemctl >/dev/null 2>&1; then
		state=$(systemctl is-enabled "$1" 2>/dev/null)
		echo "$1: ${state:-not found}"
		[ "$state" = enabled ]
		return
	fi
	if ls /etc/systemd/system/*.wants/"$1".service >/dev/null 2>&1 || ls /etc/rc[2345].d/S[0-9]*"$1" >/dev/null 2>&1; then
		echo "$1: enabled"
		return 0
	fi
	echo "$1: not enabled"
	return 1
}

# svc_enable UNIT makes UNIT start at boot, without starting it now: systemctl
# enable, or (systemd not installed yet) the links systemctl enable would make.
svc_enable() {
	if command -v systemctl >/dev/null 2>&1; then
		systemctl enable "$1"
		return
	fi
	unit=
	for d in /etc/systemd/system /usr/lib/systemd/system /lib/systemd/system; do
		[ -f "$d/$1.service" ] && { unit=$d/$1.service; break; }
	done
	if [ -n "$unit" ]; then
		# shellcheck disable=SC2013 # WantedBy= holds space-separated unit names
		for target in $(sed -n 's/^[[:space:]]*WantedBy[[:space:]]*=//p' "$unit"); do
			mkdir -p "/etc/systemd/system/$target.wants"
			ln -sf "$unit" "/etc/systemd/system/$target.wants/$1.service"
		done
	fi
	if [ -x "/etc/init.d/$1" ] && command -v update-rc.d >/dev/null 2>&1; then
		update-rc.d "$1" defaults >/dev/null && update-rc.d "$1" enable >/dev/null
	fi
	svc_enabled "$1" >/dev/null || manual "enable $1 at boot"
}
