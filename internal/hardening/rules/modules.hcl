# Kernel modules nobody needs on a cloud server. Fixes write
# /etc/modprobe.d/golden-harden.conf (install MODULE /bin/false, blacklist MODULE);
# a module that is loaded now stays loaded until the next boot.

rule "kmod-cramfs" {
  title      = "Kernel module cramfs (filesystem) cannot be loaded"
  severity   = "low"
  effect     = "next-boot"
  references = ["CIS Debian 12 v1.1.0 1.1.1.1"]
  rationale  = "cramfs is an old compressed read-only filesystem no server mounts; unused filesystem drivers are attack surface reachable by mounting crafted images."
  check      = "kmod_disabled cramfs"
  fix        = "kmod_disable cramfs"
}

rule "kmod-freevxfs" {
  title      = "Kernel module freevxfs (filesystem) cannot be loaded"
  severity   = "low"
  effect     = "next-boot"
  references = ["CIS Debian 12 v1.1.0 1.1.1.2"]
  rationale  = "freevxfs reads HP-UX VxFS volumes; unused filesystem drivers are attack surface."
  check      = "kmod_disabled freevxfs"
  fix        = "kmod_disable freevxfs"
}

rule "kmod-hfs" {
  title      = "Kernel module hfs (filesystem) cannot be loaded"
  severity   = "low"
  effect     = "next-boot"
  references = ["CIS Debian 12 v1.1.0 1.1.1.3"]
  rationale  = "hfs reads classic Mac OS volumes; unused filesystem drivers are attack surface."
  check      = "kmod_disabled hfs"
  fix        = "kmod_disable hfs"
}

rule "kmod-hfsplus" {
  title      = "Kernel module hfsplus (filesystem) cannot be loaded"
  severity   = "low"
  effect     = "next-boot"
  references = ["CIS Debian 12 v1.1.0 1.1.1.4"]
  rationale  = "hfsplus reads macOS volumes; unused filesystem drivers are attack surface."
  check      = "kmod_disabled hfsplus"
  fix        = "kmod_disable hfsplus"
}

rule "kmod-jffs2" {
  title      = "Kernel module jffs2 (filesystem) cannot be loaded"
  severity   = "low"
  effect     = "next-boot"
  references = ["CIS Debian 12 v1.1.0 1.1.1.5"]
  rationale  = "jffs2 is for raw flash chips, which servers do not have; unused filesystem drivers are attack surface."
  check      = "kmod_disabled jffs2"
  fix        = "kmod_disable jffs2"
}

rule "kmod-udf" {
  title      = "Kernel module udf (filesystem) cannot be loaded"
  severity   = "low"
  effect     = "next-boot"
  references = ["CIS Debian 12 v1.1.0 1.1.1.8"]
  rationale  = "udf reads optical media; unused filesystem drivers are attack surface. Skip this rule on Azure-style images that read provisioning data from UDF."
  check      = "kmod_disabled udf"
  fix        = "kmod_disable udf"
}

rule "kmod-dccp" {
  title      = "Kernel module dccp (network protocol) cannot be loaded"
  severity   = "medium"
  effect     = "next-boot"
  references = ["CIS Debian 12 v1.1.0 3.2.1"]
  rationale  = "DCCP is rarely used and has had remotely triggerable kernel bugs; any user can load it by opening a socket."
  check      = "kmod_disabled dccp"
  fix        = "kmod_disable dccp"
}

rule "kmod-tipc" {
  title      = "Kernel module tipc (network protocol) cannot be loaded"
  severity   = "medium"
  effect     = "next-boot"
  references = ["CIS Debian 12 v1.1.0 3.2.2"]
  rationale  = "TIPC is a cluster protocol servers rarely use and has had remotely triggerable kernel bugs."
  check      = "kmod_disabled tipc"
  fix        = "kmod_disable tipc"
}

rule "kmod-rds" {
  title      = "Kernel module rds (network protocol) cannot be loaded"
  severity   = "medium"
  effect     = "next-boot"
  references = ["CIS Debian 12 v1.1.0 3.2.3"]
  rationale  = "RDS is a cluster protocol servers rarely use and has had local privilege escalation bugs."
  check      = "kmod_disabled rds"
  fix        = "kmod_disable rds"
}

rule "kmod-sctp" {
  title      = "Kernel module sctp (network protocol) cannot be loaded"
  severity   = "medium"
  effect     = "next-boot"
  references = ["CIS Debian 12 v1.1.0 3.2.4"]
  rationale  = "SCTP is rarely used outside telephony and has had remotely triggerable kernel bugs."
  check      = "kmod_disabled sctp"
  fix        = "kmod_disable sctp"
}
