package gateway

import (
	"fmt"
	"testing"
)

func TestRequestID(t *testing.T) {
	for _, n := range []uint64{0, 1, 0xABCDEF, 1<<64 - 1} {
		if got, want := requestID(n), fmt.Sprintf("%016X", n); got != want {
			t.Errorf("requestID(%d) = %s, want %s", n, got, want)
		}
	}
}
