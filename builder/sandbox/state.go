package sandbox

import (
	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

// stateKey names a value in the build's state bag and says its type, so that
// every read is checked.
type stateKey[T any] string

func (k stateKey[T]) put(state multistep.StateBag, v T) { state.Put(string(k), v) }

// get returns the value under k; false if there is none or it has another type.
func (k stateKey[T]) get(state multistep.StateBag) (T, bool) {
	raw, _ := state.GetOk(string(k))
	v, ok := raw.(T)
	return v, ok
}

// The SDK's keys, which its steps and runner read.
const (
	keyUI    stateKey[packersdk.Ui]           = "ui"
	keyHook  stateKey[packersdk.Hook]         = "hook"
	keyError stateKey[error]                  = "error"
	keyComm  stateKey[packersdk.Communicator] = "communicator"
)
