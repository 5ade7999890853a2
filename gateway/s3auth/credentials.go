package s3auth

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ringside/ringside/internal/filewatch"
)

// credentialsPollInterval is how often the credentials file is checked for
// changes.
const credentialsPollInterval = 2 * time.Second

// credentialStore holds the client credentials: the configured pairs and
// those of the credentials file, which it reloads when the file changes.
type credentialStore struct {
	static map[string]string
	file   string
	log    *slog.Logger

	keys  atomic.Pointer[map[string]string]
	watch *filewatch.Watcher // nil without a file
}

// newCredentialStore loads the credentials and, if there is a file, starts
// checking it every interval.
func newCredentialStore(static map[string]string, file string, log *slog.Logger, interval time.Duration) (*credentialStore, error) {
	s := &credentialStore{
		static: make(map[string]string, len(static)),
		file:   file,
		log:    log,
	}
	for ak, sk := range static {
		if ak == "" || sk == "" {
			return nil, errors.New("an access key and its secret key must both be set")
		}
		s.static[ak] = sk
	}
	if file == "" {
		if len(s.static) == 0 {
			return nil, errors.New("no client credentials configured")
		}
		s.keys.Store(&s.static)
		return s, nil
	}
	// Watched from before the first read, so that a change made while it
	// reads is seen.
	s.watch = filewatch.Start(interval, s.changed, file)
	if err := s.reload(); err != nil {
		s.watch.Close()
		return nil, err
	}
	return s, nil
}

// secret returns the secret key of accessKey.
func (s *credentialStore) secret(accessKey string) (string, bool) {
	sk, ok := (*s.keys.Load())[accessKey]
	return sk, ok
}

// Close stops watching the file.
func (s *credentialStore) Close() {
	if s.watch != nil {
		s.watch.Close()
	}
}

// changed reloads the file. A file that cannot be read or parsed leaves
// the credentials as they were: an editor's half-written save must not
// lock every client out.
func (s *credentialStore) changed() {
	if err := s.reload(); err != nil {
		s.log.Warn("credentials file not reloaded; keeping the credentials loaded before", "err", err)
	}
}

// reload reads the file and publishes its pairs merged with the static
// ones.
func (s *credentialStore) reload() error {
	data, err := readLimited(s.file)
	if err != nil {
		return fmt.Errorf("read credentials file: %w", err)
	}
	fromFile, err := parseCredentials(data)
	if err != nil {
		return fmt.Errorf("parse credentials file %s: %w", s.file, err)
	}
	keys := make(map[string]string, len(s.static)+len(fromFile))
	for ak, sk := range fromFile {
		if old, ok := s.static[ak]; ok && old != sk {
			return fmt.Errorf("parse credentials file %s: access key %s is also configured with another secret", s.file, ak)
		}
		keys[ak] = sk
	}
	for ak, sk := range s.static {
		keys[ak] = sk
	}
	s.keys.Store(&keys)
	if st, err := os.Stat(s.file); err == nil && st.Mode().Perm()&0o077 != 0 {
		s.log.Warn("credentials file is readable by other users", "file", s.file, "mode", st.Mode().Perm().String())
	}
	s.log.Info("credentials loaded", "file", s.file, "access_keys", len(keys))
	return nil
}

// readLimited reads a file of at most 1 MiB.
func readLimited(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	const maxSize = 1 << 20
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(f, maxSize+1)); err != nil {
		return nil, err
	}
	if buf.Len() > maxSize {
		return nil, fmt.Errorf("%s is larger than 1 MiB", name)
	}
	return buf.Bytes(), nil
}

// parseCredentials parses "ACCESS_KEY SECRET_KEY" lines; blank lines and
// lines starting with # are skipped. Errors name the line, never a secret.
func parseCredentials(data []byte) (map[string]string, error) {
	keys := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 2 {
			return nil, fmt.Errorf("line %d: want \"ACCESS_KEY SECRET_KEY\", found %d fields", n, len(fields))
		}
		if _, dup := keys[fields[0]]; dup {
			return nil, fmt.Errorf("line %d: access key %s is repeated", n, fields[0])
		}
		keys[fields[0]] = fields[1]
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return keys, nil
}
