# OpenSSH server. Fixes go into /etc/ssh/sshd_config.d/00-golden-harden.conf,
# which sshd reads before any other setting; checks read `sshd -T`, so drop-ins
# from other packages (cloud-init) count. The running sshd is not reloaded: the
# build's own session keeps working, the image boots with the new settings.

rule "sshd-permit-root-login" {
  title      = "SSH: root cannot log in"
  severity   = "high"
  effect     = "next-boot"
  references = ["CIS Debian 12 v1.1.0 5.1.20", "sshd_config(5) PermitRootLogin"]
  rationale  = "Logging in as an unprivileged user and escalating leaves an audit trail and keeps the most powerful account off the network."
  check      = <<-EOT
    want=$sshd_permit_root_login
    [ "$want" = prohibit-password ] && want=without-password
    sshd_is PermitRootLogin "$want"
  EOT
  fix        = "sshd_set PermitRootLogin \"$sshd_permit_root_login\""

  param "sshd_permit_root_login" {
    default     = "no"
    pattern     = "^(no|prohibit-password|forced-commands-only)$"
    description = "PermitRootLogin: no, prohibit-password or forced-commands-only."
  }
}

rule "sshd-password-authentication" {
  title      = "SSH: password authentication is off"
  severity   = "high"
  effect     = "next-boot"
  references = ["sshd_config(5) PasswordAuthentication"]
  rationale  = "Cloud instances log in with keys; passwords invite brute force."
  check      = "sshd_is PasswordAuthentication no"
  fix        = "sshd_set PasswordAuthentication no"
}

rule "sshd-permit-empty-passwords" {
  title      = "SSH: accounts with empty passwords cannot log in"
  severity   = "critical"
  effect     = "next-boot"
  references = ["CIS Debian 12 v1.1.0 5.1.19"]
  rationale  = "An account without a password would be open to anyone who can reach the port."
  check      = "sshd_is PermitEmptyPasswords no"
  fix        = "sshd_set PermitEmptyPasswords no"
}

rule "sshd-x11-forwarding" {
  title      = "SSH: X11 forwarding is off"
  severity   = "medium"
  effect     = "next-boot"
  references = ["sshd_config(5) X11Forwarding"]
  rationale  = "Servers need no X11; a forwarded display lets a compromised server read the client's keystrokes."
  check      = "sshd_is X11Forwarding no"
  fix        = "sshd_set X11Forwarding no"
}

rule "sshd-max-auth-tries" {
  title      = "SSH: few authentication attempts per connection"
  severity   = "medium"
  effect     = "next-boot"
  references = ["CIS Debian 12 v1.1.0 5.1.16"]
  rationale  = "Limiting attempts per connection slows brute-force attacks."
  check      = "sshd_at_most MaxAuthTries \"$sshd_max_auth_tries\""
  fix        = "sshd_set MaxAuthTries \"$sshd_max_auth_tries\""

  param "sshd_max_auth_tries" {
    default     = "4"
    pattern     = "^[1-9][0-9]?$"
    description = "MaxAuthTries: the most authentication attempts per connection."
  }
}

rule "sshd-idle-timeout" {
  title      = "SSH: unresponsive sessions are closed"
  severity   = "medium"
  effect     = "next-boot"
  references = ["CIS Debian 12 v1.1.0 5.1.7"]
  rationale  = "Sessions whose client went away are closed instead of staying open for whoever finds them."
  check      = <<-EOT
    sshd_at_most ClientAliveInterval "$sshd_client_alive_interval" || exit 1
    sshd_at_most ClientAliveCountMax "$sshd_client_alive_count_max"
  EOT
  fix        = <<-EOT
    sshd_set ClientAliveInterval "$sshd_client_alive_interval"
    sshd_set ClientAliveCountMax "$sshd_client_alive_count_max"
  EOT

  param "sshd_client_alive_interval" {
    default     = "300"
    pattern     = "^[1-9][0-9]{0,4}$"
    description = "ClientAliveInterval in seconds."
  }
  param "sshd_client_alive_count_max" {
    default     = "3"
    pattern     = "^[1-9][0-9]?$"
    description = "ClientAliveCountMax: unanswered keep-alives before the session is closed."
  }
}

