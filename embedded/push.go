package embedded

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// Bounds of the wait between attempts to post one change.
const (
	pushMinBackoff = 50 * time.Millisecond
	pushMaxBackoff = 2 * time.Second
	pushTimeout    = 10 * time.Second
)

// PushEvents posts every change from now on to endpoint, as MinIO's
// webhook target does (one notification per change, the keys URL-encoded,
// "Authorization: Bearer <token>"), until the server is closed. A post that
// fails is tried again with backoff, in order; changes beyond a bounded
// queue are dropped, as MinIO drops them for a target without a queue
// directory.
func (s *Server) PushEvents(endpoint, token string) error {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("push events: want an http or https endpoint")
	}
	sub := s.store.events.subscribe()
	if sub == nil {
		return errors.New("push events: the server is closed")
	}
	s.pushers.Add(1)
	go func() {
		defer s.pushers.Done()
		p := pusher{endpoint: u.String(), token: token, client: &http.Client{Timeout: pushTimeout}}
		for c := range sub.ch {
			p.post(s.closing, c)
		}
	}()
	return nil
}

type pusher struct {
	endpoint, token string
	client          *http.Client
}

// post sends one change until it is taken or ctx ends.
func (p pusher) post(ctx context.Context, c change) {
	body, err := webhookBody(c)
	if err != nil {
		return
	}
	wait := pushMinBackoff
	for ctx.Err() == nil {
		if p.attempt(ctx, body) == nil {
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
		wait = min(2*wait, pushMaxBackoff)
	}
}

func (p pusher) attempt(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.endpoint, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+p.token)
	resp, err := p.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}
