package console

import (
	"net/http"
	"strings"

	"github.com/ringside/ringside/catalog"
	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/mirror"
)

// bucketRow is a gateway bucket as the browser lists it.
type bucketRow struct {
	index.Bucket
	Mode string // mirror, write-through
	// Ingestion is the mirror's state for a mirror bucket: initial-sync,
	// idle, scanning, paused, error; "" otherwise.
	Ingestion string
}

func (c *Console) bucketsPage(w http.ResponseWriter, r *http.Request, s *session) {
	bs, err := c.cfg.Catalog.Buckets(r.Context())
	if err != nil {
		c.fail(w, r, s, "list the buckets", err)
		return
	}
	states := map[string]mirror.Status{}
	for _, st := range c.cfg.Mirror.StatusAll() {
		states[st.Bucket] = st
	}
	rows := make([]bucketRow, len(bs))
	for i, b := range bs {
		rows[i] = bucketRow{Bucket: b, Mode: "write-through"}
		if b.Mirror {
			rows[i].Mode, rows[i].Ingestion = "mirror", states[b.Name].State
			if rows[i].Ingestion == "" {
				rows[i].Ingestion = "starting"
			}
		}
	}
	c.render(w, r, s, "buckets", "Browser", map[string]any{"Buckets": rows})
}

// constraint is one entry of the Location Constraint list.
type constraint struct {
	Value, Label string
	// Refused says why the entry is disabled; "" if it can be chosen.
	Refused  string
	Selected bool
}

// constraints lists each location, and each no-prefix location again in
// mirror mode, disabling the entries the catalog would refuse.
func constraints(locs []catalog.LocationInfo, selected string) []constraint {
	var out []constraint
	for _, l := range locs {
		used := ""
		if l.NoPrefix && len(l.Buckets) > 0 {
			used = "a no-prefix location holds one bucket, and bucket " + l.Buckets[0] + " uses it"
		}
		out = append(out, constraint{Value: l.Name, Label: l.Name, Refused: used})
		if !l.NoPrefix {
			continue
		}
		refused := used
		if refused == "" && l.Versioning != "Enabled" {
			refused = "mirror mode needs versioning Enabled on " + l.TargetBucket + ", which is " + l.Versioning
		}
		out = append(out, constraint{Value: l.Name + catalog.IngestSuffix, Label: l.Name + " (Mirror mode)", Refused: refused})
	}
	for i := range out {
		out[i].Selected = out[i].Value == selected && out[i].Refused == ""
	}
	return out
}

type bucketForm struct {
	Name        string
	Constraints []constraint
	Error       string
}

func (c *Console) newBucketPage(w http.ResponseWriter, r *http.Request, s *session) {
	c.renderBucketForm(w, r, s, bucketForm{}, "", http.StatusOK)
}

func (c *Console) renderBucketForm(w http.ResponseWriter, r *http.Request, s *session, f bucketForm, selected string, status int) {
	locs, err := c.cfg.Catalog.Locations(r.Context())
	if err != nil {
		c.fail(w, r, s, "list the locations", err)
		return
	}
	f.Constraints = constraints(locs, selected)
	w.WriteHeader(status)
	c.render(w, r, s, "bucket_new", "Create Bucket", f)
}

func (c *Console) createBucket(w http.ResponseWriter, r *http.Request, s *session) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	choice := r.PostFormValue("location")
	loc, mirrorMode := strings.CutSuffix(choice, catalog.IngestSuffix)
	if loc == "" {
		c.renderBucketForm(w, r, s, bucketForm{Name: name, Error: "Choose a Location Constraint."}, choice, http.StatusUnprocessableEntity)
		return
	}
	b, err := c.cfg.Catalog.CreateBucket(r.Context(), name, loc, mirrorMode, c.cfg.Mirror)
	if err != nil {
		c.renderBucketForm(w, r, s, bucketForm{Name: name, Error: message(err)}, choice, http.StatusUnprocessableEntity)
		return
	}
	c.log.Info("console: bucket created", "bucket", b.Name, "location", b.Location, "mirror", b.Mirror)
	flash := "Bucket " + b.Name + " created on location " + b.Location + "."
	if b.Mirror {
		flash = "Bucket " + b.Name + " created on location " + b.Location + " in mirror mode: metadata ingestion is active."
	}
	c.redirect(w, r, s, Prefix+"buckets", flash)
}

func (c *Console) deleteBucket(w http.ResponseWriter, r *http.Request, s *session) {
	name := r.PathValue("bucket")
	if err := c.cfg.Catalog.DeleteBucket(r.Context(), name, c.cfg.Mirror); err != nil {
		c.redirect(w, r, s, Prefix+"buckets", "Bucket "+name+" was not deleted: "+message(err))
		return
	}
	c.redirect(w, r, s, Prefix+"buckets", "Bucket "+name+" deleted.")
}
