# shellcheck shell=sh
# Run by unshare in fresh mount, PID, UTS and IPC namespaces (sandbox.go):
# mounts what the root needs, privately, then chroots into it and waits there
# as PID 1. Prints "ready HOSTPID" once the shell in the root runs.
# Arguments: ROOT HOSTNAME NETWORK [SOURCE TARGET ro|rw]...
set -eu
root=$1 name=$2 network=$3
shift 3

# /proc is still the host's here, so /proc/self is this shell's host PID.
read -r hostpid _ </proc/self/stat

mkdir -p "$root/proc" "$root/sys" "$root/dev" "$root/run"
mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
for p in sys irq bus fs sysrq-trigger; do
	[ -e "$root/proc/$p" ] || continue
	mount --bind "$root/proc/$p" "$root/proc/$p"
	mount -o remount,bind,ro "$root/proc/$p"
done
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$root/sys"

mount -t tmpfs -o nosuid,noexec,mode=0755,size=1m dev "$root/dev"
dev() { mknod -m 0666 "$root/dev/$1" c "$2" "$3"; }
dev null 1 3
dev zero 1 5
dev full 1 7
dev random 1 8
dev urandom 1 9
dev tty 5 0
ln -s /proc/self/fd "$root/dev/fd"
ln -s /proc/self/fd/0 "$root/dev/stdin"
ln -s /proc/self/fd/1 "$root/dev/stdout"
ln -s /proc/self/fd/2 "$root/dev/stderr"
mkdir "$root/dev/pts" "$root/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5,nosuid,noexec devpts "$root/dev/pts"
ln -s pts/ptmx "$root/dev/ptmx"
mount -t tmpfs -o nosuid,nodev,mode=1777 shm "$root/dev/shm"
mount -t tmpfs -o nosuid,nodev,mode=0755 run "$root/run"
mkdir -m 1777 "$root/run/lock"

while [ $# -ge 3 ]; do
	src=$1 dst=$root$2 mode=$3
	shift 3
	if [ -d "$src" ]; then
		mkdir -p "$dst"
	else
		mkdir -p "$(dirname "$dst")"
		[ -e "$dst" ] || : >"$dst"
	fi
	mount --bind "$src" "$dst"
	[ "$mode" = rw ] || mount -o remount,bind,ro "$dst"
done

hostname "$name"
[ "$network" = host ] || ip link set lo up

# PID 1 reaps orphans: dash's wait collects any child, not only its own jobs.
# shellcheck disable=SC2016 # $0 expands in the shell inside the root
exec chroot "$root" /bin/sh -c '
	PATH=/usr/sbin:/usr/bin:/sbin:/bin
	echo "ready $0"
	exec </dev/null >/dev/null 2>&1
	while :; do sleep 86400 & wait; done' "$hostpid"
