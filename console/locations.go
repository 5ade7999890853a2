package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/ringside/ringside/catalog"
	"github.com/ringside/ringside/index"
)

// LocationType is the one location type ringside has, in the documents'
// words.
const LocationType = "Scality RING with S3 Connector"

// secretMask stands for a secret key, as the CLI shows it.
const secretMask = "********"

// locationRow is a location as the list shows it.
type locationRow struct {
	catalog.LocationInfo
	Type         string
	MaskedSecret string
	// Indicator is the Mirroring indicator: off (grayed), active, paused
	// or error.
	Indicator string
	Health    string // up, down, unknown
	Cause     string
}

func (c *Console) locationsPage(w http.ResponseWriter, r *http.Request, s *session) {
	locs, err := c.cfg.Catalog.Locations(r.Context())
	if err != nil {
		c.fail(w, r, s, "list the locations", err)
		return
	}
	failing := c.failingBuckets()
	rows := make([]locationRow, len(locs))
	for i, l := range locs {
		rows[i] = locationRow{LocationInfo: l, Type: LocationType, MaskedSecret: secretMask, Indicator: l.Mirroring, Health: "unknown"}
		for _, b := range l.Buckets {
			if failing[b] && l.Mirroring != "off" {
				rows[i].Indicator = "error"
			}
		}
		if c.cfg.Health != nil {
			if h, ok := c.cfg.Health(l.Name); ok {
				rows[i].Health, rows[i].Cause = map[bool]string{true: "up", false: "down"}[h.Up], h.Cause
			}
		}
	}
	c.render(w, r, s, "locations", "Storage Locations", map[string]any{"Locations": rows})
}

// failingBuckets are the mirror buckets whose ingester is in error.
func (c *Console) failingBuckets() map[string]bool {
	out := map[string]bool{}
	for _, st := range c.cfg.Mirror.StatusAll() {
		if st.State == "error" {
			out[st.Bucket] = true
		}
	}
	return out
}

// locationForm is the Add New form, filled back in after a refusal;
// the secret key is never sent back.
type locationForm struct {
	Name, AccessKey, TargetBucket, Endpoint string
	NoPrefix                                bool
	Error                                   string
	Type                                    string
	Warning                                 string
}

func newLocationForm() locationForm {
	return locationForm{Type: LocationType, Warning: catalog.NoPrefixWarning}
}

func (c *Console) newLocationPage(w http.ResponseWriter, r *http.Request, s *session) {
	c.render(w, r, s, "location_new", "Add New Storage Location", newLocationForm())
}

func (c *Console) addLocation(w http.ResponseWriter, r *http.Request, s *session) {
	f := newLocationForm()
	f.Name = strings.TrimSpace(r.PostFormValue("name"))
	f.AccessKey = strings.TrimSpace(r.PostFormValue("accessKey"))
	f.TargetBucket = strings.TrimSpace(r.PostFormValue("targetBucket"))
	f.Endpoint = strings.TrimSpace(r.PostFormValue("endpoint"))
	f.NoPrefix = r.PostFormValue("noPrefix") == "on"
	if t := r.PostFormValue("type"); t != "" && t != "s3-connector" {
		f.Error = "The only location type is " + LocationType + "."
		c.renderLocationForm(w, r, s, f)
		return
	}
	info, err := c.cfg.Catalog.AddLocation(r.Context(), index.Location{
		Name: f.Name, Endpoint: f.Endpoint, AccessKey: f.AccessKey, SecretKey: r.PostFormValue("secretKey"),
		TargetBucket: f.TargetBucket, NoPrefix: f.NoPrefix,
	})
	if err != nil {
		f.Error = message(err)
		c.renderLocationForm(w, r, s, f)
		return
	}
	c.log.Info("console: location added", "location", info.Name)
	c.redirect(w, r, s, Prefix+"locations", "Location "+info.Name+" added: its target bucket "+info.TargetBucket+
		" answered with versioning "+info.Versioning+".")
}

func (c *Console) renderLocationForm(w http.ResponseWriter, r *http.Request, s *session, f locationForm) {
	w.WriteHeader(http.StatusUnprocessableEntity)
	c.render(w, r, s, "location_new", "Add New Storage Location", f)
}

func (c *Console) removeLocation(w http.ResponseWriter, r *http.Request, s *session) {
	name := r.PathValue("name")
	if err := c.cfg.Catalog.RemoveLocation(r.Context(), name); err != nil {
		c.redirect(w, r, s, Prefix+"locations", "Location "+name+" was not removed: "+message(err))
		return
	}
	c.redirect(w, r, s, Prefix+"locations", "Location "+name+" removed.")
}

// escapeName is for names in paths; location and bucket names need none,
// but a hand-made URL may carry anything.
func escapeName(s string) string { return url.PathEscape(s) }
