# Network kernel parameters (same mechanism as kernel.hcl) and the host firewall.

rule "net-ip-forwarding" {
  title      = "Network: the host does not route packets"
  severity   = "medium"
  effect     = "next-boot"
  references = ["CIS Debian 12 v1.1.0 3.3.1"]
  rationale  = "A server that forwards packets can be used to reach networks behind it. Skip this rule on container hosts and routers."
  check      = "sysctl_is net.ipv4.ip_forward 0 net.ipv6.conf.all.forwarding 0"
  fix        = "sysctl_set net.ipv4.ip_forward 0 net.ipv6.conf.all.forwarding 0"
}

rule "net-send-redirects" {
  title      = "Network: no ICMP redirects are sent"
  severity   = "medium"
  effect     = "next-boot"
  references = ["CIS Debian 12 v1.1.0 3.3.2"]
  rationale  = "Only routers send redirects; a host that does can be used to alter other hosts' routes."
  check      = "sysctl_is net.ipv4.conf.all.send_redirects 0 net.ipv4.conf.default.send_redirects 0"
  fix        = "sysctl_set net.ipv4.conf.all.send_redirects 0 net.ipv4.conf.default.send_redirects 0"
}

rule "net-accept-redirects" {
  title      = "Network: ICMP redirects are ignored"
  severity   = "medium"
  effect     = "next-boot"
  references = ["CIS Debian 12 v1.1.0 3.3.5", "CIS Debian 12 v1.1.0 3.3.6"]
  rationale  = "Forged redirects reroute traffic through an attacker."
  check      = <<-EOT
    sysctl_is net.ipv4.conf.all.accept_redirects 0 net.ipv4.conf.default.accept_redirects 0 \
      net.ipv6.conf.all.accept_redirects 0 net.ipv6.conf.default.accept_redirects 0 \
      net.ipv4.conf.all.secure_redirects 0 net.ipv4.conf.default.secure_redirects 0
  EOT
  fix        = <<-EOT
    sysctl_set net.ipv4.conf.all.accept_redirects 0 net.ipv4.conf.default.accept_redirects 0 \
      net.ipv6.conf.all.accept_redirects 0 net.ipv6.conf.default.accept_redirects 0 \
      net.ipv4.conf.all.secure_redirects 0 net.ipv4.conf.default.secure_redirects 0
  EOT
}

rule "net-source-route" {
  title      = "Network: source-routed packets are dropped"
  severity   = "medium"
  effect     = "next-boot"
  references = ["CIS Debian 12 v1.1.0 3.3.8"]
  rationale  = "Source routing lets a sender choose the path, bypassing network controls."
  check      = <<-EOT
    sysctl_is net.ipv4.conf.all.accept_source_route 0 net.ipv4.conf.default.accept_source_route 0 \
      net.ipv6.conf.all.accept_source_route 0 net.ipv6.conf.default.accept_source_route 0
  EOT
  fix        = <<-EOT
    sysctl_set net.ipv4.conf.all.accept_source_route 0 net.ipv4.conf.default.accept_source_route 0 \
      net.ipv6.conf.all.accept_source_route 0 net.ipv6.conf.default.accept_source_route 0
  EOT
}

rule "net-rp-filter" {
  title      = "Network: reverse path filtering is strict"
  severity   = "medium"
  effect     = "next-boot"
  references = ["CIS Debian 12 v1.1.0 3.3.7"]
  rationale  = "Drops packets whose source address could not be answered on the interface they came from, which defeats spoofing."
  check      = "sysctl_is net.ipv4.conf.all.rp_filter 1 net.ipv4.conf.default.rp_filter 1"
  fix        = "sysctl_set net.ipv4.conf.all.rp_filter 1 net.ipv4.conf.default.rp_filter 1"
}

rule "net-tcp-syncookies" {
  title      = "Network: TCP SYN cookies are on"
  severity   = "medium"
  effect     = "next-boot"
  references = ["CIS Debian 12 v1.1.0 3.3.10"]
  rationale  = "SYN cookies keep the host reachable during a SYN flood."
  check      = "sysctl_is net.ipv4.tcp_syncookies 1"
  fix        = "sysctl_set net.ipv4.tcp_syncookies 1"
}

rule "net-log-martians" {
  title      = "Network: packets with impossible addresses are logged"
  severity   = "low"
  effect     = "next-boot"
  references = ["CIS Debian 12 v1.1.0 3.3.9"]
  rationale  = "Martian packets point at spoofing or misrouting that someone should look at."
  check      = "sysctl_is net.ipv4.conf.all.log_martians 1 net.ipv4.conf.default.log_martians 1"
  fix        = "sysctl_set net.ipv4.conf.all.log_martians 1 net.ipv4.conf.default.log_martians 1"
}

