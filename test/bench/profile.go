package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// errProfiled ends a --profile run once the profile is saved.
var errProfiled = errors.New("profile saved")

const profileSeconds = 15

// profileCase runs the gateway side of the case named by --profile in a
// loop while ringside records a CPU profile. A group without that case
// returns at once.
func (b *bench) profileCase(ctx context.Context, cases []benchCase) {
	for _, c := range cases {
		if c.ID != b.flags.profile || b.rs == nil {
			continue
		}
		out := b.flags.profileOut
		if out == "" {
			out = filepath.Join(os.TempDir(), "ringside-"+c.ID+".pprof")
		}
		logf("profile: running %s through the gateway for %d s", c.ID, profileSeconds)
		done := make(chan error, 1)
		go func() { done <- b.rs.saveProfile(ctx, out) }()
		var total sample
		for round := 0; ; round++ {
			s := c.Run(ctx, b.gateway, round)
			total.Ops += s.Ops
			total.Bytes += s.Bytes
			total.Elapsed += s.Elapsed
			total.Errors += s.Errors
			select {
			case err := <-done:
				if err != nil {
					b.profileErr = err
					return
				}
				logf("profile: %s: %.1f %s (%d errors); saved %s", c.ID, c.Rate(total), c.Unit, total.Errors, out)
				logf("profile: read it with: go tool pprof -top %s", out)
				b.profileErr = errProfiled
				return
			default:
			}
		}
	}
}

// saveProfile fetches a CPU profile from the admin API's pprof endpoint.
func (r *ringsideServer) saveProfile(ctx context.Context, out string) error {
	url := fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", r.AdminURL, profileSeconds)
	ctx, cancel := context.WithTimeout(ctx, (profileSeconds+30)*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+r.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("fetch the CPU profile: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("fetch the CPU profile: %s: %s", resp.Status, msg)
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return fmt.Errorf("save the CPU profile: %w", err)
	}
	return f.Close()
}
