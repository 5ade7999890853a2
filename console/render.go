package console

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// pageNames are the templates under templates/, each rendered inside
// layout.html.
var pageNames = []string{"signin", "error", "locations", "location_new", "location_edit", "buckets", "bucket_new", "objects", "object", "mirror"}

var funcs = template.FuncMap{
	"size":     humanSize,
	"time":     func(t time.Time) string { return showTime(t) },
	"query":    func(v ...string) template.URL { return template.URL(queryOf(v...)) },
	"pathEsc":  url.PathEscape,
	"trimPref": strings.TrimPrefix,
}

func parsePages() (map[string]*template.Template, error) {
	pages := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse the console page %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// page is what every template gets.
type page struct {
	Title    string
	Section  string
	SignedIn bool
	CSRF     string
	Flash    string
	Data     any
}

// render writes a page; a session's flash message is shown once.
func (c *Console) render(w http.ResponseWriter, r *http.Request, s *session, name, title string, data any) {
	p := page{Title: title, Section: name, Data: data}
	if s != nil {
		p.SignedIn, p.CSRF, p.Flash = true, s.csrf, c.sessions.takeFlash(s)
	}
	var buf bytes.Buffer
	if err := c.pages[name].Execute(&buf, p); err != nil {
		c.log.Error("console: render a page", "page", name, "err", err)
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(buf.Bytes())
}

// redirect sends the browser on with a message for the next page.
func (c *Console) redirect(w http.ResponseWriter, r *http.Request, s *session, to, flash string) {
	if flash != "" {
		c.sessions.setFlash(s, flash)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// queryOf builds "?k1=v1&k2=v2" from pairs, leaving out empty values.
func queryOf(kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

func humanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

func showTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}
