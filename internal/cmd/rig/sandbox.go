package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/goldenami/packer-plugin-golden/internal/rigpath"
	"github.com/goldenami/packer-plugin-golden/internal/sandbox"
)

// sandboxState is what `rig sandbox -state-file` writes for the Makefile and
// scripts: how to reach sshd, and where the sandbox runs.
type sandboxState struct {
	*sandbox.SSHD        // host, port, user, private_key, known_hosts
	Root          string `json:"root"` // the root directory on the host
	PID           int    `json:"pid"`  // the sandbox's PID 1 (nsenter --target)
}

// runSandbox runs the Debian sandbox with sshd on 127.0.0.1 until ctx ends
// (SIGINT, SIGTERM).
func runSandbox(ctx context.Context, args []string) error {
	return serveSandbox(ctx, args, os.Stdout)
}

func serveSandbox(ctx context.Context, args []string, out io.Writer) (err error) {
	fs := flag.NewFlagSet("rig sandbox", flag.ContinueOnError)
	port := fs.Int("port", 0, "run sshd on 127.0.0.1:`port` (0: a free port)")
	stateFile := fs.String("state-file", "", "write host, port, user, private_key, known_hosts, root and pid as JSON to `file`, removed at exit")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("rig sandbox takes flags only, got %q", fs.Args())
	}
	start := time.Now()
	sb, d, err := startInstance(ctx, *port)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, stopInstance(sb)) }()
	if *stateFile != "" {
		if err := writeState(*stateFile, sandboxState{SSHD: d, Root: sb.Root(), PID: sb.PID()}); err != nil {
			return err
		}
		defer os.Remove(*stateFile)
	}
	fmt.Fprintf(out, "sandbox: Debian root %s, PID 1 is %d, sshd on %s; ready in %s\n", sb.Root(), sb.PID(), d.Addr(), time.Since(start).Round(time.Millisecond))
	fmt.Fprintln(out, "# to log in as root (Ctrl-C here stops it):")
	fmt.Fprintf(out, "ssh -i %s -o IdentitiesOnly=yes -o UserKnownHostsFile=%s -p %d %s@%s\n", d.PrivateKey, d.KnownHosts, d.Port, d.User, d.Host)
	<-ctx.Done()
	return nil
}

// startInstance starts a sandbox of the cached Debian root with sshd on
// 127.0.0.1:port (0: a free port): the stand-in for an EC2 instance.
func startInstance(ctx context.Context, port int) (*sandbox.Sandbox, *sandbox.SSHD, error) {
	cache, err := rigpath.CacheDir()
	if err != nil {
		return nil, nil, err
	}
	// debootstrap's output, on the first run, explains the minute it takes.
	root, err := sandbox.Cache{Dir: cache, Log: os.Stderr}.NewRoot(ctx, sandbox.RootSource{}, "")
	if err != nil {
		return nil, nil, err
	}
	sb, err := sandbox.Start(ctx, sandbox.Config{Root: root, RemoveRoot: true})
	if err != nil {
		return nil, nil, err
	}
	d, err := sb.StartSSHD(ctx, port)
	if err != nil {
		return nil, nil, errors.Join(err, stopInstance(sb))
	}
	return sb, d, nil
}

// stopInstance tears the sandbox down; it runs after ctx is done, so it has its own.
func stopInstance(sb *sandbox.Sandbox) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return sb.Stop(ctx)
}
