package backoff

import (
	"context"
	"testing"
	"time"
)

func TestNextDoublesUpToMaxWithinHalfAndAllOfTheStep(t *testing.T) {
	tests := []struct {
		name     string
		min, max time.Duration
		steps    []time.Duration
	}{
		{"doubles then caps", 100, 500, []time.Duration{100, 200, 400, 500, 500}},
		{"min is max", 300, 300, []time.Duration{300, 300}},
		{"no step", 0, 0, []time.Duration{0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for round := 0; round < 2; round++ {
				b := Backoff{Min: tt.min, Max: tt.max}
				if round == 1 {
					b.Next()
					b.Next()
					b.Reset()
				}
				for i, step := range tt.steps {
					if got := b.Next(); got < step/2 || got > step {
						t.Errorf("round %d, wait %d: %v, want within [%v, %v]", round, i, got, step/2, step)
					}
				}
			}
		})
	}
}

func TestSleepEndsWithItsContext(t *testing.T) {
	if !Sleep(context.Background(), time.Millisecond) {
		t.Error("Sleep with a live context reports it ended")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if Sleep(ctx, time.Hour) {
		t.Error("Sleep with an ended context reports it live")
	}
}
