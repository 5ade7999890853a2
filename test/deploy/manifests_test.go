package deploy

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The parts of Kubernetes objects the checks read.
type (
	manifest struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Metadata   struct {
			Name string `yaml:"name"`
		} `yaml:"metadata"`
		Spec struct {
			Template struct {
				Spec podSpec `yaml:"spec"`
			} `yaml:"template"`
			podSpec `yaml:",inline"`
		} `yaml:"spec"`
		Data       map[string]string `yaml:"data"`
		StringData map[string]string `yaml:"stringData"`
	}
	podSpec struct {
		InitContainers []container `yaml:"initContainers"`
		Containers     []container `yaml:"containers"`
		Volumes        []struct {
			Name                  string `yaml:"name"`
			PersistentVolumeClaim *struct {
				ClaimName string `yaml:"claimName"`
			} `yaml:"persistentVolumeClaim"`
		} `yaml:"volumes"`
	}
	container struct {
		Name          string   `yaml:"name"`
		Image         string   `yaml:"image"`
		Command       []string `yaml:"command"`
		Args          []string `yaml:"args"`
		RestartPolicy string   `yaml:"restartPolicy"`
		Env           []struct {
			Name      string `yaml:"name"`
			Value     string `yaml:"value"`
			ValueFrom *struct {
				SecretKeyRef *struct {
					Name string `yaml:"name"`
					Key  string `yaml:"key"`
				} `yaml:"secretKeyRef"`
			} `yaml:"valueFrom"`
		} `yaml:"env"`
		Ports []struct {
			Name          string `yaml:"name"`
			ContainerPort int    `yaml:"containerPort"`
		} `yaml:"ports"`
		StartupProbe   *probe `yaml:"startupProbe"`
		ReadinessProbe *probe `yaml:"readinessProbe"`
		LivenessProbe  *probe `yaml:"livenessProbe"`
		Resources      struct {
			Requests map[string]string `yaml:"requests"`
			Limits   map[string]string `yaml:"limits"`
		} `yaml:"resources"`
		VolumeMounts []struct {
			Name      string `yaml:"name"`
			MountPath string `yaml:"mountPath"`
		} `yaml:"volumeMounts"`
	}
	probe struct {
		HTTPGet *struct {
			Path string `yaml:"path"`
			Port any    `yaml:"port"`
		} `yaml:"httpGet"`
		Exec *struct {
			Command []string `yaml:"command"`
		} `yaml:"exec"`
	}
)

// doc is one YAML document of a manifest file.
type doc struct {
	file string
	manifest
}

func (d doc) where() string { return d.file + ": " + d.Kind + "/" + d.Metadata.Name }

// readManifests parses every YAML document under deploy/kubernetes.
func readManifests(t *testing.T) []doc {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot, "deploy", "kubernetes", "*.y*ml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no manifests under deploy/kubernetes")
	}
	var docs []doc
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		for i := 0; ; i++ {
			var m manifest
			err := dec.Decode(&m)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: document %d: %v", filepath.Base(f), i, err)
			}
			d := doc{file: filepath.Base(f), manifest: m}
			if m.APIVersion == "" || m.Kind == "" || m.Metadata.Name == "" {
				t.Errorf("%s: document %d lacks apiVersion, kind or metadata.name", d.file, i)
			}
			docs = append(docs, d)
		}
	}
	return docs
}

// pod returns a workload's pod spec.
func (d doc) pod() (podSpec, bool) {
	switch d.Kind {
	case "Pod":
		return d.Spec.podSpec, true
	case "Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet":
		return d.Spec.Template.Spec, true
	}
	return podSpec{}, false
}

func isRingside(c container) bool { return strings.Contains(c.Image, "ringside") }

func TestKubernetesManifests(t *testing.T) {
	docs := readManifests(t)
	secrets := map[string]map[string]bool{}
	claims := map[string]bool{}
	for _, d := range docs {
		switch d.Kind {
		case "Secret":
			keys := map[string]bool{}
			for k := range d.Data {
				keys[k] = true
			}
			for k := range d.StringData {
				keys[k] = true
			}
			secrets[d.Metadata.Name] = keys
		case "PersistentVolumeClaim":
			claims[d.Metadata.Name] = true
		}
	}
	workloads := 0
	for _, d := range docs {
		spec, ok := d.pod()
		if !ok {
			continue
		}
		workloads++
		checkPod(t, d, spec, secrets, claims)
	}
	if workloads == 0 {
		t.Fatal("no workload among the manifests")
	}
}

