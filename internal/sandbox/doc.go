// Package sandbox runs a Debian root filesystem as a local "instance": a
// chroot inside fresh mount, PID, UTS and IPC namespaces (and a network
// namespace for NetworkNone), with sshd on 127.0.0.1 when asked. The test rig
// and the golden-sandbox builder use it where the real pipeline uses EC2.
//
// Roots come from debootstrap, cached as zstd tarballs named by the sha256 of
// their inputs (Cache.Rootfs), or from a tarball or directory the caller has
// (Unpack, CopyTree).
//
// Start runs unshare(1) with a short setup script (init.sh): in the new mount
// namespace, whose mounts never propagate to the host, it mounts a fresh /proc
// with /proc/sys, /proc/irq, /proc/bus, /proc/fs and /proc/sysrq-trigger
// read-only, a read-only sysfs, a tmpfs /dev with a few device nodes and its
// own devpts instance, private tmpfs on /dev/shm and /run, and the caller's
// bind mounts; it sets the hostname and chroots into the root, where a shell
// waits as PID 1. Commands enter the namespaces with nsenter(1) and run under
// setpriv(1) without the capabilities that reach the host's kernel directly:
// CAP_SYS_ADMIN (mount, remounting /proc/sys writable, sethostname, swapoff),
// CAP_SYS_MODULE, CAP_SYS_TIME, CAP_SYS_BOOT, CAP_SYS_RAWIO, CAP_MAC_ADMIN,
// CAP_SYSLOG, and CAP_NET_ADMIN when the sandbox shares the host's network.
// Stop kills PID 1, which takes every process of the namespace with it, then
// checks that no process or mount is left before removing the root.
//
// This guards the host against accidents (a hardening script running
// `sysctl --system` or `modprobe -r`), not against a hostile root: root inside
// can still escape a chroot on purpose.
package sandbox
