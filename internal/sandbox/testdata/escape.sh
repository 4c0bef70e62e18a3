#!/bin/sh
# Run in a sandbox by TestIsolation: tries to change the host the ways a
# careless hardening script could, and reports each attempt as
# "allowed: LABEL" or "denied: LABEL". The test checks the host afterwards.
# Arguments: the /proc/sys keys to flip (kernel/kptr_restrict, ...).
set -u

try() {
	label=$1
	shift
	if "$@" >/dev/null 2>&1; then echo "allowed: $label"; else echo "denied: $label"; fi
}

for key; do
	new=$(($(cat "/proc/sys/$key") ^ 1))
	try "sysctl -w $key" sysctl -w "$(echo "$key" | tr / .)=$new"
	try "write /proc/sys/$key" sh -c "echo $new >/proc/sys/$key"
done
try "sysctl --system" sysctl --system
try "remount /proc/sys rw" mount -o remount,rw /proc/sys
try "umount /proc/sys" umount /proc/sys
try "mount tmpfs" mount -t tmpfs evil /mnt
try "hostname" hostname evil
try "write /proc/sys/kernel/hostname" sh -c 'echo evil >/proc/sys/kernel/hostname'
try "sysrq" sh -c 'echo h >/proc/sysrq-trigger'
try "date -s" date -s 2001-01-01
try "write /etc" sh -c 'echo evil >/etc/golden-sandbox-evil'
try "append /etc/passwd" sh -c 'echo "evil:x:0:0::/root:/bin/sh" >>/etc/passwd'
try "replace /etc/hosts" sh -c 'echo "192.0.2.1 evil" >/etc/hosts'
try "kill -9 1" kill -9 1
try "kill -TERM 1" kill -TERM 1