func TestNativeSidecarManifest(t *testing.T) {
	for _, d := range readManifests(t) {
		if d.file != "ringside-sidecar.yaml" {
			continue
		}
		if spec, ok := d.pod(); ok {
			for _, c := range spec.InitContainers {
				if isRingside(c) && c.RestartPolicy == "Always" {
					return
				}
			}
			t.Fatalf("%s: ringside is not a native sidecar (an init container with restartPolicy: Always)", d.where())
		}
	}
	t.Fatal("ringside-sidecar.yaml has no workload")
}

func checkPod(t *testing.T, d doc, spec podSpec, secrets map[string]map[string]bool, claims map[string]bool) {
	t.Helper()
	volumes := map[string]string{} // name -> claim ("" for other kinds)
	for _, v := range spec.Volumes {
		volumes[v.Name] = ""
		if v.PersistentVolumeClaim != nil {
			volumes[v.Name] = v.PersistentVolumeClaim.ClaimName
			if !claims[v.PersistentVolumeClaim.ClaimName] {
				t.Errorf("%s: volume %s claims %s, which no manifest declares", d.where(), v.Name, v.PersistentVolumeClaim.ClaimName)
			}
		}
	}
	all := append(append([]container{}, spec.InitContainers...), spec.Containers...)
	found := 0
	var s3Port string
	for i, c := range all {
		where := d.where() + " container " + c.Name
		for _, e := range c.Env {
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
				ref := e.ValueFrom.SecretKeyRef
				if !secrets[ref.Name][ref.Key] {
					t.Errorf("%s: %s reads key %q of Secret %q, which no manifest declares", where, e.Name, ref.Key, ref.Name)
				}
			}
		}
		if !isRingside(c) {
			continue
		}
		found++
		if i < len(spec.InitContainers) && c.RestartPolicy != "Always" {
			t.Errorf("%s: an init container that runs `ringside serve` never ends and holds the pod back; give it restartPolicy: Always", where)
		}
		s3Port = checkRingside(t, where, c, volumes)
	}
	if found == 0 {
		t.Errorf("%s: no ringside container", d.where())
	}
	checkAppEndpoints(t, d, spec.Containers, s3Port)
}

// checkRingside checks one ringside container and returns the port its S3
// listener takes.
func checkRingside(t *testing.T, where string, c container, volumes map[string]string) string {
	t.Helper()
	args := append([]string{}, c.Args...)
	if len(c.Command) > 0 {
		if filepath.Base(c.Command[0]) != "ringside" {
			t.Fatalf("%s: command %v does not run ringside", where, c.Command)
		}
		args = append(append([]string{}, c.Command[1:]...), c.Args...)
	}
	checkArgs(t, where, args)
	env := map[string]string{}
	for _, e := range c.Env {
		checkEnv(t, where, e.Name)
		env[e.Name] = e.Value
	}
	adminHost, adminPort := hostPort(t, where, or(env["RINGSIDE_ADMIN_LISTEN"], "127.0.0.1:7481"))
	_, s3Port := hostPort(t, where, or(env["RINGSIDE_LISTEN"], "127.0.0.1:7480"))

	ports := map[string]string{}
	for _, p := range c.Ports {
		ports[p.Name] = strconv.Itoa(p.ContainerPort)
	}
	for _, pr := range []struct {
		name, path string
		p          *probe
	}{{"readinessProbe", "/readyz", c.ReadinessProbe}, {"livenessProbe", "/healthz", c.LivenessProbe}, {"startupProbe", "", c.StartupProbe}} {
		if pr.p == nil {
			if pr.path != "" {
				t.Errorf("%s: no %s", where, pr.name)
			}
			continue
		}
		checkProbe(t, where+" "+pr.name, pr.p, pr.path, ports, adminHost, adminPort)
	}
	for _, r := range []string{"cpu", "memory"} {
		if c.Resources.Requests[r] == "" {
			t.Errorf("%s: no %s request", where, r)
		}
	}
	checkMemory(t, where, c.Resources.Limits["memory"], or(env["RINGSIDE_MEMORY_LIMIT"], "96MiB"))

	dataDir := or(env["RINGSIDE_DATA_DIR"], "/data")
	mounted := false
	for _, m := range c.VolumeMounts {
		if _, ok := volumes[m.Name]; !ok {
			t.Errorf("%s: mounts volume %s, which the pod does not declare", where, m.Name)
		}
		mounted = mounted || filepath.Clean(m.MountPath) == filepath.Clean(dataDir)
	}
	if !mounted {
		t.Errorf("%s: no volume mounted on the data dir %s: the index and the catalog would die with the container", where, dataDir)
	}
	return s3Port
}

