package main

import (
	"encoding/json"
	"fmt"
	"os"
)

// writeState writes a stand-in's state file for the Makefile and scripts,
// atomically, so a reader never sees half of it.
func writeState(path string, state any) error {
	b, err := json.MarshalIndent(state, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing the state file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing the state file: %w", err)
	}
	return nil
}