rule "sshd-ciphers" {
  title      = "SSH: only strong ciphers"
  severity   = "high"
  effect     = "next-boot"
  references = ["CIS Debian 12 v1.1.0 5.1.6"]
  rationale  = "CBC-mode and RC4 ciphers have practical attacks; authenticated ciphers do not."
  check      = "sshd_subset Ciphers \"$sshd_ciphers\""
  fix        = "sshd_set Ciphers \"$sshd_ciphers\""

  param "sshd_ciphers" {
    default     = "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr"
    pattern     = "^[a-z0-9@.-]+(,[a-z0-9@.-]+)*$"
    description = "The allowed Ciphers, comma-separated."
  }
}

rule "sshd-macs" {
  title      = "SSH: only strong MACs"
  severity   = "high"
  effect     = "next-boot"
  references = ["CIS Debian 12 v1.1.0 5.1.15"]
  rationale  = "MD5 and SHA-1 MACs and 64-bit tags are too weak; encrypt-then-MAC variants are preferred."
  check      = "sshd_subset MACs \"$sshd_macs\""
  fix        = "sshd_set MACs \"$sshd_macs\""

  param "sshd_macs" {
    default     = "hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-512,hmac-sha2-256"
    pattern     = "^[a-z0-9@.-]+(,[a-z0-9@.-]+)*$"
    description = "The allowed MACs, comma-separated."
  }
}

rule "sshd-kex-algorithms" {
  title      = "SSH: only strong key exchange"
  severity   = "high"
  effect     = "next-boot"
  references = ["CIS Debian 12 v1.1.0 5.1.12"]
  rationale  = "SHA-1 and 1024-bit Diffie-Hellman key exchanges are breakable."
  check      = "sshd_subset KexAlgorithms \"$sshd_kex_algorithms\""
  fix        = "sshd_set KexAlgorithms \"$sshd_kex_algorithms\""

  param "sshd_kex_algorithms" {
    default     = "sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group-exchange-sha256,ecdh-sha2-nistp521,ecdh-sha2-nistp384,ecdh-sha2-nistp256"
    pattern     = "^[a-z0-9@.-]+(,[a-z0-9@.-]+)*$"
    description = "The allowed KexAlgorithms, comma-separated."
  }
}

rule "sshd-banner" {
  title      = "SSH: a warning banner is shown before login"
  severity   = "low"
  effect     = "next-boot"
  references = ["CIS Debian 12 v1.1.0 5.1.5", "CIS Debian 12 v1.1.0 1.7.3"]
  rationale  = "A banner states the terms of use, which some jurisdictions need for prosecution, and reveals no OS version."
  check      = <<-EOT
    sshd_is Banner /etc/issue.net || exit 1
    [ -s /etc/issue.net ] || { echo "/etc/issue.net is empty"; exit 1; }
    if grep -Eq '\\[mrsv]' /etc/issue.net; then echo "/etc/issue.net shows OS details (an escape among m r s v)"; exit 1; fi
  EOT
  fix        = <<-EOT
    printf '%s\n' "$sshd_banner_text" >/etc/issue.net
    chmod 0644 /etc/issue.net
    sshd_set Banner /etc/issue.net
  EOT

  param "sshd_banner_text" {
    default     = "Authorized use only. All activity may be monitored and reported."
    pattern     = "^[^\\x00-\\x1f\\\\]+$"
    description = "The text of /etc/issue.net."
  }
}

rule "sshd-hostbased-authentication" {
  title      = "SSH: host-based authentication is off"
  severity   = "medium"
  effect     = "next-boot"
  references = ["CIS Debian 12 v1.1.0 5.1.10"]
  rationale  = "Trusting a client host's key for its users' identity lets one compromised host log in elsewhere."
  check      = "sshd_is HostbasedAuthentication no"
  fix        = "sshd_set HostbasedAuthentication no"
}

