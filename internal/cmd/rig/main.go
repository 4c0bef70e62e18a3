// Command rig runs the local stand-ins of the test rig by hand: moto behind the
// fault proxy (rig aws), the sandbox with sshd (rig sandbox), and the demo
// pipeline (rig demo). The Makefile's demo and e2e targets use it.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage: rig <command> [flags]

commands:
  aws       start moto (with fidelity patches) behind the fault proxy until interrupted
  sandbox   start the Debian sandbox with sshd on 127.0.0.1 until interrupted
  demo      run the golden-image demo pipeline against the local stand-ins`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "aws":
		err = runAWS(ctx, os.Args[2:])
	case "sandbox":
		err = runSandbox(ctx, os.Args[2:])
	case "demo":
		err = runDemo(ctx, os.Args[2:])
	default:
		fmt.Fprintf(os.Stderr, "rig: unknown command %q\n\n%s\n", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "rig:", err)
		os.Exit(1)
	}
}
