# Services an image should boot with: security updates, auditing, time.
# Packages are installed with their services held back; they start at next boot.

rule "auto-security-updates" {
  title       = "Security updates install automatically"
  severity    = "high"
  os_families = ["debian"]
  effect      = "next-boot"
  references  = ["CIS Debian 12 v1.1.0 1.2.2", "https://wiki.debian.org/UnattendedUpgrades"]
  rationale   = "An instance launched from an image lives on; unattended-upgrades keeps it patched between image builds."
  check       = <<-EOT
    pkg_installed unattended-upgrades || { echo "unattended-upgrades is not installed"; exit 1; }
    lists=$(apt-config dump APT::Periodic::Update-Package-Lists | sed -n 's/.*"\(.*\)";/\1/p')
    upgrade=$(apt-config dump APT::Periodic::Unattended-Upgrade | sed -n 's/.*"\(.*\)";/\1/p')
    echo "unattended-upgrades installed; APT::Periodic::Update-Package-Lists $${lists:-unset}, APT::Periodic::Unattended-Upgrade $${upgrade:-unset}; want 1 and 1"
    [ "$lists" = 1 ] && [ "$upgrade" = 1 ]
  EOT
  fix         = <<-EOT
    pkg_install unattended-upgrades
    printf 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n' >/etc/apt/apt.conf.d/20auto-upgrades
    chmod 0644 /etc/apt/apt.conf.d/20auto-upgrades
  EOT
}

rule "auditd-enabled" {
  title       = "The audit daemon is installed and starts at boot"
  severity    = "medium"
  os_families = ["debian"]
  effect      = "next-boot"
  references  = ["CIS Debian 12 v1.1.0 6.2.1.1", "CIS Debian 12 v1.1.0 6.2.1.2"]
  rationale   = "auditd records security-relevant kernel events (logins, privilege use, changes to accounts) for investigation."
  check       = <<-EOT
    pkg_installed auditd || { echo "auditd is not installed"; exit 1; }
    svc_enabled auditd
  EOT
  fix         = <<-EOT
    pkg_install auditd
    svc_enabled auditd >/dev/null || svc_enable auditd
  EOT
}

rule "auditd-rules" {
  title       = "Audit rules watch accounts, sudoers, sshd, time and kernel modules"
  severity    = "medium"
  os_families = ["debian"]
  effect      = "next-boot"
  references  = ["CIS Debian 12 v1.1.0 6.2.3.2", "CIS Debian 12 v1.1.0 6.2.3.3", "CIS Debian 12 v1.1.0 6.2.3.4"]
  rationale   = "Without rules auditd records little; these cover the changes an attacker makes to persist."
  check       = <<-EOT
    rules=$(cat /etc/audit/rules.d/*.rules 2>/dev/null)
    missing=
    for w in /etc/passwd /etc/shadow /etc/group /etc/gshadow /etc/sudoers /etc/sudoers.d /etc/ssh/sshd_config; do
      echo "$rules" | grep -Eq -- "^-w $w -p [rxa]*w" || missing="$missing $w"
    done
    echo "$rules" | grep -Eq -- "-S ([a-z_]+,)*settimeofday" || missing="$missing time-change"
    echo "$rules" | grep -Eq -- "-S ([a-z_]+,)*init_module" || missing="$missing kernel-modules"
    if [ -n "$missing" ]; then echo "no audit rule for:$missing"; exit 1; fi
    echo "audit rules cover accounts, sudoers, sshd, time and kernel modules"
  EOT
  fix         = <<-EOT
    mkdir -p /etc/audit/rules.d
    cat >/etc/audit/rules.d/50-golden-harden.rules <<'RULES'
    ## Written by golden-harden (rule auditd-rules).
    -w /etc/passwd -p wa -k identity
    -w /etc/shadow -p wa -k identity
    -w /etc/group -p wa -k identity
    -w /etc/gshadow -p wa -k identity
    -w /etc/sudoers -p wa -k scope
    -w /etc/sudoers.d -p wa -k scope
    -w /etc/ssh/sshd_config -p wa -k sshd
    -a always,exit -F arch=b64 -S adjtimex,settimeofday,clock_settime -k time-change
    -a always,exit -F arch=b64 -S init_module,finit_module,delete_module -k modules
    RULES
    chmod 0640 /etc/audit/rules.d/50-golden-harden.rules
  EOT
}

rule "time-sync" {
  title       = "A time synchronisation daemon starts at boot"
  severity    = "medium"
  os_families = ["debian"]
  effect      = "next-boot"
  references  = ["CIS Debian 12 v1.1.0 2.3.1.1", "CIS Debian 12 v1.1.0 2.3.2.1"]
  rationale   = "Logs, certificates and Kerberos depend on correct time; instances drift without a time daemon."
  check       = <<-EOT
    for p in chrony systemd-timesyncd ntpsec ntp; do
      if pkg_installed "$p"; then
        case $p in chrony) unit=chrony ;; ntpsec) unit=ntpsec ;; *) unit=$p ;; esac
        svc_enabled "$unit"
        exit
      fi
    done
    echo "none of chrony, systemd-timesyncd, ntpsec, ntp is installed"
    exit 1
  EOT
  fix         = <<-EOT
    pkg_install "$time_sync_package"
    svc_enabled "$time_sync_package" >/dev/null || svc_enable "$time_sync_package"
  EOT

  param "time_sync_package" {
    default     = "chrony"
    pattern     = "^(chrony|systemd-timesyncd|ntpsec)$"
    description = "The package installed when no time daemon is present: chrony, systemd-timesyncd or ntpsec."
  }
}
