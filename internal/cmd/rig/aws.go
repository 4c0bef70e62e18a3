package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/goldenami/packer-plugin-golden/internal/awstest"
)

// awsState is what `rig aws -state-file` writes for the Makefile and scripts.
type awsState struct {
	Endpoint  string    `json:"endpoint"`   // AWS_ENDPOINT_URL: the fault proxy
	MotoURL   string    `json:"moto_url"`   // moto itself, and its /_golden/config
	PID       int       `json:"pid"`        // this rig process: SIGTERM it to stop everything
	MotoPID   int       `json:"moto_pid"`   // moto's process group
	MotoLog   string    `json:"moto_log"`   // moto's log file
	SourceAMI sourceAMI `json:"source_ami"` // the seeded source AMI, in every region
	Env       []string  `json:"env"`        // what a child process needs, KEY=VALUE
}

type sourceAMI struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	NamePattern string `json:"name_pattern"`
	Owner       string `json:"owner"`
}

// runAWS serves moto behind the fault proxy until ctx ends (SIGINT, SIGTERM).
func runAWS(ctx context.Context, args []string) error {
	return serveAWS(ctx, args, os.Stdout)
}

func serveAWS(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("rig aws", flag.ContinueOnError)
	port := fs.Int("port", 0, "serve the fault proxy on 127.0.0.1:`port` (0: a free port)")
	stateFile := fs.String("state-file", "", "write endpoint, pids, log and source AMI as JSON to `file`, removed at exit")
	logFile := fs.String("log", "", "append moto's log to `file` (default: a new temporary file)")
	seed := fs.Uint64("seed", 1, "seed of the fault rules' probability draws")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("rig aws takes flags only, got %q", fs.Args())
	}
	opts := []awstest.Option{awstest.WithProxyPort(*port), awstest.WithSeed(*seed)}
	if *logFile != "" {
		opts = append(opts, awstest.WithLogFile(*logFile))
	}
	rig, err := awstest.Launch(ctx, opts...)
	if err != nil {
		return err
	}
	state := awsState{
		Endpoint: rig.Endpoint(), MotoURL: rig.MotoURL(), PID: os.Getpid(), MotoPID: rig.MotoPID(), MotoLog: rig.LogPath(),
		SourceAMI: sourceAMI{awstest.SourceAMIID, awstest.SourceAMIName, awstest.SourceAMINamePattern, awstest.SourceAMIOwner},
		Env:       rig.Env(),
	}
	if *stateFile != "" {
		if err := writeState(*stateFile, state); err != nil {
			return errors.Join(err, rig.Close())
		}
		defer os.Remove(*stateFile)
	}
	fmt.Fprintf(out, "AWS stand-in: moto %s behind the fault proxy %s (log %s)\n", rig.MotoURL(), rig.Endpoint(), rig.LogPath())
	fmt.Fprintf(out, "source AMI %s (%s, owner %s) in every region\n", awstest.SourceAMIID, awstest.SourceAMIName, awstest.SourceAMIOwner)
	fmt.Fprintf(out, "fault rules and call log: curl %s/_proxy/calls; copy behaviour: curl -d '{...}' %s/_golden/config\n", rig.Endpoint(), rig.MotoURL())
	fmt.Fprintln(out, "# to use it (Ctrl-C here stops it):")
	fmt.Fprintln(out, "unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE")
	for _, kv := range state.Env {
		k, v, _ := strings.Cut(kv, "=")
		fmt.Fprintf(out, "export %s=%q\n", k, v)
	}
	<-ctx.Done()
	if lines, err := rig.NotImplemented(); err == nil && len(lines) > 0 {
		fmt.Fprintf(out, "moto lacks calls that were made:\n%s\n", strings.Join(lines, "\n"))
	}
	return rig.Close()
}
