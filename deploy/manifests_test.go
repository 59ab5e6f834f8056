package deploy

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// manifests are the decoded objects of kubernetes/*.yaml.
type manifests struct {
	jobs map[string]*batchv1.Job // by file
	pvcs map[string]*corev1.PersistentVolumeClaim
	pods map[string]*corev1.Pod
}

// decodeStrict decodes one YAML document into the API type its apiVersion
// and kind name. Unknown fields, duplicate keys and values of the wrong
// type are errors, as is a kind the deployment does not use.
func decodeStrict(doc []byte) (any, error) {
	var tm struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := yaml.Unmarshal(doc, &tm); err != nil {
		return nil, err
	}
	var obj any
	switch tm.APIVersion + " " + tm.Kind {
	case "batch/v1 Job":
		obj = new(batchv1.Job)
	case "v1 PersistentVolumeClaim":
		obj = new(corev1.PersistentVolumeClaim)
	case "v1 Pod":
		obj = new(corev1.Pod)
	default:
		return nil, fmt.Errorf("apiVersion %q kind %q: not a kind the deployment uses (add it to decodeStrict)", tm.APIVersion, tm.Kind)
	}
	if err := yaml.UnmarshalStrict(doc, obj); err != nil {
		return nil, err
	}
	return obj, nil
}

// splitDocs splits a YAML stream at its "---" lines.
func splitDocs(b []byte) [][]byte {
	var docs [][]byte
	for _, d := range bytes.Split(b, []byte("\n---")) {
		if len(bytes.TrimSpace(d)) > 0 {
			docs = append(docs, d)
		}
	}
	return docs
}

func loadManifests(t *testing.T) manifests {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("kubernetes", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in kubernetes/ (%v)", err)
	}
	m := manifests{map[string]*batchv1.Job{}, map[string]*corev1.PersistentVolumeClaim{}, map[string]*corev1.Pod{}}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs := splitDocs(b)
		if len(docs) != 1 {
			t.Fatalf("%s: %d documents; keep one object per file so that its name says what it is", f, len(docs))
		}
		obj, err := decodeStrict(docs[0])
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		switch o := obj.(type) {
		case *batchv1.Job:
			m.jobs[f] = o
		case *corev1.PersistentVolumeClaim:
			m.pvcs[f] = o
		case *corev1.Pod:
			m.pods[f] = o
		}
	}
	return m
}

// sweepJobs are the Jobs labelled as a sweep.
func (m manifests) sweepJobs(t *testing.T) map[string]*batchv1.Job {
	out := map[string]*batchv1.Job{}
	for f, j := range m.jobs {
		if j.Labels["app.kubernetes.io/component"] == "sweep" {
			out[f] = j
		}
	}
	if len(out) == 0 {
		t.Fatal("no Job labelled app.kubernetes.io/component=sweep in kubernetes/")
	}
	return out
}

// podSpecs are every pod spec of the deployment, by file.
func (m manifests) podSpecs() map[string]*corev1.PodSpec {
	out := map[string]*corev1.PodSpec{}
	for f, j := range m.jobs {
		out[f] = &j.Spec.Template.Spec
	}
	for f, p := range m.pods {
		out[f] = &p.Spec
	}
	return out
}

// podEnv is c's environment variables with literal values, as NAME=VALUE.
func podEnv(c corev1.Container) []string {
	var out []string
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			out = append(out, e.Name+"="+e.Value)
		}
	}
	return out
}

func env(c corev1.Container, name string) (string, bool) {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value, true
		}
	}
	return "", false
}

