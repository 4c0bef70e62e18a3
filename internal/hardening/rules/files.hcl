# Ownership and permissions of account databases, cron, and system paths.
# Fixes only ever remove permission bits; they take effect at once.

rule "perm-passwd" {
  title      = "/etc/passwd is 0644 root:root or stricter"
  severity   = "high"
  references = ["CIS Debian 12 v1.1.0 7.1.1"]
  rationale  = "Anyone who can write the account database can create a root account."
  check      = "perm_ok /etc/passwd 0644 root root"
  fix        = "perm_fix /etc/passwd 0644 root root"
}

rule "perm-group" {
  title      = "/etc/group is 0644 root:root or stricter"
  severity   = "high"
  references = ["CIS Debian 12 v1.1.0 7.1.3"]
  rationale  = "Anyone who can write the group database can join privileged groups."
  check      = "perm_ok /etc/group 0644 root root"
  fix        = "perm_fix /etc/group 0644 root root"
}

rule "perm-shadow" {
  title      = "/etc/shadow is 0640 root:shadow or stricter"
  severity   = "high"
  references = ["CIS Debian 12 v1.1.0 7.1.5"]
  rationale  = "Password hashes can be cracked offline by whoever reads them."
  check      = "perm_ok /etc/shadow 0640 root shadow,root"
  fix        = "perm_fix /etc/shadow 0640 root shadow,root"
}

rule "perm-gshadow" {
  title      = "/etc/gshadow is 0640 root:shadow or stricter"
  severity   = "high"
  references = ["CIS Debian 12 v1.1.0 7.1.7"]
  rationale  = "Group password hashes can be cracked offline by whoever reads them."
  check      = "perm_ok /etc/gshadow 0640 root shadow,root"
  fix        = "perm_fix /etc/gshadow 0640 root shadow,root"
}

rule "perm-account-backups" {
  title      = "Backups of the account databases are as strict as the originals"
  severity   = "medium"
  references = ["CIS Debian 12 v1.1.0 7.1.2", "CIS Debian 12 v1.1.0 7.1.4", "CIS Debian 12 v1.1.0 7.1.6", "CIS Debian 12 v1.1.0 7.1.8"]
  rationale  = "passwd-, group-, shadow- and gshadow- hold yesterday's accounts and hashes."
  check      = <<-EOT
    bad=0 found=0
    for f in /etc/passwd- /etc/group-; do [ -e "$f" ] && { found=1; perm_ok "$f" 0644 root root || bad=1; }; done
    for f in /etc/shadow- /etc/gshadow-; do [ -e "$f" ] && { found=1; perm_ok "$f" 0640 root shadow,root || bad=1; }; done
    [ $found = 1 ] || na "no backups of the account databases"
    exit $bad
  EOT
  fix        = <<-EOT
    for f in /etc/passwd- /etc/group-; do [ -e "$f" ] && perm_fix "$f" 0644 root root; done
    for f in /etc/shadow- /etc/gshadow-; do [ -e "$f" ] && perm_fix "$f" 0640 root shadow,root; done
    true
  EOT
}

rule "perm-crontab" {
  title      = "/etc/crontab is readable by root only"
  severity   = "medium"
  references = ["CIS Debian 12 v1.1.0 2.4.1.2"]
  rationale  = "Knowing what runs as root, and when, helps an attacker; writing it is root."
  check      = "perm_ok /etc/crontab 0600 root root"
  fix        = "perm_fix /etc/crontab 0600 root root"
}

rule "perm-cron-dirs" {
  title      = "cron directories are accessible to root only"
  severity   = "medium"
  references = ["CIS Debian 12 v1.1.0 2.4.1.3", "CIS Debian 12 v1.1.0 2.4.1.7"]
  rationale  = "Scripts in /etc/cron.* run as root."
  check      = <<-EOT
    bad=0 found=0
    for d in /etc/cron.hourly /etc/cron.daily /etc/cron.weekly /etc/cron.monthly /etc/cron.d; do
      [ -d "$d" ] && { found=1; perm_ok "$d" 0700 root root || bad=1; }
    done
    [ $found = 1 ] || na "cron is not installed"
    exit $bad
  EOT
  fix        = <<-EOT
    for d in /etc/cron.hourly /etc/cron.daily /etc/cron.weekly /etc/cron.monthly /etc/cron.d; do
      [ -d "$d" ] && perm_fix "$d" 0700 root root
    done
    true
  EOT
}

rule "files-world-writable" {
  title      = "No world-writable files in system paths"
  severity   = "high"
  references = ["CIS Debian 12 v1.1.0 7.1.11"]
  rationale  = "A world-writable file under /etc or /usr lets any user change what root runs or reads."
  check      = <<-EOT
    found=$(world_writable f "$world_writable_paths" | head -n 50)
    [ -z "$found" ] || { echo "world-writable files:"; echo "$found"; exit 1; }
    echo "no world-writable files in $world_writable_paths"
  EOT
  fix        = "world_writable f \"$world_writable_paths\" | while IFS= read -r f; do chmod o-w \"$f\"; done"

  param "world_writable_paths" {
    default     = "/etc /usr /boot /opt /srv /var"
    pattern     = "^/[^ ]*( /[^ ]*)*$"
    description = "The paths searched for world-writable files and directories, space-separated (/var/tmp and /tmp are left out)."
  }
}

rule "files-sticky-dirs" {
  title      = "World-writable directories have the sticky bit"
  severity   = "medium"
  references = ["CIS Debian 12 v1.1.0 7.1.11"]
  rationale  = "Without the sticky bit any user can delete or replace other users' files in the directory."
  check      = <<-EOT
    found=$(world_writable d "$world_writable_paths" | head -n 50)
    [ -z "$found" ] || { echo "world-writable directories without the sticky bit:"; echo "$found"; exit 1; }
    echo "every world-writable directory in $world_writable_paths /tmp /var/tmp has the sticky bit"
  EOT
  fix        = "world_writable d \"$world_writable_paths\" | while IFS= read -r d; do chmod +t \"$d\"; done"
}
