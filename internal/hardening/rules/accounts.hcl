# Accounts, password ageing, umask, core dumps and sudo.

rule "login-pass-max-days" {
  title      = "Passwords expire"
  severity   = "medium"
  references = ["CIS Debian 12 v1.1.0 5.4.1.1"]
  rationale  = "Limits how long a leaked password stays useful. Applies to accounts created from now on (login.defs)."
  check      = <<-EOT
    got=$(logindefs_get PASS_MAX_DAYS)
    echo "login.defs: PASS_MAX_DAYS $${got:-unset}; want 1..$login_pass_max_days"
    [ -n "$got" ] && [ "$got" -ge 1 ] && [ "$got" -le "$login_pass_max_days" ]
  EOT
  fix        = "logindefs_set PASS_MAX_DAYS \"$login_pass_max_days\""

  param "login_pass_max_days" {
    default     = "365"
    pattern     = "^[1-9][0-9]{0,4}$"
    description = "PASS_MAX_DAYS: the most days a password is valid."
  }
}

rule "login-pass-min-days" {
  title      = "Passwords cannot be changed back at once"
  severity   = "low"
  references = ["CIS Debian 12 v1.1.0 5.4.1.2"]
  rationale  = "A minimum age stops users cycling through passwords to reuse an old one."
  check      = <<-EOT
    got=$(logindefs_get PASS_MIN_DAYS)
    echo "login.defs: PASS_MIN_DAYS $${got:-unset}; want >= $login_pass_min_days"
    [ -n "$got" ] && [ "$got" -ge "$login_pass_min_days" ]
  EOT
  fix        = "logindefs_set PASS_MIN_DAYS \"$login_pass_min_days\""

  param "login_pass_min_days" {
    default     = "1"
    pattern     = "^[0-9]{1,4}$"
    description = "PASS_MIN_DAYS: the fewest days between password changes."
  }
}

rule "login-pass-warn-age" {
  title      = "Users are warned before their password expires"
  severity   = "low"
  references = ["CIS Debian 12 v1.1.0 5.4.1.3"]
  rationale  = "A warning lets users choose a new password instead of being locked out."
  check      = <<-EOT
    got=$(logindefs_get PASS_WARN_AGE)
    echo "login.defs: PASS_WARN_AGE $${got:-unset}; want >= $login_pass_warn_age"
    [ -n "$got" ] && [ "$got" -ge "$login_pass_warn_age" ]
  EOT
  fix        = "logindefs_set PASS_WARN_AGE \"$login_pass_warn_age\""

  param "login_pass_warn_age" {
    default     = "7"
    pattern     = "^[0-9]{1,3}$"
    description = "PASS_WARN_AGE: days of warning before a password expires."
  }
}

rule "login-umask" {
  title      = "New files are not readable by other users by default"
  severity   = "medium"
  references = ["CIS Debian 12 v1.1.0 5.4.3.3"]
  rationale  = "A umask of 027 keeps users' new files away from other users unless shared on purpose."
  check      = <<-EOT
    got=$(logindefs_get UMASK)
    echo "login.defs: UMASK $${got:-unset}; want $login_umask or stricter"
    [ -n "$got" ] && [ $((0$got & 0$login_umask)) -eq $((0$login_umask)) ]
  EOT
  fix        = "logindefs_set UMASK \"$login_umask\""

  param "login_umask" {
    default     = "027"
    pattern     = "^0?[0-7]{3}$"
    description = "UMASK in login.defs, octal."
  }
}

rule "accounts-uid0-only-root" {
  title      = "Only root has UID 0"
  severity   = "critical"
  references = ["CIS Debian 12 v1.1.0 5.4.2.1"]
  rationale  = "Every UID 0 account is root under another name, with a password of its own."
  check      = <<-EOT
    others=$(awk -F: '$3 == 0 && $1 != "root" { print $1 }' /etc/passwd | tr '\n' ' ')
    [ -z "$others" ] || { echo "accounts with UID 0 besides root: $others"; exit 1; }
    echo "only root has UID 0"
  EOT
  fix        = "manual \"give every UID 0 account but root another UID, or remove it\""
}