// A typo must fail the decoding: this is what makes the strict decoding
// worth having.
func TestDecodeStrictRejects(t *testing.T) {
	job, err := os.ReadFile(filepath.Join("kubernetes", "job.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decodeStrict(job); err != nil {
		t.Fatalf("job.yaml as it is: %v", err)
	}
	tests := []struct {
		name, old, new string
		reason         string
	}{
		{"misspelt field", "completionMode: Indexed", "completionMod: Indexed", "an unknown field would be dropped by a lax decoder and the Job run NonIndexed"},
		{"misplaced field", "  parallelism: 4\n", "  parallelism: 4\n  nodeSelector: {}\n", "nodeSelector belongs to the pod spec, not the Job spec"},
		{"wrong type", "completions: 4", "completions: four", "completions is an integer"},
		{"duplicate key", "  parallelism: 4\n", "  parallelism: 4\n  parallelism: 2\n", "which of two values a cluster takes is anyone's guess"},
		{"bad quantity", `cpu: "8"`, `cpu: "8 cores"`, "a CPU count is a Kubernetes quantity"},
		{"other kind", "kind: Job", "kind: CronJob", "a kind the deployment does not use must be added on purpose"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := strings.Replace(string(job), tt.old, tt.new, 1)
			if bad == string(job) {
				t.Fatalf("job.yaml has no %q to replace; update the test", tt.old)
			}
			if _, err := decodeStrict([]byte(bad)); err == nil {
				t.Errorf("decoded without error (%s)", tt.reason)
			} else {
				t.Log(err)
			}
		})
	}
}

func TestManifestsDecode(t *testing.T) {
	m := loadManifests(t)
	if len(m.pvcs) != 1 {
		t.Errorf("%d PersistentVolumeClaims, want 1 (the results claim)", len(m.pvcs))
	}
	t.Logf("%d Jobs, %d claims, %d pods", len(m.jobs), len(m.pvcs), len(m.pods))
}

func TestSweepJob(t *testing.T) {
	m := loadManifests(t)
	for f, j := range m.sweepJobs(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			s := j.Spec
			if s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion {
				t.Errorf("completionMode is not Indexed: pods would get no JOB_COMPLETION_INDEX")
			}
			if s.Completions == nil || *s.Completions < 1 {
				t.Fatalf("completions not set: it is the number of shards")
			}
			n := *s.Completions
			if s.Parallelism == nil || *s.Parallelism < 1 || *s.Parallelism > n {
				t.Errorf("parallelism %v: want 1..completions (%d)", s.Parallelism, n)
			}
			ps := s.Template.Spec
			if ps.RestartPolicy != corev1.RestartPolicyNever {
				t.Errorf("restartPolicy %q: want Never, so that a failed shard is a failed pod the Job counts", ps.RestartPolicy)
			}
			if len(ps.Containers) != 1 {
				t.Fatalf("%d containers, want 1", len(ps.Containers))
			}
			c := ps.Containers[0]
			if shards, _ := env(c, "SHARDS"); shards != fmt.Sprint(n) {
				t.Errorf("SHARDS = %q, completions = %d: every index must be a shard of the same N", shards, n)
			}
			instance := ps.NodeSelector["node.kubernetes.io/instance-type"]
			if instance == "" {
				t.Errorf("no nodeSelector on node.kubernetes.io/instance-type: shards could land on different machines")
			}
			if arch := ps.NodeSelector["kubernetes.io/arch"]; arch != "amd64" && arch != "arm64" {
				t.Errorf("nodeSelector kubernetes.io/arch = %q, want amd64 or arm64", arch)
			}
			if machine, _ := env(c, "MACHINE"); machine != instance {
				t.Errorf("MACHINE = %q, instance type %q: the results must name the machine they ran on", machine, instance)
			}
			script := strings.Join(c.Args, " ")
			for _, want := range []string{`--shard "$((JOB_COMPLETION_INDEX + 1))/$SHARDS"`, `--machine "$MACHINE"`,
				`--run-id "$RUN"`, `--node "$NODE_NAME"`, "--out \"/results/$RUN/$MACHINE/shard-$((JOB_COMPLETION_INDEX + 1))\""} {
				if !strings.Contains(script, want) {
					t.Errorf("the command has no %s", want)
				}
			}
		})
	}
}