rule "net-icmp-broadcasts" {
  title      = "Network: broadcast pings are ignored"
  severity   = "low"
  effect     = "next-boot"
  references = ["CIS Debian 12 v1.1.0 3.3.4"]
  rationale  = "Answering broadcast pings makes the host an amplifier in smurf attacks."
  check      = "sysctl_is net.ipv4.icmp_echo_ignore_broadcasts 1"
  fix        = "sysctl_set net.ipv4.icmp_echo_ignore_broadcasts 1"
}

rule "net-icmp-bogus-errors" {
  title      = "Network: bogus ICMP error responses are ignored"
  severity   = "low"
  effect     = "next-boot"
  references = ["CIS Debian 12 v1.1.0 3.3.3"]
  rationale  = "Keeps the kernel log from filling with malformed ICMP errors."
  check      = "sysctl_is net.ipv4.icmp_ignore_bogus_error_responses 1"
  fix        = "sysctl_set net.ipv4.icmp_ignore_bogus_error_responses 1"
}

rule "firewall-default-deny" {
  title       = "Firewall: inbound traffic is dropped unless allowed, SSH stays open"
  severity    = "high"
  os_families = ["debian"]
  effect      = "next-boot"
  references  = ["CIS Debian 12 v1.1.0 4.3.8", "CIS Debian 12 v1.1.0 4.3.9"]
  rationale   = "A default-deny host firewall keeps services that were installed by accident off the network. The SSH ports sshd listens on (sshd -T) and firewall_allow_tcp stay open, so the image can still be reached."
  check       = <<-EOT
    pkg_installed nftables || { echo "nftables is not installed"; exit 1; }
    [ -f /etc/nftables.conf ] || { echo "/etc/nftables.conf does not exist"; exit 1; }
    conf=$(sed 's/#.*//' /etc/nftables.conf)
    bad=0
    if echo "$conf" | grep -Eq 'hook[[:space:]]+input[^;]*;[[:space:]]*policy[[:space:]]+drop'; then
      echo "input policy: drop"
    else
      echo "input policy: not drop"
      bad=1
    fi
    for port in $(sshd_get Port) $(echo "$firewall_allow_tcp" | tr , ' '); do
      if echo "$conf" | grep -Eq "tcp dport (\{[^}]*[^0-9]$${port}[^0-9][^}]*\}|$${port}) accept"; then
        echo "tcp port $port: open"
      else
        echo "tcp port $port: not open"
        bad=1
      fi
    done
    svc_enabled nftables || bad=1
    exit $bad
  EOT
  fix         = <<-EOT
    pkg_install nftables
    ports=$(for p in $(sshd_get Port) $(echo "$firewall_allow_tcp" | tr , ' '); do echo "$p"; done | sort -un | tr '\n' ',' | sed 's/,$//; s/,/, /g')
    [ -n "$ports" ] || ports=22
    if [ -f /etc/nftables.conf ] && ! grep -q 'golden-harden' /etc/nftables.conf; then
      cp -p /etc/nftables.conf /etc/nftables.conf.before-golden-harden
    fi
    cat >/etc/nftables.conf <<NFT
    #!/usr/sbin/nft -f
    # Written by golden-harden (rule firewall-default-deny): inbound traffic is dropped
    # unless it is loopback, a reply, ICMP, DHCP or one of the TCP ports below.
    flush ruleset
    table inet filter {
    	chain input {
    		type filter hook input priority filter; policy drop;
    		iif "lo" accept
    		ct state established,related accept
    		ct state invalid drop
    		meta l4proto { 1, 58 } accept comment "icmp, ipv6-icmp"
    		udp dport { 68, 546 } accept
    		tcp dport { $ports } accept
    	}
    	chain forward {
    		type filter hook forward priority filter; policy drop;
    	}
    	chain output {
    		type filter hook output priority filter; policy accept;
    	}
    }
    NFT
    chmod 0755 /etc/nftables.conf
    # nft -c parses without loading; a sandbox may refuse it the netlink socket.
    if ! err=$(nft -c -f /etc/nftables.conf 2>&1) && ! echo "$err" | grep -q 'Operation not permitted'; then
      echo "nft rejected the generated /etc/nftables.conf: $err"
      [ ! -f /etc/nftables.conf.before-golden-harden ] || cp -p /etc/nftables.conf.before-golden-harden /etc/nftables.conf
      exit 1
    fi
    svc_enabled nftables >/dev/null || svc_enable nftables
  EOT

  param "firewall_allow_tcp" {
    default     = ""
    pattern     = "^([0-9]{1,5}([, ][0-9]{1,5})*)?$"
    description = "More TCP ports to open, comma-separated (the SSH ports are always open)."
  }
}