func checkProbe(t *testing.T, where string, p *probe, wantPath string, ports map[string]string, adminHost, adminPort string) {
	t.Helper()
	switch {
	case p.HTTPGet != nil:
		if wantPath != "" && p.HTTPGet.Path != wantPath {
			t.Errorf("%s: GETs %s, want %s", where, p.HTTPGet.Path, wantPath)
		}
		if p.HTTPGet.Path != "/readyz" && p.HTTPGet.Path != "/healthz" {
			t.Errorf("%s: GETs %s, which needs the admin token", where, p.HTTPGet.Path)
		}
		port := ""
		switch v := p.HTTPGet.Port.(type) {
		case int:
			port = strconv.Itoa(v)
		case string:
			port = ports[v]
		}
		if port != adminPort {
			t.Errorf("%s: probes port %v (%s), but the admin API listens on %s", where, p.HTTPGet.Port, port, adminPort)
		}
		if ip := net.ParseIP(adminHost); adminHost == "localhost" || (ip != nil && ip.IsLoopback()) {
			t.Errorf("%s: the kubelet probes the pod IP, but the admin API listens on loopback %s", where, adminHost)
		}
	case p.Exec != nil:
		cmd := p.Exec.Command
		if len(cmd) < 2 || filepath.Base(cmd[0]) != "ringside" || cmd[1] != "healthcheck" {
			t.Errorf("%s: exec probe %v is not `ringside healthcheck`", where, cmd)
			return
		}
		checkArgs(t, where, cmd[1:])
	default:
		t.Errorf("%s: neither httpGet nor exec", where)
	}
}

// checkMemory checks that the Go runtime's soft limit leaves room under
// the container's memory limit for what it does not cover.
func checkMemory(t *testing.T, where, limit, goLimit string) {
	t.Helper()
	if limit == "" {
		t.Errorf("%s: no memory limit", where)
		return
	}
	lim, err := mebibytes(limit, "Mi", "Gi")
	if err != nil {
		t.Errorf("%s: memory limit: %v", where, err)
		return
	}
	soft, err := mebibytes(goLimit, "MiB", "GiB")
	if err != nil {
		t.Errorf("%s: RINGSIDE_MEMORY_LIMIT: %v", where, err)
		return
	}
	if soft == 0 || soft > lim*3/4 {
		t.Errorf("%s: RINGSIDE_MEMORY_LIMIT %s leaves too little of the %s limit for the index's mapped files (want at most 3/4 of it)", where, goLimit, limit)
	}
}

func mebibytes(s, mi, gi string) (int64, error) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, gi):
		s, mult = strings.TrimSuffix(s, gi), 1024
	case strings.HasSuffix(s, mi):
		s = strings.TrimSuffix(s, mi)
	default:
		return 0, errors.New(s + ": want a size in " + mi + " or " + gi)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n * mult, err
}

// checkAppEndpoints checks that an application container pointed at
// ringside on loopback uses the port ringside's S3 listener takes.
func checkAppEndpoints(t *testing.T, d doc, containers []container, s3Port string) {
	t.Helper()
	for _, c := range containers {
		if isRingside(c) {
			continue
		}
		for _, e := range c.Env {
			rest, ok := strings.CutPrefix(e.Value, "http://127.0.0.1:")
			if ok && strings.TrimSuffix(rest, "/") != s3Port {
				t.Errorf("%s container %s: %s=%s, but ringside serves S3 on port %s", d.where(), c.Name, e.Name, e.Value, s3Port)
			}
		}
	}
}

func hostPort(t *testing.T, where, addr string) (string, string) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Errorf("%s: address %q: %v", where, addr, err)
	}
	return h, p
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