// Whole cores: the static CPU manager gives exclusive CPUs only to
// containers of Guaranteed pods (requests equal to limits for CPU and
// memory in every container) that ask for a whole number of CPUs.
func TestWholeCores(t *testing.T) {
	m := loadManifests(t)
	for f, j := range m.sweepJobs(t) {
		for _, c := range j.Spec.Template.Spec.Containers {
			for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				req, okReq := c.Resources.Requests[r]
				lim, okLim := c.Resources.Limits[r]
				if !okReq || !okLim {
					t.Errorf("%s: container %s: %s request and limit must both be set", f, c.Name, r)
					continue
				}
				if !req.Equal(lim) {
					t.Errorf("%s: container %s: %s request %s ≠ limit %s: the pod is not Guaranteed", f, c.Name, r, req.String(), lim.String())
				}
			}
			cpu := c.Resources.Limits[corev1.ResourceCPU]
			if cpu.MilliValue()%1000 != 0 || cpu.MilliValue() < 1000 {
				t.Errorf("%s: container %s: cpu %s is not a whole number of CPUs", f, c.Name, cpu.String())
			}
		}
	}
}

// Every pod runs as the image's nonroot user and mounts the results claim.
func TestPodsShareTheClaim(t *testing.T) {
	m := loadManifests(t)
	var claim string
	for _, p := range m.pvcs {
		claim = p.Name
		if !slices.Contains(p.Spec.AccessModes, corev1.ReadWriteMany) {
			t.Errorf("claim %s is not ReadWriteMany: shards on several nodes write to it at once", p.Name)
		}
	}
	images := map[string]bool{}
	for f, ps := range m.podSpecs() {
		if sc := ps.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot ||
			sc.RunAsUser == nil || *sc.RunAsUser != nonrootUID {
			t.Errorf("%s: the pod must run as non-root user %d, the image's", f, nonrootUID)
		}
		mounted := false
		for _, v := range ps.Volumes {
			if v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == claim {
				for _, c := range ps.Containers {
					for _, vm := range c.VolumeMounts {
						mounted = mounted || vm.Name == v.Name && vm.MountPath == "/results"
					}
				}
			}
		}
		if !mounted {
			t.Errorf("%s: claim %q is not mounted at /results", f, claim)
		}
		for _, c := range ps.Containers {
			images[c.Image] = true
		}
	}
	if len(images) != 1 {
		t.Errorf("the manifests use %d images, want one (deploy/Dockerfile's): %v", len(images), images)
	}
}

// fakeLockbench writes a script that records its arguments, one per line,
// to a file named after the shard's completion index, or "merge".
func fakeLockbench(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "lockbench")
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$ARGS_DIR/${JOB_COMPLETION_INDEX:-$1}\"\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// resultsDir matches the mount point /results where a path starts.
var resultsDir = regexp.MustCompile(`(^|[\s"'])/results/`)

// localScript is a container's shell script with the image's paths
// replaced by the test's.
func localScript(c corev1.Container, lockbench, results string) string {
	s := strings.Join(c.Args, " ")
	s = strings.ReplaceAll(s, binPath, lockbench)
	return resultsDir.ReplaceAllString(s, "${1}"+results+"/")
}

