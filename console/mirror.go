package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/ringside/ringside/mirror"
)

// mirrorView is one mirror bucket's status as the page and the poll show
// it.
type mirrorView struct {
	Bucket          string `json:"bucket"`
	Location        string `json:"location"`
	State           string `json:"state"`
	InitialSynced   int64  `json:"initialSynced"`
	Passes          int64  `json:"passes"`
	LastPassStart   string `json:"lastPassStart"`
	LastPassTook    string `json:"lastPassTook"`
	LastPassScanned int64  `json:"lastPassScanned"`
	LastPassChanges int64  `json:"lastPassChanges"`
	LastFullPass    string `json:"lastFullPass"`
	LastError       string `json:"lastError"`
	// Phase, Progress, Rate and ETA are the running initial sync's.
	Phase    string `json:"phase"`
	Progress string `json:"progress"`
	Rate     string `json:"rate"`
	ETA      string `json:"eta"`
	// Feed is the change feed's kind, state and lag, "—" without one.
	Feed string `json:"feed"`
}

func viewOf(st mirror.Status) mirrorView {
	v := mirrorView{
		Bucket: st.Bucket, Location: st.Location, State: st.State, InitialSynced: st.InitialSynced,
		Passes: st.Passes, LastPassStart: showTime(st.LastPassStart), LastPassTook: seconds(st.LastPassSeconds),
		LastPassScanned: st.LastPassScanned, LastPassChanges: st.LastPassChanges,
		LastFullPass: showTime(st.LastFullPass), LastError: st.LastError,
		Phase: "—", Progress: "—", Rate: "—", ETA: "—", Feed: "—",
	}
	if p := st.Progress; p != nil {
		v.Phase, v.Progress = p.Phase, fmt.Sprintf("%d", p.Done)
		if p.Total > 0 {
			v.Progress = fmt.Sprintf("%d of %d (%d%%)", p.Done, p.Total, 100*p.Done/p.Total)
		}
		v.Rate = fmt.Sprintf("%.0f/s", p.RatePerSecond)
		if p.ETASeconds > 0 {
			v.ETA = seconds(p.ETASeconds)
		}
	}
	if f := st.Feed; f != nil {
		v.Feed = fmt.Sprintf("%s %s, lag %d", f.Kind, f.State, f.Lag)
		if f.LastError != "" {
			v.Feed += ": " + f.LastError
		}
	}
	return v
}

func seconds(s float64) string {
	return time.Duration(s * float64(time.Second)).Round(time.Millisecond).String()
}

func (c *Console) mirrorViews() []mirrorView {
	all := c.cfg.Mirror.StatusAll()
	sort.Slice(all, func(i, j int) bool { return all[i].Bucket < all[j].Bucket })
	out := make([]mirrorView, len(all))
	for i, st := range all {
		out[i] = viewOf(st)
	}
	return out
}

func (c *Console) mirrorPage(w http.ResponseWriter, r *http.Request, s *session) {
	c.render(w, r, s, "mirror", "Mirror", map[string]any{"Mirrors": c.mirrorViews()})
}

// mirrorJSON is what the embedded script polls to update the pages live.
func (c *Console) mirrorJSON(w http.ResponseWriter, r *http.Request, s *session) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(c.mirrorViews())
}

func (c *Console) mirrorControl(w http.ResponseWriter, r *http.Request, s *session) {
	bucket, action := r.PathValue("bucket"), r.PathValue("action")
	var err error
	switch action {
	case "pause":
		err = c.cfg.Mirror.Pause(bucket)
	case "resume":
		err = c.cfg.Mirror.Resume(bucket)
	case "rescan":
		err = c.cfg.Mirror.Rescan(r.Context(), bucket, false)
	default:
		http.NotFound(w, r)
		return
	}
	if err != nil {
		c.redirect(w, r, s, Prefix+"mirror", "Could not "+action+" "+bucket+": "+message(err))
		return
	}
	c.log.Info("console: mirror control", "bucket", bucket, "action", action)
	c.redirect(w, r, s, Prefix+"mirror", "Mirror of "+bucket+": "+action+" done.")
}
