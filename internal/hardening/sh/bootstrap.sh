#!/bin/sh
# golden-harden bundle: this header, then a tar of the runner, the rules and the
# user's scripts. It is uploaded as golden-harden-SHA256.sh, where SHA256 is the
# digest of the whole file, and run with `sh FILE`: it checks the digest, becomes
# root, unpacks into a 0700 directory beside itself, deletes itself and runs.
set -u
umask 077
self=$0
marker='@MARKER@'
fatal() {
	printf '%s fatal\t%s\n' "$marker" "$(printf '%s' "$*" | base64 | tr -d '\n')"
	rm -f "$self"
	[ -z "${work:-}" ] || rm -rf "$work"
	exit 3
}
name=${self##*/}
want=${name#golden-harden-}
want=${want%.sh}
got=$(sha256sum "$self" 2>&1) || fatal "cannot compute the sha256 of $self: $got"
[ "${got%% *}" = "$want" ] || fatal "$self has sha256 ${got%% *}, want $want: the upload was changed or cut short; run the build again"
if [ "$(id -u)" != 0 ]; then
	if ! err=$(sudo -n true 2>&1); then
		fatal "user $(id -un) is not root and cannot use sudo without a password ($err): connect as root, allow passwordless sudo, or set execute_command"
	fi
	exec sudo -n sh "$self"
fi
work=${self%.sh}
mkdir -m 0700 "$work" || fatal "cannot create $work"
err=$(tail -c +@OFFSET@ "$self" | tar -xof - -C "$work" 2>&1) || fatal "cannot unpack the bundle into $work: $err"
rm -f "$self"
exec sh "$work/run.sh" "$work" "$marker"
exit 3