// The sweep's shell glue, run: index i runs shard i+1 of N into its own
// directory, the sweep flags are split into words but not globbed, and the
// merge Job's glob finds every shard's results.
func TestShardMapping(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to run the manifests' scripts with")
	}
	m := loadManifests(t)
	var merge *batchv1.Job
	for _, j := range m.jobs {
		if j.Labels["app.kubernetes.io/component"] == "merge" {
			merge = j
		}
	}
	for f, j := range m.sweepJobs(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			dir := t.TempDir()
			args, results := filepath.Join(dir, "args"), filepath.Join(dir, "results")
			os.Mkdir(args, 0o755)
			lb := fakeLockbench(t, dir)
			c := j.Spec.Template.Spec.Containers[0]
			if len(c.Command) != 2 || c.Command[1] != "-c" {
				t.Fatalf("command %q: want [SHELL -c] with the script in args", c.Command)
			}
			n := int(*j.Spec.Completions)
			machine, _ := env(c, "MACHINE")
			sweep, _ := env(c, "SWEEP")
			for i := range n {
				cmd := exec.Command(sh, "-c", localScript(c, lb, results))
				cmd.Env = append(podEnv(c),
					"ARGS_DIR="+args, fmt.Sprintf("JOB_COMPLETION_INDEX=%d", i),
					"NODE_NAME=node-1",
					// A glob character must reach lockbench as it is.
					"SWEEP="+sweep+" --locks *",
				)
				cmd.Dir = dir // where a glob would match "args", "lockbench"
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("index %d: %v\n%s", i, err, out)
				}
				b, err := os.ReadFile(filepath.Join(args, fmt.Sprint(i)))
				if err != nil {
					t.Fatal(err)
				}
				got := strings.Split(strings.TrimSpace(string(b)), "\n")
				flag := func(name string) string {
					k := slices.Index(got, name)
					if k < 0 || k+1 >= len(got) {
						t.Fatalf("index %d: no %s in %q", i, name, got)
					}
					return got[k+1]
				}
				if got[0] != "run" {
					t.Errorf("index %d: subcommand %q, want run", i, got[0])
				}
				if want := fmt.Sprintf("%d/%d", i+1, n); flag("--shard") != want {
					t.Errorf("index %d: --shard %s, want %s", i, flag("--shard"), want)
				}
				if flag("--machine") != machine {
					t.Errorf("index %d: --machine %s, want %s", i, flag("--machine"), machine)
				}
				run, _ := env(c, "RUN")
				if flag("--run-id") != run || flag("--node") != "node-1" {
					t.Errorf("index %d: --run-id %s --node %s, want %s and the pod's NODE_NAME", i, flag("--run-id"), flag("--node"), run)
				}
				out := flag("--out")
				if want := filepath.Join(results, run, machine, fmt.Sprintf("shard-%d", i+1)); out != want {
					t.Errorf("index %d: --out %s, want %s", i, out, want)
				}
				if !slices.Contains(got, "*") {
					t.Errorf("index %d: SWEEP's * did not reach lockbench as it is: %q", i, got)
				}
				for _, w := range strings.Fields(sweep) {
					if !slices.Contains(got, w) {
						t.Errorf("index %d: SWEEP word %q missing from %q", i, w, got)
					}
				}
				// What lockbench run would leave behind.
				os.MkdirAll(out, 0o755)
				os.WriteFile(filepath.Join(out, "results.txt"), nil, 0o644)
			}

			if merge == nil {
				t.Fatal("no merge Job (app.kubernetes.io/component=merge) to check the glob with")
			}
			mc := merge.Spec.Template.Spec.Containers[0]
			if r, _ := env(mc, "RUN"); r != func() string { r, _ := env(c, "RUN"); return r }() {
				t.Errorf("merge Job's RUN %q is not the sweep's: the README's sed sets both alike", r)
			}
			// A shard of another run beside this one's: the merge's glob
			// must not take it.
			stale := filepath.Join(results, "20000101t000000z", machine, "shard-1")
			os.MkdirAll(stale, 0o755)
			os.WriteFile(filepath.Join(stale, "results.txt"), nil, 0o644)
			var b []byte
			for _, partial := range []string{"false", "true"} {
				cmd := exec.Command(sh, "-c", localScript(mc, lb, results))
				cmd.Env = append(podEnv(mc), "ARGS_DIR="+args, "ALLOW_PARTIAL="+partial)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("merge: %v\n%s", err, out)
				}
				var err error
				b, err = os.ReadFile(filepath.Join(args, "merge"))
				if err != nil {
					t.Fatalf("the merge script did not run lockbench merge: %v", err)
				}
				if got := slices.Contains(strings.Split(string(b), "\n"), "--allow-partial"); got != (partial == "true") {
					t.Errorf("ALLOW_PARTIAL=%s: --allow-partial passed = %v", partial, got)
				}
			}
			var inputs []string
			for _, a := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				if strings.HasSuffix(a, "results.txt") {
					if _, err := os.Stat(a); err != nil {
						t.Errorf("merge input %s: %v", a, err)
					}
					inputs = append(inputs, a)
				}
			}
			if len(inputs) != n {
				t.Errorf("merge got %d results files, want the %d shards: %q", len(inputs), n, inputs)
			}
		})
	}
}
