package console

import (
	"net/http"
	"strings"

	"github.com/ringside/ringside/catalog"
)

// editForm is the location edit form; the secret key field starts empty
// and, left empty, keeps the stored one.
type editForm struct {
	Name, AccessKey, TargetBucket, Endpoint string
	NoPrefix                                bool
	Buckets                                 []string
	Error                                   string
	Warning                                 string
}

func (c *Console) editLocationPage(w http.ResponseWriter, r *http.Request, s *session) {
	l, err := c.cfg.Catalog.Location(r.Context(), r.PathValue("name"))
	if err != nil {
		c.redirect(w, r, s, Prefix+"locations", message(err))
		return
	}
	c.render(w, r, s, "location_edit", "Edit "+l.Name, editForm{Name: l.Name, AccessKey: l.AccessKey,
		TargetBucket: l.TargetBucket, Endpoint: l.Endpoint, NoPrefix: l.NoPrefix, Buckets: l.Buckets, Warning: catalog.NoPrefixWarning})
}

// updateLocation runs the same checks as `ringside location update`: the
// new settings must answer before they are stored.
func (c *Console) updateLocation(w http.ResponseWriter, r *http.Request, s *session) {
	f := editForm{
		Name:         r.PathValue("name"),
		AccessKey:    strings.TrimSpace(r.PostFormValue("accessKey")),
		TargetBucket: strings.TrimSpace(r.PostFormValue("targetBucket")),
		Endpoint:     strings.TrimSpace(r.PostFormValue("endpoint")),
		NoPrefix:     r.PostFormValue("noPrefix") == "on",
		Warning:      catalog.NoPrefixWarning,
	}
	ch := catalog.LocationChange{Endpoint: &f.Endpoint, AccessKey: &f.AccessKey, TargetBucket: &f.TargetBucket, NoPrefix: &f.NoPrefix}
	if secret := r.PostFormValue("secretKey"); secret != "" {
		ch.SecretKey = &secret
	}
	info, err := c.cfg.Catalog.UpdateLocation(r.Context(), f.Name, ch)
	if err != nil {
		f.Error = message(err)
		w.WriteHeader(http.StatusUnprocessableEntity)
		c.render(w, r, s, "location_edit", "Edit "+f.Name, f)
		return
	}
	msg := "Location " + info.Name + " unchanged."
	if len(info.Changed) > 0 {
		msg = "Location " + info.Name + " updated (" + strings.Join(info.Changed, ", ") + "): the backend answered with versioning " + info.Versioning + "."
	}
	c.redirect(w, r, s, Prefix+"locations", msg)
}
