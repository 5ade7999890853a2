package console

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"sync"
	"time"
)

const (
	cookieName = "ringside_console"
	// csrfField is the hidden field every POST form carries.
	csrfField = "csrf"
)

// session is one signed-in browser.
type session struct {
	id      string
	csrf    string
	expires time.Time
	flash   string // a message for the next page, said once
}

// sessions keeps the sessions in memory: a restart signs everyone out,
// and no session id ever reaches the disk.
type sessions struct {
	ttl  time.Duration
	mu   sync.Mutex
	byID map[string]*session
	now  func() time.Time
}

func newSessions(ttl time.Duration) *sessions {
	return &sessions{ttl: ttl, byID: map[string]*session{}, now: time.Now}
}

func randomID() string {
	var b [32]byte
	// crypto/rand.Read never fails since Go 1.24; it panics instead.
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (ss *sessions) create() *session {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	now := ss.now()
	for id, s := range ss.byID {
		if now.After(s.expires) {
			delete(ss.byID, id)
		}
	}
	s := &session{id: randomID(), csrf: randomID(), expires: now.Add(ss.ttl)}
	ss.byID[s.id] = s
	return s
}

// get returns the live session of id, or nil.
func (ss *sessions) get(id string) *session {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s, ok := ss.byID[id]
	if !ok {
		return nil
	}
	if ss.now().After(s.expires) {
		delete(ss.byID, id)
		return nil
	}
	return s
}

func (ss *sessions) drop(id string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.byID, id)
}

// setFlash and takeFlash pass a message to the page a redirect leads to.
func (ss *sessions) setFlash(s *session, msg string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s.flash = msg
}

func (ss *sessions) takeFlash(s *session) string {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	f := s.flash
	s.flash = ""
	return f
}

// lookup returns the request's session, or nil.
func (c *Console) lookup(r *http.Request) *session {
	ck, err := r.Cookie(cookieName)
	if err != nil || ck.Value == "" {
		return nil
	}
	return c.sessions.get(ck.Value)
}

type handlerFunc func(w http.ResponseWriter, r *http.Request, s *session)

// auth sends a request without a session to the sign-in page, and refuses
// a POST whose form lacks the session's CSRF token.
func (c *Console) auth(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := c.lookup(r)
		if s == nil {
			if r.Method == http.MethodPost {
				http.Error(w, "sign in first", http.StatusForbidden)
				return
			}
			http.Redirect(w, r, Prefix+"signin", http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
			if !csrfOK(s, r.PostFormValue(csrfField)) {
				c.csrfRefused(w, r)
				return
			}
		}
		h(w, r, s)
	})
}

// authOnly is auth without a redirect to the sign-in page or a form read:
// the upload (403), whose body is streamed and whose handler checks the
// CSRF field before it reads the file, and the script's polls (401).
func (c *Console) authOnly(refused int, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := c.lookup(r)
		if s == nil {
			http.Error(w, "sign in first", refused)
			return
		}
		h(w, r, s)
	})
}

func (c *Console) csrfRefused(w http.ResponseWriter, r *http.Request) {
	c.log.Warn("console: a POST without a valid CSRF token was refused", "path", r.URL.Path, "remote", r.RemoteAddr)
	http.Error(w, "Forbidden: the form's CSRF token is missing or wrong. Reload the page and try again.", http.StatusForbidden)
}

func csrfOK(s *session, got string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.csrf)) == 1
}

func (c *Console) tokenOK(got string) bool {
	if c.cfg.Token == "" || got == "" {
		return false
	}
	// Comparing fixed-size digests keeps the comparison constant-time
	// whatever the length of the presented token.
	sum := sha256.Sum256([]byte(got))
	return subtle.ConstantTimeCompare(sum[:], c.token[:]) == 1
}

func (c *Console) signInPage(w http.ResponseWriter, r *http.Request) {
	if c.lookup(r) != nil {
		http.Redirect(w, r, Prefix+"locations", http.StatusSeeOther)
		return
	}
	c.render(w, r, nil, "signin", "Sign in", nil)
}

func (c *Console) signIn(w http.ResponseWriter, r *http.Request) {
	host := remoteHost(r)
	if wait := c.throttle.wait(host); wait > 0 {
		c.log.Warn("console: sign-in refused: too many wrong tokens from this host", "remote", r.RemoteAddr, "retryAfter", wait.Round(time.Second))
		w.Header().Set("Retry-After", retryAfter(wait))
		w.WriteHeader(http.StatusTooManyRequests)
		c.render(w, r, nil, "signin", "Sign in", map[string]any{"Error": "Too many wrong tokens: wait " + retryAfter(wait) + " s, then try again."})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if !c.tokenOK(r.PostFormValue("token")) {
		c.throttle.failed(host)
		c.log.Warn("console: sign-in refused", "remote", r.RemoteAddr)
		w.WriteHeader(http.StatusUnauthorized)
		c.render(w, r, nil, "signin", "Sign in", map[string]any{"Error": "That is not the admin token."})
		return
	}
	c.throttle.succeeded(host)
	s := c.sessions.create()
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: s.id, Path: Prefix, Expires: s.expires,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	})
	c.log.Info("console: signed in", "remote", r.RemoteAddr)
	http.Redirect(w, r, Prefix+"locations", http.StatusSeeOther)
}

func (c *Console) signOut(w http.ResponseWriter, r *http.Request, s *session) {
	c.sessions.drop(s.id)
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: Prefix, MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	http.Redirect(w, r, Prefix+"signin", http.StatusSeeOther)
}
