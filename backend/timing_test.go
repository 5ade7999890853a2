package backend

import (
	"bytes"
	"context"
	"io"
	"testing"
)

// Every path to the backend (the SDK's, through guarded, and the raw GET
// pool's) counts its calls and time in the Timing of its context.
func TestTimingCountsEachPath(t *testing.T) {
	c := newTestClient(t)
	body := randomBytes(t, 300<<10)
	put(t, c, "timed", body, nil)
	for _, tt := range []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"PutObject", func(ctx context.Context) error {
			_, err := c.PutObject(ctx, "timed2", bytes.NewReader(body), int64(len(body)), nil, PutOptions{})
			return err
		}},
		{"HeadObject", func(ctx context.Context) error {
			_, err := c.HeadObject(ctx, "timed", "")
			return err
		}},
		{"GetObject", func(ctx context.Context) error {
			r, err := c.GetObject(ctx, "timed", "", "", Conditions{})
			if err != nil {
				return err
			}
			defer r.Body.Close()
			got, err := io.ReadAll(r.Body)
			if err == nil && !bytes.Equal(got, body) {
				t.Errorf("GetObject read %d bytes, want %d", len(got), len(body))
			}
			return err
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, timing := WithTiming(ctxT(t))
			if err := tt.call(ctx); err != nil {
				t.Fatal(err)
			}
			if timing.Calls() != 1 || timing.Elapsed() <= 0 {
				t.Errorf("timing: %d calls, %v; want 1 call and some time", timing.Calls(), timing.Elapsed())
			}
			// A call made without a Timing is not counted anywhere.
			if err := tt.call(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			if timing.Calls() != 1 {
				t.Errorf("a call without the Timing was counted: %d calls", timing.Calls())
			}
		})
	}
}
