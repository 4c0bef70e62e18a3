# Legacy network services and clients that send credentials in clear text.
# Removed first, so that later rules see the final package set.

rule "pkg-no-telnet" {
  title       = "telnet client and server are not installed"
  severity    = "high"
  os_families = ["debian"]
  references  = ["CIS Debian 12 v1.1.0 2.2.4"]
  rationale   = "Telnet sends credentials and sessions unencrypted; SSH replaces it."
  check       = "pkgs_absent telnet telnetd inetutils-telnet inetutils-telnetd telnetd-ssl"
  fix         = "pkg_remove telnet telnetd inetutils-telnet inetutils-telnetd telnetd-ssl"
}

rule "pkg-no-rsh" {
  title       = "rsh, rlogin and rcp are not installed"
  severity    = "high"
  os_families = ["debian"]
  references  = ["CIS Debian 12 v1.1.0 2.2.2"]
  rationale   = "The r-commands authenticate by host name and send data unencrypted."
  check       = "pkgs_absent rsh-client rsh-server rsh-redone-client rsh-redone-server"
  fix         = "pkg_remove rsh-client rsh-server rsh-redone-client rsh-redone-server"
}

rule "pkg-no-nis" {
  title       = "NIS is not installed"
  severity    = "medium"
  os_families = ["debian"]
  references  = ["CIS Debian 12 v1.1.0 2.2.1"]
  rationale   = "NIS shares account databases without encryption or strong authentication."
  check       = "pkgs_absent nis"
  fix         = "pkg_remove nis"
}

rule "pkg-no-talk" {
  title       = "talk client and server are not installed"
  severity    = "low"
  os_families = ["debian"]
  references  = ["CIS Debian 12 v1.1.0 2.2.3"]
  rationale   = "talk opens an unauthenticated, unencrypted chat channel between users."
  check       = "pkgs_absent talk talkd inetutils-talk inetutils-talkd"
  fix         = "pkg_remove talk talkd inetutils-talk inetutils-talkd"
}

rule "pkg-no-inetd" {
  title       = "inetd super-servers are not installed"
  severity    = "medium"
  os_families = ["debian"]
  references  = ["CIS Debian 12 v1.1.0 2.1"]
  rationale   = "inetd starts legacy services on demand, outside the firewall and service inventory."
  check       = "pkgs_absent openbsd-inetd inetutils-inetd xinetd rlinetd"
  fix         = "pkg_remove openbsd-inetd inetutils-inetd xinetd rlinetd"
}
