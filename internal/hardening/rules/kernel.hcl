# Kernel parameters. Fixes write /etc/sysctl.d/99-zz-golden-harden.conf, which
# sorts after every other file and so wins at boot; checks read the value the
# boot-time configuration gives (systemd-sysctl's order) and show the running one.
# Nothing writes /proc/sys: the values apply from the next boot.

rule "kernel-aslr" {
  title      = "Kernel: full address space layout randomisation"
  severity   = "high"
  effect     = "next-boot"
  references = ["CIS Debian 12 v1.1.0 1.5.1"]
  rationale  = "Randomised stack, heap, mmap and VDSO addresses make memory corruption exploits unreliable."
  check      = "sysctl_is kernel.randomize_va_space 2"
  fix        = "sysctl_set kernel.randomize_va_space 2"
}

rule "kernel-kptr-restrict" {
  title      = "Kernel: kernel pointers are hidden"
  severity   = "medium"
  effect     = "next-boot"
  references = ["https://docs.kernel.org/admin-guide/sysctl/kernel.html#kptr-restrict"]
  rationale  = "Kernel addresses in /proc help defeat KASLR."
  check      = "sysctl_is kernel.kptr_restrict '2|1'"
  fix        = "sysctl_set kernel.kptr_restrict 2"
}

rule "kernel-dmesg-restrict" {
  title      = "Kernel: only root reads the kernel log"
  severity   = "low"
  effect     = "next-boot"
  references = ["https://docs.kernel.org/admin-guide/sysctl/kernel.html#dmesg-restrict"]
  rationale  = "The kernel log leaks addresses and hardware details useful to an attacker."
  check      = "sysctl_is kernel.dmesg_restrict 1"
  fix        = "sysctl_set kernel.dmesg_restrict 1"
}

rule "kernel-ptrace-scope" {
  title      = "Kernel: processes can only trace their descendants"
  severity   = "medium"
  effect     = "next-boot"
  references = ["CIS Debian 12 v1.1.0 1.5.2", "https://docs.kernel.org/admin-guide/LSM/Yama.html"]
  rationale  = "Unrestricted ptrace lets any compromised process read the memory (and secrets) of the user's other processes."
  check      = "sysctl_is kernel.yama.ptrace_scope '1|2|3'"
  fix        = "sysctl_set kernel.yama.ptrace_scope 1"
}

rule "kernel-unprivileged-bpf" {
  title      = "Kernel: unprivileged users cannot load BPF programs"
  severity   = "medium"
  effect     = "next-boot"
  references = ["https://docs.kernel.org/admin-guide/sysctl/kernel.html#unprivileged-bpf-disabled"]
  rationale  = "The BPF verifier has been a recurring source of local privilege escalation."
  check      = "sysctl_is kernel.unprivileged_bpf_disabled '1|2'"
  fix        = "sysctl_set kernel.unprivileged_bpf_disabled 1"
}

rule "fs-protected-symlinks" {
  title      = "Kernel: symlinks in sticky directories are protected"
  severity   = "medium"
  effect     = "next-boot"
  references = ["https://docs.kernel.org/admin-guide/sysctl/fs.html#protected-symlinks"]
  rationale  = "Stops the classic /tmp symlink race against privileged programs."
  check      = "sysctl_is fs.protected_symlinks 1"
  fix        = "sysctl_set fs.protected_symlinks 1"
}

rule "fs-protected-hardlinks" {
  title      = "Kernel: hard links to other users' files are refused"
  severity   = "medium"
  effect     = "next-boot"
  references = ["https://docs.kernel.org/admin-guide/sysctl/fs.html#protected-hardlinks"]
  rationale  = "Stops hard-link attacks that pin setuid binaries or redirect privileged writes."
  check      = "sysctl_is fs.protected_hardlinks 1"
  fix        = "sysctl_set fs.protected_hardlinks 1"
}

rule "fs-protected-fifos" {
  title      = "Kernel: FIFOs in sticky directories are protected"
  severity   = "low"
  effect     = "next-boot"
  references = ["https://docs.kernel.org/admin-guide/sysctl/fs.html#protected-fifos"]
  rationale  = "Stops spoofing of FIFOs that a privileged program opens in a world-writable directory."
  check      = "sysctl_is fs.protected_fifos 2"
  fix        = "sysctl_set fs.protected_fifos 2"
}

rule "fs-protected-regular" {
  title      = "Kernel: regular files in sticky directories are protected"
  severity   = "low"
  effect     = "next-boot"
  references = ["https://docs.kernel.org/admin-guide/sysctl/fs.html#protected-regular"]
  rationale  = "Stops pre-created files in /tmp from being opened by a privileged program that meant to create them."
  check      = "sysctl_is fs.protected_regular 2"
  fix        = "sysctl_set fs.protected_regular 2"
}

rule "fs-suid-dumpable" {
  title      = "Kernel: setuid programs do not dump core"
  severity   = "medium"
  effect     = "next-boot"
  references = ["CIS Debian 12 v1.1.0 1.5.3"]
  rationale  = "A core dump of a privileged program can contain password hashes and keys."
  check      = "sysctl_is fs.suid_dumpable 0"
  fix        = "sysctl_set fs.suid_dumpable 0"
}