rule "accounts-no-empty-passwords" {
  title      = "No account has an empty password"
  severity   = "critical"
  references = ["CIS Debian 12 v1.1.0 7.2.2"]
  rationale  = "An empty password field lets anyone log in as that account on a console or through PAM."
  check      = <<-EOT
    [ -r /etc/shadow ] || na "/etc/shadow does not exist"
    empty=$(awk -F: '$2 == "" { print $1 }' /etc/shadow | tr '\n' ' ')
    [ -z "$empty" ] || { echo "accounts with an empty password: $empty"; exit 1; }
    echo "no account has an empty password"
  EOT
  fix        = <<-EOT
    # '*' disables the password without marking the account locked: key logins keep working.
    awk -F: '$2 == "" { print $1 }' /etc/shadow | while IFS= read -r u; do usermod -p '*' "$u"; done
  EOT
}

rule "core-dumps-disabled" {
  title      = "Core dumps are disabled"
  severity   = "medium"
  references = ["CIS Debian 12 v1.1.0 1.5.3"]
  rationale  = "Core files hold the memory of the crashed process: keys, tokens, passwords."
  check      = <<-EOT
    bad=0
    if cat /etc/security/limits.conf /etc/security/limits.d/*.conf 2>/dev/null | grep -Eq '^[[:space:]]*\*[[:space:]]+hard[[:space:]]+core[[:space:]]+0([[:space:]]|$)'; then
      echo "limits: * hard core 0"
    else
      echo "limits: no '* hard core 0'"
      bad=1
    fi
    if [ -d /etc/systemd ]; then
      storage=$(cat /etc/systemd/coredump.conf /etc/systemd/coredump.conf.d/*.conf 2>/dev/null | sed -n 's/^[[:space:]]*Storage[[:space:]]*=[[:space:]]*//p' | tail -n 1)
      echo "systemd-coredump: Storage=$${storage:-unset}; want none"
      [ "$storage" = none ] || bad=1
    fi
    exit $bad
  EOT
  fix        = <<-EOT
    mkdir -p /etc/security/limits.d
    printf '# Written by golden-harden (rule core-dumps-disabled).\n* hard core 0\n' >/etc/security/limits.d/50-golden-harden.conf
    chmod 0644 /etc/security/limits.d/50-golden-harden.conf
    if [ -d /etc/systemd ]; then
      mkdir -p /etc/systemd/coredump.conf.d
      printf '# Written by golden-harden (rule core-dumps-disabled).\n[Coredump]\nStorage=none\nProcessSizeMax=0\n' >/etc/systemd/coredump.conf.d/50-golden-harden.conf
      chmod 0644 /etc/systemd/coredump.conf.d/50-golden-harden.conf
    fi
  EOT
}

rule "sudo-use-pty" {
  title      = "sudo runs commands in a pseudo-terminal"
  severity   = "medium"
  references = ["CIS Debian 12 v1.1.0 5.2.2"]
  rationale  = "A command run through sudo cannot keep a handle on the user's terminal after sudo ends."
  check      = <<-EOT
    command -v visudo >/dev/null 2>&1 || na "sudo is not installed"
    if sudoers_defaults | grep -Eq '(^|[ ,])use_pty([ ,]|$)'; then echo "Defaults use_pty"; else echo "no Defaults use_pty"; exit 1; fi
  EOT
  fix        = "sudoers_add use_pty"
}

rule "sudo-logfile" {
  title      = "sudo logs to its own file"
  severity   = "low"
  references = ["CIS Debian 12 v1.1.0 5.2.3"]
  rationale  = "A dedicated log keeps a record of every privileged command that is easy to ship and review."
  check      = <<-EOT
    command -v visudo >/dev/null 2>&1 || na "sudo is not installed"
    got=$(sudoers_defaults | grep -Eo 'logfile="?[^", ]+' | tail -n 1)
    if [ -n "$got" ]; then echo "Defaults $got"; else echo "no Defaults logfile"; exit 1; fi
  EOT
  fix        = "sudoers_add 'logfile=\"/var/log/sudo.log\"'"
}