rule "sshd-ignore-rhosts" {
  title      = "SSH: .rhosts files are ignored"
  severity   = "medium"
  effect     = "next-boot"
  references = ["CIS Debian 12 v1.1.0 5.1.11"]
  rationale  = "Users' .rhosts and .shosts files would otherwise grant password-less access."
  check      = "sshd_is IgnoreRhosts yes"
  fix        = "sshd_set IgnoreRhosts yes"
}

rule "sshd-permit-user-environment" {
  title      = "SSH: users cannot set the server's environment"
  severity   = "medium"
  effect     = "next-boot"
  references = ["CIS Debian 12 v1.1.0 5.1.21"]
  rationale  = "Environment options in authorized_keys can bypass forced commands (LD_PRELOAD and friends)."
  check      = "sshd_is PermitUserEnvironment no"
  fix        = "sshd_set PermitUserEnvironment no"
}

rule "sshd-login-grace-time" {
  title      = "SSH: unauthenticated connections are dropped within a minute"
  severity   = "low"
  effect     = "next-boot"
  references = ["CIS Debian 12 v1.1.0 5.1.13"]
  rationale  = "Short grace times limit how many unauthenticated connections an attacker can hold open."
  check      = "sshd_at_most LoginGraceTime \"$sshd_login_grace_time\""
  fix        = "sshd_set LoginGraceTime \"$sshd_login_grace_time\""

  param "sshd_login_grace_time" {
    default     = "60"
    pattern     = "^[1-9][0-9]{0,3}$"
    description = "LoginGraceTime in seconds."
  }
}

rule "sshd-log-level" {
  title      = "SSH: logins are logged"
  severity   = "low"
  effect     = "next-boot"
  references = ["CIS Debian 12 v1.1.0 5.1.14"]
  rationale  = "INFO or VERBOSE records logins and key fingerprints; QUIET and below record nothing useful."
  check      = <<-EOT
    got=$(sshd_get LogLevel)
    echo "sshd -T: loglevel $got; want INFO or VERBOSE"
    case $got in INFO | VERBOSE) ;; *) exit 1 ;; esac
  EOT
  fix        = "sshd_set LogLevel VERBOSE"
}

rule "sshd-config-permissions" {
  title      = "SSH: only root can read the server configuration"
  severity   = "medium"
  references = ["CIS Debian 12 v1.1.0 5.1.1"]
  rationale  = "The configuration shows which users, keys and networks are trusted; only root needs it."
  check      = <<-EOT
    [ -e /etc/ssh/sshd_config ] || na "/etc/ssh/sshd_config does not exist"
    bad=0
    for f in /etc/ssh/sshd_config /etc/ssh/sshd_config.d/*.conf; do
      [ -e "$f" ] || continue
      perm_ok "$f" 0600 root root || bad=1
    done
    exit $bad
  EOT
  fix        = <<-EOT
    for f in /etc/ssh/sshd_config /etc/ssh/sshd_config.d/*.conf; do
      [ -e "$f" ] && perm_fix "$f" 0600 root root
    done
    true
  EOT
}

rule "sshd-host-key-permissions" {
  title      = "SSH: private host keys are readable by root only"
  severity   = "high"
  references = ["CIS Debian 12 v1.1.0 5.1.2"]
  rationale  = "Whoever reads a host private key can impersonate the server."
  check      = <<-EOT
    bad=0 found=0
    for f in /etc/ssh/ssh_host_*_key; do
      [ -e "$f" ] || continue
      found=1
      perm_ok "$f" 0600 root root,ssh_keys || bad=1
    done
    [ $found = 1 ] || na "no host keys yet (they are made at first boot)"
    exit $bad
  EOT
  fix        = <<-EOT
    for f in /etc/ssh/ssh_host_*_key; do
      [ -e "$f" ] && perm_fix "$f" 0600 root root,ssh_keys
    done
    true
  EOT
}
